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
"""

from __future__ import annotations

import errno
import os
import stat

from release_train.errors import WorkspaceError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
LINK_FIX = (
    "release-train reads and writes only inside the repository: put the files themselves there "
    "instead of a symbolic link, or leave that path out of the workspace"
)


class Confined:
    """The repository root and the directories below it already known to stay inside it."""

    __slots__ = ("_known", "root")

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self._known: set[str] = {self.root}

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

    def resolve(self, path: str, what: str, fix: str) -> str:
        """`path` with every link resolved; raise unless that is inside the root."""
        real = os.path.realpath(path)
        if not self.inside(real):
            raise WorkspaceError(
                f"{what} {path} resolves to {real}, outside the repository {self.root}", hint=fix
            )
        return real

    def _outside(self, path: str, real: str, fix: str) -> WorkspaceError:
        where = f"{path} is outside" if path == real else f"{path} leads to {real}, outside"
        return WorkspaceError(f"{where} the repository {self.root}; nothing was read or written", hint=fix)
