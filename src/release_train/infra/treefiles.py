"""`Files` (infra/confine.py) answered from a commit's tree instead of a directory on disk.

The train flows read a commit (the tip of main, a release branch, a tag) to load its workspace,
run `verify`'s checks and compute a bump. They used to check the commit out into a temporary
worktree: every file of the repository written and deleted again (wasm-tools, 9,580 files: 4.5 s
of kernel time) for the few dozen the loaders read. Here nothing is written: each question is
answered from the tree objects (`infra/gitobjects.py`), read as it is asked, so the cost follows
what the workspace reads, not the size of the repository (bench/flows.py).

The seam is the loaders' file questions rather than a directory holding the files they read: the
set of files a workspace reads is known only as it is read (member globs, path dependencies, the
Python version files named in `pyproject.toml`), whether a directory is empty or a glob matches
depends on files no loader reads, and `verify` estimates package sizes over every file of a
package. A view that materialised a guessed set would answer those wrongly or have to write the
whole tree again.

Paths are those of a checkout at `top`, a directory that does not exist (`/tree-<commit>`), so an
error names a path that reads like the repository's and no disk path is ever read by mistake.
Links are resolved here, in the commit, as the kernel would in a checkout: a relative link is
followed inside the tree and must end inside the root, as `Confined` requires on disk; a link to
an absolute path (or above the tree) leads out of the commit and is refused when read, and never
looked up on disk: what the commit holds is what is read.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import posixpath
import re
from collections.abc import Sequence

from release_train.infra.confine import LINK_FIX, link_error, outside_error
from release_train.infra.gitobjects import GITLINK, TREE, Entry, Tree

_LINKS_FOLLOWED = 40  # as the kernel's limit: more is a loop
_GLOB_CHARS = frozenset("*?[")


class TreeFiles:
    """The files of `tree`'s commit seen at `top`, read only inside `root` (at or below `top`)."""

    def __init__(self, tree: Tree, top: str, root: str) -> None:
        self.tree, self.top = tree, top
        self.root = self.real(root)
        self._known: set[str] = {self.root}
        self._listed: dict[str, tuple[Entry, int]] = {}  # path -> entry, size: what `tracked` listed

    # --- the Files questions --------------------------------------------------------------------
    def inside(self, real: str) -> bool:
        return real == self.root or real.startswith(self.root + "/")

    def check_dir(self, directory: str, fix: str = LINK_FIX) -> None:
        if directory in self._known:
            return
        if not self.inside(directory):
            raise link_error(self.root, directory, directory, fix)
        self.check_dir(posixpath.dirname(directory), fix)
        real = self.real(directory)
        if not self.inside(real):  # the parent is inside: this part is a link that leads out
            raise link_error(self.root, directory, real, fix)
        self._known.add(directory)

    def known(self, directory: str) -> None:
        self._known.add(directory)

    def read(self, path: str, fix: str = LINK_FIX) -> bytes:
        real, entry = self._resolve(path)
        if not self.inside(real):
            raise link_error(self.root, path, real, fix)
        if entry is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        if not entry.is_file:
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        return self.tree.blob(entry.oid)

    def read_ahead(self, paths: Sequence[str]) -> None:
        """Their blobs asked of git together (the directories were, when they were scanned)."""
        entries = [self._resolve(path)[1] for path in paths]
        self.tree.read_ahead([e.oid for e in entries if e is not None and e.is_file])

    def real(self, path: str) -> str:
        return self._resolve(path)[0]

    def resolve(self, path: str, what: str, fix: str) -> str:
        real = self.real(path)
        if not self.inside(real):
            raise outside_error(self.root, what, path, real, fix)
        return real

    def is_file(self, path: str) -> bool:
        """A link out of the commit counts as a file: reading it then says where it leads."""
        real, entry = self._resolve(path)
        return entry.is_file if entry is not None else not self._in_tree(real)

    def scan(self, directory: str) -> list[tuple[str, bool, bool]]:
        real, entry = self._resolve(directory)
        if entry is None or not (entry.is_tree or entry.mode == GITLINK):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), directory)
        listed = self.tree.entries(entry.oid) if entry.is_tree else {}
        self.tree.read_ahead([e.oid for e in listed.values() if e.is_tree])  # globs look inside next
        return [(name, self._is_dir(f"{real}/{name}", e), e.is_link) for name, e in listed.items()]

    def has_entries(self, directory: str) -> bool:
        entry = self._resolve(directory)[1]
        return entry is not None and entry.is_tree and bool(self.tree.entries(entry.oid))

    def glob_dirs(self, root: str, pattern: str) -> list[str]:
        parts = [p for p in pattern.split("/") if p not in ("", ".")]
        found: dict[str, None] = {}  # ordered, without repeats (`**` reaches a directory twice)
        for path in self._glob(root.rstrip("/") or "/", parts):
            if self._is_dir(path, self._resolve(path)[1]):
                found[path] = None
        return list(found)

    def tracked(self, directories: Sequence[str]) -> dict[str, list[str]]:
        """One `git ls-tree` of all of `directories`; their sizes are kept for `sizes`."""
        wanted = {d: posixpath.relpath(d, self.top) for d in directories}
        inside: dict[str, list[str]] = {relative: [] for relative in wanted.values()}
        specs = [] if "." in inside else list(inside)
        owners: dict[str, list[str]] = {}  # a directory -> those of `inside` at or above it

        def above(directory: str) -> list[str]:
            found = owners.get(directory)
            if found is None:
                here = directory or "."
                found = ([here] if here in inside else []) + (
                    above(directory.rpartition("/")[0]) if directory else []
                )
                owners[directory] = found
            return found

        for path, entry, size in self.tree.listing(specs):
            self._listed[f"{self.top}/{path}"] = (entry, size)
            for relative in above(path.rpartition("/")[0]):
                inside[relative].append(path if relative == "." else path[len(relative) + 1 :])
        return {d: inside[relative] for d, relative in wanted.items()}

    def sizes(self, paths: Sequence[str]) -> list[int]:
        """From the listing `tracked` made; a link counts as the file it leads to, as on disk."""
        found: list[int] = []
        unlisted: dict[int, str] = {}  # index in `found` -> the object whose size it is
        for path in paths:
            entry, size = self._listed.get(path, (None, 0))
            if entry is None or entry.is_link:
                entry, size = self._resolve(path)[1], 0
                if entry is not None and entry.is_file:
                    unlisted[len(found)] = entry.oid
            found.append(size)
        # every link's target in one round of questions, not one each
        for index, size in zip(unlisted, self.tree.objects.sizes(list(unlisted.values())), strict=True):
            found[index] = size
        return found

    # --- resolving paths in the commit ----------------------------------------------------------
    def _in_tree(self, real: str) -> bool:
        return real == self.top or real.startswith(self.top + "/")

    def _resolve(self, path: str) -> tuple[str, Entry | None]:
        """`path` with every link of the commit resolved, as `os.path.realpath` resolves them
        on disk (parts that do not exist kept as written), and the entry it names (None when
        nothing there, or the path leads out of the commit)."""
        if not self._in_tree(path):
            return posixpath.normpath(path), None
        pending = path[len(self.top) :].split("/")[::-1]  # a stack: the next part last
        done: list[str] = []
        entry: Entry | None = Entry(TREE, self.tree.oid)
        links = 0
        while pending:
            name = pending.pop()
            if name in ("", "."):
                continue
            if name == "..":
                if not done:  # above the top: out of the commit
                    rest = "/".join(["..", *pending[::-1]])
                    return posixpath.normpath(f"{self.top}/{rest}"), None
                done.pop()
                entry = self._lookup(done)
                continue
            child = self.tree.entries(entry.oid).get(name) if entry is not None and entry.is_tree else None
            if child is not None and child.is_link:
                links += 1
                if links > _LINKS_FOLLOWED:
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
                target = self.tree.blob(child.oid).decode("utf-8", "surrogateescape")
                if target.startswith("/"):  # an absolute link: out of the commit
                    return posixpath.normpath("/".join([target, *pending[::-1]])), None
                pending += target.split("/")[::-1]
                continue
            done.append(name)
            entry = child
        return "/".join([self.top, *done]), entry

    def _lookup(self, parts: list[str]) -> Entry | None:
        entry: Entry | None = Entry(TREE, self.tree.oid)
        for name in parts:
            if entry is None or not entry.is_tree:
                return None
            entry = self.tree.entries(entry.oid).get(name)
        return entry

    def _is_dir(self, path: str, entry: Entry | None) -> bool:
        """A link out of the commit counts as a directory: checking it then says where it leads."""
        if entry is not None and entry.is_link:
            real, entry = self._resolve(path)
            if entry is None:
                return not self._in_tree(real)
        return entry is not None and (entry.is_tree or entry.mode == GITLINK)

    def _glob(self, base: str, parts: list[str]) -> list[str]:
        """`Path.glob`'s matching (3.11): `**` is this directory and every one below it (links
        not entered), a wildcard part matches names (dot names too), a literal part must exist;
        every part but the last must be a directory."""
        if not parts:
            return [base]
        head, rest = parts[0], parts[1:]
        if head == "**":
            return [found for d in self._below(base) for found in self._glob(d, rest)]
        try:
            entries = self.scan(base)
        except OSError:
            return []
        if _GLOB_CHARS & set(head):
            matches = re.compile(fnmatch.translate(head)).match
            names = [name for name, is_dir, _ in entries if matches(name) and (is_dir or not rest)]
        else:
            names = [name for name, is_dir, _ in entries if name == head and (is_dir or not rest)]
        return [found for name in names for found in self._glob(f"{base}/{name}", rest)]

    def _below(self, directory: str) -> list[str]:
        try:
            entries = self.scan(directory)
        except OSError:
            return []
        below = [directory]
        for name, is_dir, is_link in entries:
            if is_dir and not is_link:
                below += self._below(f"{directory}/{name}")
        return below
