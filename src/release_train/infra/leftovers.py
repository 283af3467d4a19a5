"""What a killed run of ours leaves in a repository, recognised and cleared by the next one.

A kill -9 (of the process group of a command, with its git) skips every clean-up. Two leftovers
would block later runs:

- **Temporary worktrees** (`flows/worktree.py`) and their `git worktree` entries: a half-made one
  (killed inside `git worktree add`) even breaks `git fetch` ("bad object worktrees/.../HEAD").
  Ours live in a temporary directory named `release-train-wt-*` beside an `owner` file that the
  process using it holds locked (`fs.held`); the kernel drops the lock when the process dies.
- **Lock files.** Git changes a ref (or `packed-refs`, the index...) by first creating
  `<file>.lock` and removes it when done; a killed git leaves it, and every later git that needs
  the same file fails: "Unable to create '.../refs/remotes/origin/main.lock': File exists".

Both are cleared the first time a process of ours runs git in a repository: worktrees of ours
that no live process holds are removed (and `git worktree prune` drops entries whose directory is
gone); lock files are looked at when a git command fails on one.

To tell our own lock leftovers from a lock some other program holds, every process of ours keeps a
run record in each repository it runs git in: `<git dir>/release-train/run-<pid>-<start>`, on
which it holds an exclusive `flock` for as long as it lives, and which says whether it is inside
a git command and since when. The first run of ours to find a record nobody holds any more seals
it with the time it found it dead. A lock is ours, and stale, when

- a dead run's record says it died inside a git command,
- the lock file was created after that command started (give or take the coarse clock of file
  times) and before the death was noticed, so by that command or by what it spawned (a push
  locks refs in the repository it pushes to, so the records of both repositories are read), and
- the lock file is older than the current run.

Such a lock is removed and the git command retried (one ref update may have left several). Any other lock is left alone, and the
error names the file and how to remove it when no git process is running. Records of runs that
died outside git explain nothing and are dropped; sealed ones after a week.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from release_train.errors import ProcessError
from release_train.infra import fs, proc

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no records, every stale lock is named instead
    fcntl = None  # type: ignore[assignment]

RECORDS = "release-train"  # the directory of run records inside a git dir
WORKTREE_PREFIX = "release-train-wt-"  # the temporary directory holding one of our worktrees
WORKTREE_OWNER = "owner"  # beside the worktree: locked by the process using it
_LOCK_MESSAGE = re.compile(r"Unable to create '([^']+\.lock)': File exists")
_STARTED = time.time()  # this run's start, as far as git locks are concerned
_OWN = f"run-{os.getpid()}-{time.time_ns()}"  # the name of our records (a reused pid is another run)
KEEP_SEALED = 7 * 86400.0
# File times come from a coarse clock (a few ms behind `time.time()`; whole seconds on some file
# systems): a lock made right after a command started may look a little older than its start.
MTIME_SLACK = 2.0
_records: dict[Path, int] = {}  # git dir -> the fd of our run record there (held open, flocked)
_dirs: dict[Path, Path | None] = {}  # a working directory -> its git dir, as found the first time


def git_dir(path: Path) -> Path | None:
    """The common git directory of the repository at or above `path` (a bare one is its own)."""
    path = path.resolve()
    for candidate in (path, *path.parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a worktree: "gitdir: <admin dir>", whose `commondir` leads home
            admin = candidate / dot_git.read_text().partition("gitdir:")[2].strip()
            common = admin / "commondir"
            return (admin / common.read_text().strip()).resolve() if common.is_file() else admin.resolve()
        if (
            (candidate / "HEAD").is_file()
            and (candidate / "objects").is_dir()
            and (candidate / "refs").is_dir()
        ):
            return candidate
    return None


@contextmanager
def inside_git(cwd: Path, what: str) -> Iterator[None]:
    """Record, for the length of the block, that this process runs `git what` in `cwd`'s repository."""
    fd = _record_fd(cwd)
    if fd is None:
        yield
        return
    _write(fd, f"git {time.time():.6f} {what}\n")
    try:
        yield
    finally:
        _write(fd, f"idle {time.time():.6f}\n")


def stale_lock(output: str) -> Path | None:
    """The lock file git could not create, from its error output, when it still exists."""
    found = _LOCK_MESSAGE.search(output)
    if found is None:
        return None
    lock = Path(found[1])
    return lock if lock.exists() else None


