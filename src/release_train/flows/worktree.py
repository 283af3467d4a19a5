"""Git work on a branch without touching the user's checkout: a temporary `git worktree` of the
working repository, detached at a commit, removed afterwards.

Ours are recognisable: each lives in a fresh temporary directory named `release-train-wt-*`,
beside an `owner` file on which the process using it holds an exclusive lock. It is removed on
every exit path the process lives through (an error, Ctrl-C, SIGTERM, which the CLI turns into an
exit); a kill -9 leaves it behind, with its `git worktree` entry, and the next process of ours to
run git in the repository removes it (`infra/leftovers.py`). Worktrees that are not ours are never
touched.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from release_train.infra import fs, leftovers
from release_train.infra.git import Git

PREFIX = leftovers.WORKTREE_PREFIX


@contextmanager
def temporary_worktree(git: Git, rev: str, *, only_named: Sequence[str] = ()) -> Iterator[Git]:
    """A detached checkout of `rev` sharing `git`'s objects; commits made in it stay reachable
    only through the refs the caller pushes or creates. With `only_named` (file names such as
    `Cargo.toml`), just the files of those names are checked out: reading the manifests of a
    large repository then costs a tenth of a second, not seconds."""
    holder = Path(tempfile.mkdtemp(prefix=PREFIX))
    path = holder / "worktree"
    with fs.held(holder / leftovers.WORKTREE_OWNER):
        try:
            if only_named:
                git.run("worktree", "add", "--quiet", "--no-checkout", "--detach", str(path), rev)
                _checkout_named(Git(path), rev, only_named)
            else:
                git.run("worktree", "add", "--quiet", "--detach", str(path), rev)
            yield Git(path)
        finally:
            git.run("worktree", "remove", "--force", "--force", str(path), check=False)
            shutil.rmtree(holder, ignore_errors=True)
            git.run("worktree", "prune", check=False)


def _checkout_named(tree: Git, rev: str, names: Sequence[str]) -> None:
    listed = tree.run("ls-tree", "-r", "-z", "--name-only", rev).split("\0")
    wanted = [path for path in listed if path.rsplit("/", 1)[-1] in names]
    if wanted:
        tree.run(
            "checkout",
            "--quiet",
            rev,
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
            input="\0".join(wanted),
            env={"GIT_LITERAL_PATHSPECS": "1"},  # names are paths, not patterns
        )
