"""Reading a commit without touching the user's checkout: a view of its tree in git's object
database (`tree_view`), or, where a tool needs the files on disk (cargo package, semver checks,
cherry-picks with conflicts), a temporary `git worktree` of the working repository, detached at a
commit, removed afterwards. Either way the settings are moved there by `reroot`, the one way to
re-root them, so a configuration below the git top level (`-C sub/dir`) stays below it.

Ours are recognisable: each lives in a fresh temporary directory named `release-train-wt-*`,
beside an `owner` file on which the process using it holds an exclusive lock. It is removed on
every exit path the process lives through (an error, Ctrl-C, SIGTERM, which the CLI turns into an
exit); a kill -9 leaves it behind, with its `git worktree` entry, and the next process of ours to
run git in the repository removes it (`infra/leftovers.py`). Worktrees that are not ours are never
touched.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.infra import fs, leftovers
from release_train.infra.git import Git, toplevel
from release_train.values import replace

if TYPE_CHECKING:
    from release_train.config import Settings
    from release_train.infra.gitobjects import Tree

PREFIX = leftovers.WORKTREE_PREFIX


def reroot(settings: Settings, top: Path, tree: Tree | None = None) -> Settings:
    """`settings` (of the working repository) moved to the same place inside another copy of
    the repository whose top is `top`: a checkout, or, with `tree`, the view of that commit's
    tree at `top` (a path that exists nowhere: every file is read from the tree)."""
    inside = settings.root.resolve().relative_to(toplevel(settings.root)).as_posix()
    if tree is None:
        return replace(settings, root=(top / inside).resolve(), tree=None)
    from release_train.infra.treefiles import TreeFiles

    root = posixpath.normpath(f"{top}/{inside}")
    return replace(settings, root=Path(root), tree=TreeFiles(tree, str(top), root))


@contextmanager
def tree_view(settings: Settings, rev: str) -> Iterator[Settings]:
    """`settings` re-rooted in the tree of the commit `rev`, read from git's object database:
    nothing is written to disk, and only what is read is read (`infra/treefiles.py`)."""
    from release_train.infra import gitobjects

    with gitobjects.opened(settings.root) as objects:
        tree = gitobjects.Tree(objects, rev)
        yield reroot(settings, Path(f"/tree-{tree.commit[:12]}"), tree)


@contextmanager
def temporary_worktree(git: Git, rev: str, *, only_named: Sequence[str] = ()) -> Iterator[Git]:
    """A detached checkout of `rev` sharing `git`'s objects; commits made in it stay reachable
    only through the refs the caller pushes or creates. With `only_named` (file names such as
    `Cargo.toml`), just the files of those names are checked out: reading the manifests of a
    large repository then costs a tenth of a second, not seconds."""
    # Here, not at the top: a flow that reads commits through `tree_view` never needs a
    # worktree, and tempfile with shutil (random, bz2, lzma) cost ~8 ms of its start-up.
    import shutil
    import tempfile

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
