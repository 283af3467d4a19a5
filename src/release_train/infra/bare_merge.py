"""Merging a pull request inside a bare repository, as a forge does: no work tree, no checkout.

`git merge-tree --write-tree` merges in memory; `git commit-tree` writes the squash (one parent,
credited to the author of the branch's first commit) or the merge commit (two parents, authored
by the forge), committed by the forge and dated at the merge. The local forge and the GitHub
stand-in both merge with this; each composes its own message from the branch's commit messages
and moves the base ref itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from release_train.infra.git import Git
from release_train.values import dataclass


@dataclass(frozen=True)
class Merged:
    """The new commit for the base branch, or the files that conflict (and no commit)."""

    commit: str | None
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


def merge(
    git: Git,
    base: str,
    head: str,
    method: Literal["squash", "merge"],
    message: Callable[[Sequence[str]], str],
    *,
    forge: Identity,
    date: str,
) -> Merged:
    """Merge commit `head` into commit `base` in the repository at `git`. `message` receives the
    messages of the branch's commits (`base..head`, oldest first, stripped) and returns the
    commit's. Nothing but objects is written: the caller moves the base ref."""
    merged = git.merge_tree(base, head)
    if merged.conflicts:
        return Merged(None, tuple(merged.conflicts))
    commits = git.log(f"{base}..{head}")[::-1]  # oldest first
    text = message([git.message(sha).strip() for sha in commits])
    if method == "merge":
        author, parents = forge, [base, head]
    else:
        # The squash is credited to whoever wrote the branch's first commit, as GitHub credits
        # the PR's author; only the committer is the forge.
        author, parents = author_of(git, commits[0]), [base]
    env = {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": forge.name,
        "GIT_COMMITTER_EMAIL": forge.email,
        "GIT_COMMITTER_DATE": date,
    }
    return Merged(git.commit_tree(merged.tree, parents, text, env=env))


def author_of(git: Git, sha: str) -> Identity:
    name, email = git.run("log", "-1", "--format=%an%x00%ae", sha).strip().split("\0")
    return Identity(name, email)
