"""What a run killed with -9 leaves behind does not block the next one: its temporary worktree
(and `git worktree` entry) is pruned, a ref lock its `git fetch` left is removed; a lock that is
not ours is named, with the file to remove. The kills are real (the process group of
`release-train`, with its git), made at a chosen moment by a git hook that waits while git holds
its locks (`reference-transaction`, state `prepared`)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from tests.fixtures.processes import Cli
from tests.fixtures.train import Train, build_train

from release_train.flows.worktree import PREFIX
from release_train.infra.git import Git

HOOK = """#!/bin/sh
# Wait (to be killed) once git holds the locks of a ref update{where}.
if [ "$1" = prepared ]{condition}; then touch "{marker}"; sleep 60; fi
exit 0
"""


def _hold_locks(git: Git, marker: Path, *, in_worktrees_only: bool = False) -> Path:
    hook = git.path / ".git" / "hooks" / "reference-transaction"
    condition = ' && case "$GIT_DIR" in */worktrees/*) true;; *) false;; esac' if in_worktrees_only else ""
    where = " in a linked worktree" if in_worktrees_only else ""
    hook.write_text(HOOK.format(where=where, condition=condition, marker=marker))
    hook.chmod(0o755)
    return hook


def _worktrees(git: Git) -> list[str]:
    return [
        line.split()[1]
        for line in git.run("worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]


def _backport_of_a_fix(train: Train) -> tuple[str, tuple[str, ...]]:
    """A fix landed on main, and the command that backports it to release-1.0.0: its cherry-pick
    is made in a temporary worktree (the flows that only change manifests and notes make none)."""
    fix = train.land("main", {"FIX.md": "a fix\n"}, "A fix")
    return f"ci/backport-{fix[:10]}-to-release-1.0.0", ("backport", fix, "--to", "release-1.0.0")


def _new_commit_on_origin(train: Train, tmp_path: Path) -> str:
    """Someone else pushes to main: the working repository's next fetch has a ref to update."""
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(train.forge.bare_path), str(other)], check=True)
    (other / "CONTRIBUTING.md").write_text("Be kind.\n")
    subprocess.run(["git", "-C", str(other), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(other), "commit", "-qm", "Contributing"], check=True)
    subprocess.run(["git", "-C", str(other), "push", "-q", "origin", "main"], check=True)
    return Git(other).rev_parse("HEAD") or ""


def test_a_backport_killed_inside_its_worktree_leaves_one_the_next_run_prunes(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1, now="2026-02-05")
    head, backport = _backport_of_a_fix(train)
    cli = Cli(train.work.path, tmp_path / "runs")
    marker = tmp_path / "committing"
    hook = _hold_locks(train.work, marker, in_worktrees_only=True)

    cli.kill_when((*backport, "--now", "2026-02-06"), lambda _: marker.exists())
    left = [path for path in _worktrees(train.work) if Path(path).parent.name.startswith(PREFIX)]
    assert len(left) == 1 and Path(left[0]).is_dir()  # the kill left it, as kill -9 does

    hook.unlink()
    done = cli.run(*backport, "--now", "2026-02-06")
    assert done.code == 0, done.err
    assert _worktrees(train.work) == [str(train.work.path)]
    assert not Path(left[0]).parent.exists()
    assert train.sha(head) is not None
    assert train.pr(head, "release-1.0.0").state == "open"


def test_a_ref_lock_left_by_our_killed_fetch_is_removed_by_the_next_run(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    newer = _new_commit_on_origin(train, tmp_path)
    cli = Cli(train.work.path, tmp_path / "runs")
    marker = tmp_path / "fetching"
    hook = _hold_locks(train.work, marker)

    cli.kill_when(("status", "--json"), lambda _: marker.exists())  # status fetches the origin first
    lock = train.work.path / ".git" / "refs" / "remotes" / "origin" / "main.lock"
    assert lock.is_file()  # left by the killed git fetch
    hook.unlink()
    time.sleep(0.05)  # the lock is older than the next run

    done = cli.run("status", "--json")
    assert done.code == 0, done.err
    assert not lock.exists()
    assert train.work.rev_parse("refs/remotes/origin/main") == newer


def test_a_ref_lock_that_is_not_ours_is_named_with_the_file_to_remove(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    _new_commit_on_origin(train, tmp_path)
    marker = tmp_path / "fetching"
    hook = _hold_locks(train.work, marker)
    # A plain `git fetch` of the user's, killed while it holds its locks.
    fetch = subprocess.Popen(
        ["git", "-C", str(train.work.path), "fetch", "-q", "origin"], start_new_session=True
    )
    while not marker.exists():
        time.sleep(0.005)
    os.killpg(fetch.pid, signal.SIGKILL)
    fetch.wait()
    hook.unlink()
    lock = train.work.path / ".git" / "refs" / "remotes" / "origin" / "main.lock"
    assert lock.is_file()
    cli = Cli(train.work.path, tmp_path / "runs")

    refused = cli.run("status")
    assert refused.code == 5
    assert f"the lock file {lock} exists" in refused.err
    assert f"rm '{lock}'" in refused.err
    assert lock.is_file()  # not ours: left alone

    lock.unlink()  # as the message says
    assert cli.run("status").code == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_run_stopped_by_a_signal_removes_its_worktree(tmp_path: Path, signum: int) -> None:
    train = build_train(tmp_path, cuts=1, now="2026-02-05")
    _, backport = _backport_of_a_fix(train)
    cli = Cli(train.work.path, tmp_path / "runs")
    marker = tmp_path / "committing"
    hook = _hold_locks(train.work, marker, in_worktrees_only=True)
    child = cli.start(*backport, "--now", "2026-02-06")
    while not marker.exists():
        time.sleep(0.005)
    hook.unlink()
    os.kill(child.pid, signum)  # the process only, as CI cancelling a job or Ctrl-C does
    assert child.wait(timeout=60) == (130 if signum == signal.SIGINT else 128 + signum)
    assert _worktrees(train.work) == [str(train.work.path)]


def test_a_merge_killed_while_the_forge_holds_its_branch_lock_is_finished_by_running_it_again(
    tmp_path: Path,
) -> None:
    train = build_train(tmp_path)
    train.work.run("checkout", "--quiet", "-B", "fix", "origin/main")
    (train.work.path / "FIX.md").write_text("a fix\n")
    train.work.commit_all("A fix")
    train.work.run("push", "--quiet", "origin", "fix:refs/heads/fix")
    train.work.checkout("main")
    number = train.forge.open_pr("fix", "main", "A fix", "").number
    before = train.sha("main")
    marker = tmp_path / "merging"
    hook = train.forge.bare_path / "hooks" / "reference-transaction"  # in the forge's repository
    hook.write_text(HOOK.format(where=" in the forge", condition="", marker=marker))
    hook.chmod(0o755)
    cli = Cli(train.work.path, tmp_path / "runs")

    cli.kill_when(("pr", "merge", str(number)), lambda _: marker.exists())
    lock = train.forge.bare_path / "refs" / "heads" / "main.lock"
    assert lock.is_file() and train.sha("main") == before  # killed inside the forge's update-ref
    hook.unlink()

    done = cli.run("pr", "merge", str(number))
    assert done.code == 0, done.err
    assert not lock.exists()
    merged = train.forge.get_pr(number)
    assert merged.state == "merged" and train.sha("main") == merged.merge_commit
    assert train.forge.git.log(f"{before}..refs/heads/main", "%s") == [f"A fix (#{number})"]
