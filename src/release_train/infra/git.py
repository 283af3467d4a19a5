"""git, through the one subprocess chokepoint. Thin, typed wrappers; callers decide policy.

Commits made by the tool fall back to a bot identity when the repository has none configured, so
the train runs on a fresh machine and in CI without global git settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from release_train.errors import ProcessError, RefusedError
from release_train.infra import leftovers, proc
from release_train.values import dataclass

# Commands that record no author or committer (a reflog entry falls back to git's own guess):
# they skip asking for the configured identity, a `git config` process before the first fetch.
_NO_IDENTITY = frozenset({"fetch", "ls-remote", "for-each-ref", "log", "rev-parse", "push", "ls-tree"})

BOT_NAME = "release-train"
BOT_EMAIL = "release-train@users.noreply.invalid"


@dataclass(frozen=True)
class Git:
    """A working repository (or a bare one) at `path`."""

    path: Path

    def run(
        self, *args: str, check: bool = True, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        """`env` adds variables (an explicit author or committer, a date) over the fallback identity."""
        identity = {} if args and args[0] in _NO_IDENTITY else self._identity()
        merged = {**identity, **(env or {})}
        return self._git(args, check=check, input=input, env=merged).stdout

    def ok(self, *args: str) -> bool:
        """Run a git predicate (exit 0 = true)."""
        return self._git(args, check=False).returncode == 0

    def _git(
        self,
        args: Sequence[str],
        *,
        check: bool,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> proc.Completed:
        """Every git command that may write goes through here: it is recorded as running (see
        `leftovers`), and lock files left by a dead run of ours are removed and the command retried
        (one ref update may meet several: `refs/heads/main.lock`, then `HEAD.lock`); any other
        stale lock fails with the file named."""
        argv, cleared = ["git", *args], set()
        while True:
            with leftovers.inside_git(self.path, args[0] if args else ""):
                done = proc.run(argv, cwd=self.path, check=False, input=input, env=env)
            lock = leftovers.stale_lock(done.stderr + done.stdout) if done.returncode != 0 else None
            if lock is None or lock in cleared:
                break
            if not leftovers.clear_if_ours(lock, self.path):
                raise leftovers.lock_error(lock, " ".join(argv[:2]))
            cleared.add(lock)
        if check and done.returncode != 0:
            raise proc.failure(done)
        return done

    def _identity(self) -> dict[str, str]:
        # Only the fallback: a configured user.name/user.email wins because git reads the
        # environment variables first, so we set them only when the config has none.
        if getattr(self, "_has_identity", None) is None:
            has = proc.run(["git", "config", "user.email"], cwd=self.path, check=False).returncode == 0
            object.__setattr__(self, "_has_identity", has)
        if self._has_identity:  # type: ignore[attr-defined]
            return {}
        return {
            "GIT_AUTHOR_NAME": BOT_NAME,
            "GIT_AUTHOR_EMAIL": BOT_EMAIL,
            "GIT_COMMITTER_NAME": BOT_NAME,
            "GIT_COMMITTER_EMAIL": BOT_EMAIL,
        }

    # --- reading -------------------------------------------------------------------------------
    def rev_parse(self, rev: str) -> str | None:
        done = proc.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=self.path, check=False
        )
        return done.stdout.strip() or None

    def show_file(self, rev: str, path: str) -> bytes | None:
        """The bytes of `path` in the tree of `rev`, or None when it is not there."""
        done = proc.run(["git", "cat-file", "blob", f"{rev}:{path}"], cwd=self.path, check=False)
        return done.stdout.encode() if done.returncode == 0 else None

    def branches(self, pattern: str = "*", remote: str | None = None) -> list[str]:
        ref = f"refs/remotes/{remote}/{pattern}" if remote else f"refs/heads/{pattern}"
        out = self.run("for-each-ref", "--format=%(refname:lstrip=" + ("3" if remote else "2") + ")", ref)
        return [line for line in out.splitlines() if line and line != "HEAD"]

    def tags(self, pattern: str = "*") -> dict[str, str]:
        """tag name -> the commit it points at (annotated tags peeled)."""
        out = self.run(
            "for-each-ref",
            "--format=%(refname:lstrip=2) %(objectname) %(*objectname)",
            f"refs/tags/{pattern}",
        )
        result: dict[str, str] = {}
        for line in out.splitlines():
            name, obj, peeled = [*line.split(" "), "", ""][:3]
            result[name] = peeled or obj
        return result

    def log(self, rev_range: str, fmt: str = "%H") -> list[str]:
        return self.run("log", f"--format={fmt}", rev_range).splitlines()

    def message(self, rev: str) -> str:
        return self.run("log", "-1", "--format=%B", rev)

    def current_branch(self) -> str | None:
        done = proc.run(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], cwd=self.path, check=False)
        return done.stdout.strip() or None

    # --- writing -------------------------------------------------------------------------------
    def commit_all(self, message: str, *, allow_empty: bool = False) -> str:
        self.run("add", "--all")
        args = ["commit", "--quiet", "--file=-"]
        if allow_empty:
            args.append("--allow-empty")
        self.run(*args, input=message)
        sha = self.rev_parse("HEAD")
        assert sha is not None
        return sha

    def checkout(self, rev: str, *, new_branch: str | None = None, force: bool = False) -> None:
        args = ["checkout", "--quiet"]
        if force:
            args.append("--force")
        if new_branch:
            args += ["-B", new_branch]
        self.run(*args, rev)

    def fetch(self, remote: str = "origin", *refspecs: str) -> None:
        # Without `--no-recurse-submodules` git reads the whole index to look for submodules to
        # fetch into, which costs in proportion to the files of the checkout (bench/flows.py);
        # the tool reads commits from the object database and never updates submodules. Nor does
        # it start `git maintenance` after each of its fetches: the user's own git commands do.
        self.run(
            "fetch",
            "--quiet",
            "--prune",
            "--tags",
            "--no-recurse-submodules",
            "--no-auto-maintenance",
            remote,
            *refspecs,
        )

    def push(self, remote: str, refspecs: Sequence[str], *, force: bool = False) -> None:
        args = ["push", "--quiet", "--porcelain"]
        if force:
            args.append("--force")
        self.run(*args, remote, *refspecs)

    # --- plumbing for bare repositories (the local forge merges without a work tree) -------------
    def refs(self, *prefixes: str) -> dict[str, str]:
        """Full ref name -> the object it points at (not peeled), for refs under `prefixes`."""
        out = self.run("for-each-ref", "--format=%(refname) %(objectname)", *prefixes)
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def merge_tree(self, base: str, head: str) -> MergeTree:
        """Merge `head` into `base` in memory (`git merge-tree --write-tree`, git 2.38+)."""
        done = proc.run(
            ["git", "merge-tree", "--write-tree", "--name-only", "--no-messages", base, head],
            cwd=self.path,
            check=False,
        )
        if done.returncode not in (0, 1):
            raise ProcessError(
                f"git merge-tree {base} {head} failed (exit {done.returncode}):\n{done.stderr.strip()}",
                hint="git 2.38 or newer is needed to merge without a work tree",
            )
        tree, *conflicts = done.stdout.splitlines()
        return MergeTree(tree, tuple(name for name in conflicts if name))

    def commit_tree(
        self, tree: str, parents: Sequence[str], message: str, *, env: Mapping[str, str] | None = None
    ) -> str:
        args = ["commit-tree", tree, "-F", "-"]
        for parent in parents:
            args += ["-p", parent]
        return self.run(*args, input=message, env=env).strip()

    def update_ref(self, ref: str, new: str, old: str | None = None) -> bool:
        """Move `ref` to `new` only if it still points at `old` ("" = must not exist): a
        compare-and-swap. False when another writer moved it first."""
        args = ["update-ref", ref, new] + ([old] if old is not None else [])
        return self._git(args, check=False).returncode == 0

    def delete_ref(self, ref: str, old: str | None = None) -> bool:
        args = ["update-ref", "-d", ref] + ([old] if old is not None else [])
        return self._git(args, check=False).returncode == 0


@dataclass(frozen=True)
class MergeTree:
    """The result of an in-memory merge: the merged tree, and the files that conflict (if any)."""

    tree: str
    conflicts: tuple[str, ...] = ()


def init_repo(path: Path, *, bare: bool = False, branch: str = "main") -> Git:
    path.mkdir(parents=True, exist_ok=True)
    args = ["git", "init", "--quiet", f"--initial-branch={branch}"]
    if bare:
        args.append("--bare")
    proc.run([*args, str(path)])
    return Git(path)


def toplevel(start: Path) -> Path:
    """The top of the work tree holding `start`, links resolved (asked once per directory: it
    does not move while a command runs)."""
    if start not in _TOPLEVELS and (start / ".git").exists():
        # A directory holding `.git` (a repository, or a worktree's or submodule's link file) is
        # the top of its work tree: no git process for the commonest case, the top itself.
        _TOPLEVELS[start] = start.resolve()
    if start not in _TOPLEVELS:
        try:
            out = proc.run(["git", "rev-parse", "--show-toplevel"], cwd=start).stdout.strip()
        except ProcessError as exc:
            raise RefusedError(
                f"{start} is not inside a git repository", hint="run `git init` or pass -C DIR"
            ) from exc
        _TOPLEVELS[start] = Path(out).resolve()
    return _TOPLEVELS[start]


_TOPLEVELS: dict[Path, Path] = {}