def clear_if_ours(lock: Path, cwd: Path) -> bool:
    """Remove `lock` when a dead run of ours left it (see the module docstring); True if removed."""
    try:
        created = lock.stat().st_mtime
    except FileNotFoundError:
        return True  # gone meanwhile: whoever held it is done
    if created >= _STARTED:
        return False
    dirs = {d for d in (git_dir(cwd), git_dir(lock.parent)) if d is not None}
    if not any(_died_inside_git_before(d, created) for d in dirs):
        return False
    lock.unlink(missing_ok=True)
    return True


def lock_error(lock: Path, command: str) -> ProcessError:
    age = max(0.0, time.time() - lock.stat().st_mtime) if lock.exists() else 0.0
    return ProcessError(
        f"{command} failed: the lock file {lock} exists (created {_ago(age)} ago, not by a run of "
        "release-train that has died)",
        hint=f"if no git command is running in that repository, a crashed git left it: rm '{lock}', "
        "then run again",
    )


# --- run records --------------------------------------------------------------------------------
def _record_fd(cwd: Path) -> int | None:
    if fcntl is None:
        return None
    if cwd not in _dirs:
        _dirs[cwd] = git_dir(cwd)
    directory = _dirs[cwd]
    if directory is None:
        return None
    if directory not in _records:
        folder = directory / RECORDS
        try:
            folder.mkdir(exist_ok=True)
            fd = os.open(folder / _OWN, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return None  # a read-only repository: nothing of ours can be left there
        _records[directory] = fd
        _seal_dead_records(folder)
        prune_stale_worktrees(cwd)
    return _records[directory]


def _write(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode(), 0)


def _dead_records(folder: Path) -> Iterator[tuple[Path, str]]:
    """(path, content) of each run record in `folder` whose process has died."""
    if fcntl is None or not folder.is_dir():
        return
    for path in folder.glob("run-*"):
        if path.name == _OWN:
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # alive
        try:
            yield path, os.pread(fd, 4096, 0).decode(errors="replace")
        finally:
            os.close(fd)


def _died_inside_git_before(directory: Path, created: float) -> bool:
    for _, content in _dead_records(directory / RECORDS):
        lines = [line.split(" ") for line in content.splitlines()] or [[""]]
        seals = [_float(line[1]) for line in lines[1:] if line[0] == "dead-by" and len(line) > 1]
        dead_by = min(seals, default=_STARTED)
        started = _float(lines[0][1]) if len(lines[0]) > 1 else float("inf")
        if lines[0][0] == "git" and started - MTIME_SLACK <= created <= dead_by:
            return True
    return False


def _seal_dead_records(folder: Path) -> None:
    """Records of runs that died outside git explain no lock: drop them. Those that died inside
    git are kept, so the locks they explain can be recognised, sealed with the time their death
    was noticed; after a week they go too."""
    now = time.time()
    for path, content in list(_dead_records(folder)):
        if not content.startswith("git "):
            path.unlink(missing_ok=True)
        elif "\ndead-by " not in content:
            with path.open("a", encoding="utf-8") as record:
                record.write(f"dead-by {now:.6f}\n")
        elif now - path.stat().st_mtime > KEEP_SEALED:
            path.unlink(missing_ok=True)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# --- worktrees ---------------------------------------------------------------------------------------
def prune_stale_worktrees(cwd: Path) -> list[Path]:
    """Remove our temporary worktrees of `cwd`'s repository that no live process holds; returns
    their paths. (Plain `proc` calls: this runs inside the first git command's bookkeeping.)"""

    def git(*args: str) -> proc.Completed:
        return proc.run(["git", *args], cwd=cwd, check=False)

    common = git_dir(cwd)
    if common is not None and not (common / "worktrees").is_dir():
        return []  # no linked worktree at all (the flows read commits without one): nothing to do
    listed = git("worktree", "list", "--porcelain")
    stale: list[Path] = []
    prunable = False
    for entry in listed.stdout.split("\n\n"):
        lines = entry.splitlines()
        if not lines or not lines[0].startswith("worktree "):
            continue
        path = Path(lines[0].removeprefix("worktree "))
        prunable = prunable or any(line.startswith("prunable") for line in lines)
        if path.parent.name.startswith(WORKTREE_PREFIX) and not fs.is_held(path.parent / WORKTREE_OWNER):
            stale.append(path)
    for path in stale:
        # Twice forced: a kill inside `git worktree add` leaves the entry locked ("initializing").
        if git("worktree", "remove", "--force", "--force", str(path)).returncode != 0:
            git("worktree", "unlock", str(path))
        import shutil  # only when a leftover is found: every git command imports this module

        shutil.rmtree(path.parent, ignore_errors=True)
    if stale or prunable:
        git("worktree", "prune")
    return stale
