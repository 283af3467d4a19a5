"""Reads that stay inside the repository.

A repository's files may hold symbolic links to anywhere: a member directory linked to another
checkout, a header linked from elsewhere. A bump writes where it read, so following such a link
out of the repository would rewrite files that are not the repository's; and a flow reading a
commit in a temporary worktree would plan from whatever the link points at instead of the commit.
So every path the workspace model reads is checked here: a link is followed only when its target
is inside the repository, and anything else is an error naming the path and the fix.

Checking costs one `lstat` per directory not seen before (none for directories a caller found with
`os.scandir`, which says whether an entry is a link for free) and nothing per file: files are
opened with `O_NOFOLLOW`, so a linked file shows itself by failing to open (bench/bump.py).

`Files` is every question the workspace loaders and `verify` ask of a repository's files; they ask
nothing of the disk directly. `Confined` answers them from a directory on disk (the working
copy); `infra/treefiles.py` answers them from a commit's tree in git's object database, with the
same confinement, so the train flows read a commit without checking it out.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from typing import Protocol

from release_train.errors import WorkspaceError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
LINK_FIX = (
    "release-train reads and writes only inside the repository: put the files themselves there "
    "instead of a symbolic link, or leave that path out of the workspace"
)


class Files(Protocol):
    """The files below `root` (absolute, normalised paths), read only inside it."""

    root: str

    def inside(self, real: str) -> bool: ...

    def check_dir(self, directory: str, fix: str = LINK_FIX) -> None:
        """Raise unless `directory` lies inside the root, through whatever links its parts are."""

    def known(self, directory: str) -> None:
        """`directory` is not a link and its parent was checked (the caller saw it in `scan`)."""

    def read(self, path: str, fix: str = LINK_FIX) -> bytes:
        """The bytes of the file `path` in a checked directory, a link followed only when its
        target is inside the root. Raises OSError as `open` does."""
        ...

    def read_ahead(self, paths: Sequence[str]) -> None:
        """A hint: these files are about to be read, one by one."""

    def real(self, path: str) -> str:
        """`path` with every link resolved (the parts that do not exist kept as written)."""
        ...

    def resolve(self, path: str, what: str, fix: str) -> str:
        """`real(path)`; raise unless that is inside the root."""
        ...

    def is_file(self, path: str) -> bool:
        """Whether `path` names a file (through links)."""
        ...

    def scan(self, directory: str) -> list[tuple[str, bool, bool]]:
        """(name, is a directory through links, is a link) of each entry; OSError as `os.scandir`."""
        ...

    def has_entries(self, directory: str) -> bool: ...

    def glob_dirs(self, root: str, pattern: str) -> list[str]:
        """The directories `Path(root).glob(pattern)` finds (any pattern, `**` included)."""
        ...

    def tracked(self, directories: Sequence[str]) -> dict[str, list[str]]:
        """directory -> the path (relative to it) of each file below it that git tracks (cargo
        packs those); of every file there when the root is not in a git repository."""
        ...

    def sizes(self, paths: Sequence[str]) -> list[int]:
        """The size of each file (through links); 0 for what is no file, -1 for a file of a commit
        whose content this clone lacks (a partial or damaged clone)."""
        ...


class Confined:
    """`Files` on disk: the repository root and the directories below it already known to stay
    inside it."""

    __slots__ = ("_known", "_listed", "root")

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self._known: set[str] = {self.root}
        self._listed: list[str] | None = None  # the tracked files below the root, sorted

    def inside(self, real: str) -> bool:
        return real == self.root or real.startswith(self.root + os.sep)

    def check_dir(self, directory: str, fix: str = LINK_FIX) -> None:
        """Raise unless `directory` (an absolute, normalised path) lies inside the root, through
        whatever links its parts are. A part that does not exist ends the check: whoever reads
        it next reports it."""
        if directory in self._known:
            return
        if not self.inside(directory):
            raise self._outside(directory, directory, fix)
        parent = os.path.dirname(directory)  # noqa: PTH120
        self.check_dir(parent, fix)
        try:
            mode = os.lstat(directory).st_mode
        except OSError:
            return
        if stat.S_ISLNK(mode):
            real = os.path.realpath(directory)
            if not self.inside(real):
                raise self._outside(directory, real, fix)
        self._known.add(directory)

    def known(self, directory: str) -> None:
        """`directory` is not a link and its parent was checked (the caller saw it with scandir)."""
        self._known.add(directory)

    def read(self, path: str, fix: str = LINK_FIX) -> bytes:
        """The bytes of the file `path` in a checked directory; a link is followed only when its
        target is inside the root. Raises OSError as `open` does."""
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            real = os.path.realpath(path)
            if not self.inside(real):
                raise self._outside(path, real, fix) from None
            fd = os.open(real, os.O_RDONLY)
        try:
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def read_ahead(self, paths: Sequence[str]) -> None:
        pass  # the page cache reads ahead on disk

    def real(self, path: str) -> str:
        return os.path.realpath(path)

    def resolve(self, path: str, what: str, fix: str) -> str:
        """`path` with every link resolved; raise unless that is inside the root."""
        real = os.path.realpath(path)
        if not self.inside(real):
            raise outside_error(self.root, what, path, real, fix)
        return real

    def is_file(self, path: str) -> bool:
        return os.path.isfile(path)  # noqa: PTH113

    def scan(self, directory: str) -> list[tuple[str, bool, bool]]:
        with os.scandir(directory) as entries:
            return [(e.name, e.is_dir(), e.is_symlink()) for e in entries]

    def has_entries(self, directory: str) -> bool:
        with os.scandir(directory) as entries:
            return next(entries, None) is not None

    def glob_dirs(self, root: str, pattern: str) -> list[str]:
        from pathlib import Path

        return [str(p) for p in Path(root).glob(pattern) if p.is_dir()]

    def tracked(self, directories: Sequence[str]) -> dict[str, list[str]]:
        """One `git ls-files` of the root, each directory answered from that sorted list by
        bisection."""
        import bisect

        listed = self._tracked_below_root()
        found: dict[str, list[str]] = {}
        for directory in directories:
            if not listed:
                found[directory] = _walk(directory)
                continue
            relative = os.path.relpath(directory, self.root)
            prefix = "" if relative == "." else f"{relative}/"
            start = bisect.bisect_left(listed, prefix)
            end = bisect.bisect_left(listed, f"{prefix}\U0010ffff") if prefix else len(listed)
            found[directory] = [name[len(prefix) :] for name in listed[start:end]]
        return found

    def sizes(self, paths: Sequence[str]) -> list[int]:
        found = []
        for path in paths:
            try:
                info = os.stat(path)  # noqa: PTH116
            except OSError:
                found.append(0)
                continue
            found.append(info.st_size if stat.S_ISREG(info.st_mode) else 0)
        return found

    def _tracked_below_root(self) -> list[str]:
        if self._listed is None:
            from pathlib import Path

            from release_train.infra import proc

            done = proc.run(["git", "ls-files", "-z"], cwd=Path(self.root), check=False)
            self._listed = (
                sorted(name for name in done.stdout.split("\0") if name) if done.returncode == 0 else []
            )
        return self._listed

    def _outside(self, path: str, real: str, fix: str) -> WorkspaceError:
        return link_error(self.root, path, real, fix)


def link_error(root: str, path: str, real: str, fix: str) -> WorkspaceError:
    where = f"{path} is outside" if path == real else f"{path} leads to {real}, outside"
    return WorkspaceError(f"{where} the repository {root}; nothing was read or written", hint=fix)


def outside_error(root: str, what: str, path: str, real: str, fix: str) -> WorkspaceError:
    return WorkspaceError(f"{what} {path} resolves to {real}, outside the repository {root}", hint=fix)


def _walk(directory: str) -> list[str]:
    """Every file below `directory` but build output and hidden directories (not in git)."""
    found: list[str] = []
    for here, subdirs, names in os.walk(directory):
        subdirs[:] = [d for d in subdirs if d != "target" and not d.startswith(".")]
        base = os.path.relpath(here, directory)
        found += [name if base == "." else f"{base}/{name}" for name in names]
    return found
