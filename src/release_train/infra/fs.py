"""Atomic file writes. A bump touches many files; all contents are computed first, then written
with `write_all`, each file through a temporary sibling and `os.replace`, so a reader never sees a
half-written file and a failure while computing leaves every file as it was."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def _temp_sibling(path: Path) -> tuple[int, str]:
    """A new file beside `path`, opened exclusively (mode 0600), as `tempfile.mkstemp` makes it:
    importing `tempfile` (shutil, random, bz2, lzma) costs more start-up time than a small
    `bump` spends on its work (bench/bump.py). O_EXCL never reuses an existing name."""
    stem = os.path.join(path.parent, f".{path.name}.{os.getpid()}.")  # noqa: PTH118
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
    while staging (disk full, permissions) changes nothing."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            fd, tmp = _temp_sibling(path)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o7777)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
