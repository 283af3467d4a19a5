"""Reading and writing a commit's files through git's object database, with no work tree.

The train flows read a handful of files at a commit (the manifests, a lock file, the notes) and
commit a handful of changed ones. A checkout would write every file of the repository to disk and
delete it again, which on a large repository costs seconds of kernel time for a change to four
manifests; here the cost follows the files touched, not the size of the repository:

- `Objects` is one long-lived `git cat-file --batch-command`: each object is asked for by its id
  when it is needed (a tree when a directory is listed, a blob when a file is read), a few tens
  of microseconds each, instead of a process per read or one large batch read up front (which
  would have to guess what the workspace loader will read: the Python version files are known
  only once the `pyproject.toml`s are parsed).
- `Tree` is a commit's tree read lazily, each directory once. Paths are never handed to git
  (`REV:PATH` would follow nothing and quote nothing): the tree objects are walked here, so a
  symbolic link (mode 120000, its target as the blob) is seen as such and
  `infra/treefiles.py` decides whether to follow it.
- `commit_files` writes new blobs (one `git fast-import`), the trees above them (one
  `git mktree --batch`, bottom up; every other tree is reused by id) and the commit
  (`git commit-tree`), with the message cleaned up as `git commit` would.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from release_train.errors import ProcessError
from release_train.infra import proc
from release_train.infra.git import Git
from release_train.model.record import Record

TREE, BLOB, LINK, EXEC, GITLINK = 0o40000, 0o100644, 0o120000, 0o100755, 0o160000
# Questions written before their answers are read stay under a pipe's 64 KiB, so writing them
# never waits on git, which may itself wait for us to read the answers to earlier ones.
_ASKED_AT_ONCE = 256
_KEPT_BLOB = 1 << 16  # blobs up to this size are kept once read (several checks read a manifest)


class Entry(Record):
    """One entry of a tree object: its mode and the id of the object it names. A `Record`, not a
    value class: a listing makes one per file (ten thousand on wasm-tools)."""

    __slots__ = ("mode", "oid")
    FIELDS = ("mode", "oid")
    mode: int
    oid: str

    def __init__(self, mode: int, oid: str) -> None:
        object.__setattr__(self, "mode", mode)
        object.__setattr__(self, "oid", oid)

    @property
    def is_tree(self) -> bool:
        return self.mode == TREE

    @property
    def is_link(self) -> bool:
        return self.mode == LINK

    @property
    def is_file(self) -> bool:
        return self.mode in (BLOB, EXEC)


class Objects:
    """The object database of the repository at `path`, read through one `git cat-file
    --batch-command` that lives until `close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pipe = proc.Pipe(["git", "cat-file", "--batch-command"], cwd=path)

    def close(self) -> None:
        self._pipe.close()

    def get(self, name: str) -> tuple[str, str, bytes] | None:
        """(id, type, content) of the object `name` (an id, or `REV^{commit}`), None when missing."""
        return self.get_many([name])[0]

    def get_many(self, names: Sequence[str]) -> list[tuple[str, str, bytes] | None]:
        """`get` of each of `names`, asked a few hundred at a time: a round trip per batch."""
        found: list[tuple[str, str, bytes] | None] = []
        for start in range(0, len(names), _ASKED_AT_ONCE):
            chunk = names[start : start + _ASKED_AT_ONCE]
            self._pipe.ask("".join(f"contents {name}\n" for name in chunk).encode())
            for _ in chunk:
                header = self._pipe.readline().split()
                if len(header) != 3:  # "<name> missing" or "<name> ambiguous"
                    found.append(None)
                    continue
                data = self._pipe.read(int(header[2]) + 1)[:-1]  # the content, then a newline
                found.append((header[0].decode(), header[1].decode(), data))
        return found

    def sizes(self, oids: Sequence[str]) -> list[int]:
        """The size of each object (-1 when missing), a round trip per few hundred."""
        found: list[int] = []
        for start in range(0, len(oids), _ASKED_AT_ONCE):
            chunk = oids[start : start + _ASKED_AT_ONCE]
            self._pipe.ask("".join(f"info {oid}\n" for oid in chunk).encode())
            for _ in chunk:
                header = self._pipe.readline().split()
                found.append(int(header[2]) if len(header) == 3 else -1)
        return found


@contextmanager
def opened(path: Path) -> Iterator[Objects]:
    objects = Objects(path)
    try:
        yield objects
    finally:
        objects.close()


class Tree:
    """The tree of the commit `rev` names, read lazily: each directory's tree object at most
    once, and small blobs kept once read."""

    def __init__(self, objects: Objects, rev: str) -> None:
        found = objects.get(f"{rev}^{{commit}}")
        if found is None:
            raise ProcessError(
                f"git has no commit {rev!r} to read", hint="fetch it (git fetch), then run again"
            )
        self.objects, self.commit = objects, found[0]
        self.oid = found[2].split(b"\n", 1)[0].split()[1].decode()  # a commit's first line: "tree <id>"
        self._id_bytes = len(self.oid) // 2  # 20 (SHA-1) or 32 (SHA-256)
        self._trees: dict[str, dict[str, Entry]] = {}
        self._blobs: dict[str, bytes] = {}

    def entries(self, oid: str) -> dict[str, Entry]:
        """name -> entry of the tree object `oid`."""
        if oid not in self._trees:
            self.read_ahead([oid])
        return self._trees[oid]

    def blob(self, oid: str) -> bytes:
        if oid not in self._blobs:
            found = self.objects.get(oid)
            if found is None:
                raise ProcessError(f"git has no blob {oid} (a damaged, shallow or partial clone?)")
            if len(found[2]) > _KEPT_BLOB:
                return found[2]
            self._blobs[oid] = found[2]
        return self._blobs[oid]

    def read_ahead(self, oids: Sequence[str]) -> None:
        """Read together the objects (trees, small blobs) about to be asked for one by one."""
        wanted = [oid for oid in dict.fromkeys(oids) if oid not in self._trees and oid not in self._blobs]
        for oid, found in zip(wanted, self.objects.get_many(wanted), strict=True):
            if found is None:
                raise ProcessError(f"git has no object {oid} (a damaged, shallow or partial clone?)")
            if found[1] == "tree":
                self._trees[oid] = self._parse(found[2])
            elif len(found[2]) <= _KEPT_BLOB:
                self._blobs[oid] = found[2]

    def listing(self, directories: Sequence[str]) -> list[tuple[str, Entry, int]]:
        """(path in the repository, entry, size) of every file and link below `directories`
        (paths in the repository; none: all of it), links not followed: one `git ls-tree`,
        which walks only those directories. The size of an object this clone lacks is -1."""
        args = ["git", "ls-tree", "-r", "-l", "-z", "--full-tree", self.commit, "--", *directories]
        out = proc.run_bytes(args, cwd=self.objects.path, env={"GIT_LITERAL_PATHSPECS": "1"})
        found = []
        for record in out.split(b"\0"):
            info, _, path = record.partition(b"\t")
            mode, kind, oid, size = info.split() if info else (b"", b"", b"", b"")
            if kind == b"blob":
                entry = Entry(int(mode, 8), oid.decode())
                # "BAD": the object is missing from this clone (as `sizes` says, -1)
                known = int(size) if size.isdigit() else -1
                found.append((path.decode("utf-8", "surrogateescape"), entry, known))
        return found

    def _parse(self, data: bytes) -> dict[str, Entry]:
        entries: dict[str, Entry] = {}
        size, at = self._id_bytes, 0
        while at < len(data):
            space = data.index(b" ", at)
            nul = data.index(b"\0", space)
            name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
            entries[name] = Entry(int(data[at:space], 8), data[nul + 1 : nul + 1 + size].hex())
            at = nul + 1 + size
        return entries


# --- writing -------------------------------------------------------------------------------------
def commit_files(
    git: Git, base: str, files: Mapping[str, bytes], message: str, *, env: Mapping[str, str] | None = None
) -> str:
    """A new commit on top of `base` whose tree is `base`'s with `files` (path inside the
    repository -> bytes) written: an existing file keeps its mode (executable stays executable;
    a link written over becomes a file, as writing through a checkout does), a new one is a
    plain file. The message is cleaned up as `git commit` does (trailing spaces, runs of blank
    lines); `env` adds to the commit's environment (dates), over `git`'s fallback identity."""
    if not files:  # an empty commit: the base's tree
        root = git.run("rev-parse", f"{base}^{{tree}}").strip()
        return git.commit_tree(root, [base], stripspace(message), env=env)
    blobs = write_blobs(git.path, list(files.values()))
    changes = dict(zip(files, blobs, strict=True))
    with opened(git.path) as objects:
        tree = Tree(objects, base)
        writer = proc.Pipe(["git", "mktree", "-z", "--batch"], cwd=git.path)
        try:
            root = _write_tree(tree, writer, tree.oid, _nest(changes), "")
        finally:
            writer.close()
    return git.commit_tree(root, [base], stripspace(message), env=env)


def write_blobs(git_path: Path, contents: Sequence[bytes]) -> list[str]:
    """Store each of `contents` as a blob (one `git fast-import`); their ids, in order."""
    if not contents:
        return []
    stream = [b"blob\nmark :%d\ndata %d\n%s\n" % (n, len(data), data) for n, data in enumerate(contents, 1)]
    stream += [b"get-mark :%d\n" % n for n in range(1, len(contents) + 1)]
    out = proc.run_bytes(["git", "fast-import", "--quiet"], cwd=git_path, input=b"".join(stream))
    return out.decode().split()


def _nest(changes: Mapping[str, str]) -> dict[str, object]:
    """{"a/b/c": id} as {"a": {"b": {"c": id}}}."""
    nested: dict[str, object] = {}
    for path, oid in changes.items():
        *dirs, name = path.split("/")
        node = nested
        for part in dirs:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ProcessError(f"cannot write {path}: {part} is written as a file too")
            node = child
        node[name] = oid
    return nested


def _write_tree(
    tree: Tree, writer: proc.Pipe, oid: str | None, changes: dict[str, object], where: str
) -> str:
    entries = dict(tree.entries(oid)) if oid is not None else {}
    for name, change in changes.items():
        old = entries.get(name)
        path = f"{where}{name}"
        if isinstance(change, dict):
            if old is not None and not old.is_tree:
                raise ProcessError(f"cannot write below {path}: it is not a directory at the base commit")
            entries[name] = Entry(
                TREE, _write_tree(tree, writer, old.oid if old else None, change, f"{path}/")
            )
        else:
            if old is not None and old.is_tree:
                raise ProcessError(f"cannot write {path}: it is a directory at the base commit")
            entries[name] = Entry(EXEC if old is not None and old.mode == EXEC else BLOB, str(change))
    writer.ask(b"".join(_mktree_line(name, entry) for name, entry in entries.items()) + b"\0")
    return writer.readline().decode().strip()


def _mktree_line(name: str, entry: Entry) -> bytes:
    kind = "tree" if entry.is_tree else "commit" if entry.mode == GITLINK else "blob"
    return f"{entry.mode:o} {kind} {entry.oid}\t".encode() + name.encode("utf-8", "surrogateescape") + b"\0"


def stripspace(message: str) -> str:
    """`git stripspace` (what `git commit` does to a message it is given): trailing whitespace
    off each line, runs of blank lines made one, none at the start or end, a final newline."""
    lines: list[str] = []
    blank = False
    for written in message.split("\n"):
        line = written.rstrip(" \t\r\v\f")
        if not line:
            blank = bool(lines)
            continue
        if blank:
            lines.append("")
            blank = False
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""
