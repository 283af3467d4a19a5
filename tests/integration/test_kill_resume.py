"""Resume after a real kill -9 of the process group, at seeded random moments: `publish --tag`,
and `pr merge` of a release PR with its reactions (the merge on the local forge, the tag
reaction, the publish reaction). After each kill the same command runs again, and the release
must have converged: every crate exactly once in the registry, the tag once on main, the forge
release exactly once, no worktree or lock file left.

The registry is the bundled server, time-scaled, with an index delay. Trials run in a few
independent trains at once (each its own registry, forge and cargo home): most of a publish is
waiting, so the lanes share the machine well.

`test_a_kill_while_the_index_lags_behind_an_upload_never_uploads_it_again` pins the journal's
part: what the registry cannot tell yet (an upload it took but does not list) comes from the
journal, so a re-run waits for the index instead of uploading again.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available
from tests.fixtures.live_train import LiveTrain, live_train
from tests.fixtures.processes import Run

pytestmark = [pytest.mark.cargo, pytest.mark.skipif(not cargo_available(), reason="needs cargo")]

SEED = 20260310
TRIALS = 20  # per flow
LANES = 4
TIME_SCALE = 10.0
INDEX_DELAY = 3.0  # simulated seconds: 0.3 s real, so cargo's own wait sleeps once per upload


def _lanes(tmp_path: Path, trial: Callable[[LiveTrain, random.Random, int], None]) -> None:
    """Run TRIALS trials of `trial` spread over LANES trains at once; re-raise the first failure."""
    errors: list[BaseException] = []

    def lane(number: int) -> None:
        try:
            with live_train(
                tmp_path / f"lane-{number}", count=2, time_scale=TIME_SCALE, index_delay=INDEX_DELAY
            ) as live:
                rng = random.Random(SEED + number)
                for index in range(number, TRIALS, LANES):
                    if errors:
                        return
                    trial(live, rng, index)
        except BaseException as exc:  # handed to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=lane, args=(n,)) for n in range(LANES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _no_leftovers(live: LiveTrain) -> None:
    worktrees = [
        line
        for line in live.work.run("worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]
    assert worktrees == [f"worktree {live.work.path}"]
    for git_dir in (live.work.path / ".git", live.bare):
        assert sorted(git_dir.rglob("*.lock")) == []


def _reference(live: LiveTrain, run: Callable[[str], Run], version: str) -> float:
    """An uninterrupted run on this train: its duration bounds the random kill moments."""
    done = run(version)
    assert done.code == 0, done.err
    live.assert_released(version)
    return done.ended - done.started


def test_publish_killed_at_random_moments_converges(tmp_path: Path) -> None:
    durations: dict[int, float] = {}
    kills: list[str] = []  # the output of each killed run

    def publish(live: LiveTrain, version: str, kill_after: float | None = None) -> Run:
        return live.cli.run("publish", "--tag", f"v{version}", kill_after=kill_after)

    def trial(live: LiveTrain, rng: random.Random, index: int) -> None:
        lane = index % LANES
        if lane not in durations:
            live.tag_release("0.2.0")
            durations[lane] = _reference(live, lambda v: publish(live, v), "0.2.0")
        version = f"0.{index + 3}.0"
        live.tag_release(version)
        at = rng.uniform(0.0, durations[lane])
        killed = publish(live, version, kill_after=at)
        assert killed.code in (None, 0), killed.err
        if killed.code is None:
            kills.append(killed.out + killed.err)
        again = publish(live, version)
        assert again.code == 0, f"after a kill at {at:.2f} s:\n{killed.err}\n---\n{again.err}"
        live.assert_released(version)
        _no_leftovers(live)

    _lanes(tmp_path, trial)
    # The moments spanned the run: before any upload, and among the uploads and index waits.
    assert len(kills) >= TRIALS * 3 // 4
    assert any("uploading" not in out for out in kills)
    assert any("uploading" in out for out in kills)


def test_pr_merge_killed_at_random_moments_converges(tmp_path: Path) -> None:
    durations: dict[int, float] = {}
    kills: list[str] = []

    def merge(live: LiveTrain, number: int, kill_after: float | None = None) -> Run:
        return live.cli.run("pr", "merge", str(number), kill_after=kill_after)

    def trial(live: LiveTrain, rng: random.Random, index: int) -> None:
        lane = index % LANES
        if lane not in durations:
            first = live.release_pr("0.2.0")
            durations[lane] = _reference(live, lambda _: merge(live, first), "0.2.0")
        version = f"0.{index + 3}.0"
        number = live.release_pr(version)
        at = rng.uniform(0.0, durations[lane])
        killed = merge(live, number, kill_after=at)
        assert killed.code in (None, 0), killed.err
        if killed.code is None:
            kills.append(killed.out + killed.err)
        again = merge(live, number)
        assert again.code == 0, f"after a kill at {at:.2f} s:\n{killed.err}\n---\n{again.err}"
        pr = live.forge.get_pr(number)
        assert pr.state == "merged" and pr.merge_commit is not None
        # merged once: one commit on main for the PR, and the tag is on it
        assert live.forge.git.log("refs/heads/main", "%s").count(f"Release Synth {version} (#{number})") == 1
        assert live.forge.tags()[f"v{version}"] == pr.merge_commit
        live.assert_released(version)
        _no_leftovers(live)

    _lanes(tmp_path, trial)
    # The moments spanned the run: before the merge, between the merge and the tag, in the publish.
    assert len(kills) >= TRIALS * 3 // 4
    assert any("push refs/heads/main" not in out for out in kills)
    assert any("push refs/heads/main" in out and "push refs/tags/" not in out for out in kills)
    assert any("uploading" in out for out in kills)


def test_a_kill_while_the_index_lags_behind_an_upload_never_uploads_it_again(tmp_path: Path) -> None:
    # The index shows a new version 8 s after the upload: long enough to kill twice inside it.
    with live_train(tmp_path, count=2, time_scale=1.0, index_delay=8.0) as live:
        tag = live.tag_release("0.2.0")
        first = live.workspace.crates[0].name

        def accepted(_: str) -> bool:
            return any(a.crate == first and a.status == 200 for a in live.server.upload_log)

        # 1. killed once the registry took `first`, while cargo waits for the index to show it
        live.cli.kill_when(("publish", "--tag", tag), accepted)
        assert not live.server.is_visible(first, "0.2.0")
        # 2. the re-run cannot know (the index does not list it): it uploads, the registry says it
        #    has it, the journal records that; killed while waiting for the index
        second = live.cli.kill_when(("publish", "--tag", tag), lambda out: "was already uploaded" in out)
        assert f"{first} 0.2.0 (new crate)" in second.out
        assert not live.server.is_visible(first, "0.2.0")
        # 3. this re-run knows from the journal: it waits for the index, it does not upload again
        third = live.cli.run("publish", "--tag", tag)
        assert third.code == 0, third.err
        assert f"{first} 0.2.0 (wait for the index)" in third.out
        assert [a.status for a in live.server.upload_log if a.crate == first] == [200, 409]
        live.assert_released("0.2.0")


def test_pr_merge_stopped_by_ctrl_c_during_its_publish_is_finished_by_running_it_again(
    tmp_path: Path,
) -> None:
    with live_train(tmp_path, count=2, time_scale=TIME_SCALE, index_delay=INDEX_DELAY) as live:
        number = live.release_pr("0.2.0")
        child = live.cli.start("pr", "merge", str(number))
        deadline = time.monotonic() + 120
        while "uploading" not in live.cli.output()[1]:
            assert child.poll() is None and time.monotonic() < deadline, live.cli.output()
            time.sleep(0.005)
        os.killpg(child.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground process group
        assert child.wait(timeout=120) == 130
        assert "interrupted" in live.cli.output()[1]
        status = json.loads(live.cli.run("status", "--json").out)
        assert [b["command"] for b in status["blocking"]] == ["release-train publish --tag v0.2.0"]

        again = live.cli.run("pr", "merge", str(number))
        assert again.code == 0, again.err
        live.assert_released("0.2.0")
        _no_leftovers(live)
