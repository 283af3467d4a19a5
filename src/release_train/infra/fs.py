"""Atomic file writes. A bump touches many files; all contents are computed first, then written
with `write_all`, each file through a temporary sibling and `os.replace`, so a reader never sees a
half-written file and a failure while computing leaves every file as it was."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")


def _temp_sibling(path: Path) -> tuple[int, str]:
    """A new file beside `path`, opened exclusively (mode 0600), as `tempfile.mkstemp` makes it:
    importing `tempfile` (shutil, random, bz2, lzma) costs more start-up time than a small
    `bump` spends on its work (bench/bump.py). O_EXCL never reuses an existing name."""
    parent, name = os.path.split(path)
    stem = os.path.join(parent, f".{name}.{os.getpid()}.")  # noqa: PTH118
    n = 0
    while True:
        tmp = f"{stem}{n}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), tmp
        except FileExistsError:  # left by a crashed process that had our pid
            n += 1


def atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = _temp_sibling(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, text.encode())


def write_all(files: Mapping[Path, bytes]) -> None:
    """Write every file: stage all temporaries first, then rename them into place, so a failure
    while staging (disk full, permissions) changes nothing. Renaming over an existing file waits
    on the disk (ext4 flushes the new file's data first), so many renames run on a few threads;
    so does staging when there are very many files (bench/bump.py: 2,000 manifests one after
    another cost more than all of a large `bump`'s reading and computing)."""
    items = list(files.items())
    staged: list[tuple[str, Path]] = []

    def stage(item: tuple[Path, bytes]) -> None:
        # on the descriptor alone, without a file object (whose buffer asks the file's size, a
        # terminal check and its position): the kernel's work per file is what remains
        path, data = item
        fd, tmp = _temp_sibling(path)
        staged.append((tmp, path))  # list.append is atomic: safe from several threads
        try:
            _write_fd(fd, data)
            try:
                mode = os.stat(path).st_mode & 0o7777  # noqa: PTH116
            except FileNotFoundError:
                return
            os.fchmod(fd, mode)
        finally:
            os.close(fd)

    try:
        _each(stage, items, _STAGE_SERIAL_BELOW)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    _each(lambda pair: os.replace(*pair), staged, _RENAME_SERIAL_BELOW)


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# Measured on a 2-core VM: 8 threads keep the disk busy (4 did as well when the machine was idle,
# worse under load). Creating a file is mostly kernel CPU time: staging gains only for hundreds.
_THREADS = 8
_STAGE_SERIAL_BELOW = 256
_RENAME_SERIAL_BELOW = 16


def _each(fn: Callable[[_T], object], items: list[_T], serial_below: int) -> None:
    """`fn` on every item; on several threads when there are many. Re-raises the first error
    after every thread has stopped."""
    if len(items) < serial_below:
        for item in items:
            fn(item)
        return
    import threading

    errors: list[BaseException] = []

    def work(part: list[_T]) -> None:
        try:
            for item in part:
                if errors:
                    return
                fn(item)
        except BaseException as exc:  # re-raised in the calling thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(items[i::_THREADS],)) for i in range(_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@contextmanager
def held(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` (created if needed) for the block. The kernel releases
    it when the process dies, however it dies, so `is_held` tells a live owner from a dead one."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def is_held(path: Path) -> bool:
    """True while a live process holds `path` with `held` (False when there is no such file)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False
