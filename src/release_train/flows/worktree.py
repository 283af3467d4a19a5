"""Git work on a branch without touching the user's checkout: a temporary `git worktree` of the
working repository, detached at a commit, removed afterwards (also when the work fails)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from release_train.infra.git import Git


@contextmanager
def temporary_worktree(git: Git, rev: str) -> Iterator[Git]:
    """A detached checkout of `rev` sharing `git`'s objects; commits made in it stay reachable
    only through the refs the caller pushes or creates."""
    holder = Path(tempfile.mkdtemp(prefix="release-train-"))
    path = holder / "worktree"
    git.run("worktree", "add", "--quiet", "--detach", str(path), rev)
    try:
        yield Git(path)
    finally:
        git.run("worktree", "remove", "--force", str(path), check=False)
        shutil.rmtree(holder, ignore_errors=True)
        git.run("worktree", "prune", check=False)
