"""Interrupt every flow after each of its steps, run it again, and compare the end state with an
uninterrupted run: the same refs (by content), PRs and tags, nothing duplicated, no worktree left.

Each scenario builds a train and returns the flow to run; `STEPS` says how many step boundaries
the flow has there, and `test_step_counts` checks that number against an uninterrupted run, so a
new step cannot slip past the walk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.mainline import wasm_tools_train
from tests.fixtures.train import Train, build_train

from release_train.errors import InterruptedForTest
from release_train.flows.env import FlowEnv
from release_train.flows.lines import patch
from release_train.flows.train import cut, mainline, release, tag, tick

Run = Callable[[FlowEnv], object]
DASHES = "-" * 80


def _cut(tmp_path: Path) -> tuple[Train, Run]:
    return build_train(tmp_path, now="2026-02-05"), lambda env: cut.apply(env, cut.plan(env))


def _release_latest(tmp_path: Path) -> tuple[Train, Run]:
    train = build_train(tmp_path, cuts=1)
    kept = train.file("main").replace(f"{DASHES}\n", f"{DASHES}\n\n## 1.0.0\n\nUnreleased.\n\n{DASHES}\n", 1)
    train.land("main", {"RELEASES.md": kept}, "Keep the 1.0.0 notes on main")
    train.at("2026-01-20")
    return train, lambda env: release.apply(env, release.plan(env))


def _release_rc(tmp_path: Path) -> tuple[Train, Run]:
    train = build_train(tmp_path, rc=True, cuts=1)
    train.merge("ci/bump-to-1.0.0-rc.1", "release-1.0.0")
    return train, lambda env: release.apply(env, release.plan_rc(env))


def _release_patch(tmp_path: Path) -> tuple[Train, Run]:
    train = build_train(tmp_path, cuts=1)
    notes = train.file("release-1.0.0")
    train.land(
        "release-1.0.0", {"RELEASES.md": "## 1.0.1\n\nUnreleased.\n\n* A fix.\n\n" + notes}, "Backport"
    )
    train.at("2026-02-02")
    return train, lambda env: patch.apply(env, patch.plan(env, branch="release-1.0.0", requested_by="Ann"))


def _tag(tmp_path: Path) -> tuple[Train, Run]:
    train = build_train(tmp_path, cuts=1)
    train.settings = replace(train.settings, forge=replace(train.settings.forge, require_checks=True))
    env = train.env()
    release.apply(env, release.plan(env))
    before = train.sha("release-1.0.0")
    after = train.merge("ci/release-1.0.0", "release-1.0.0")  # held: no checks yet
    assert before is not None and train.forge.tags() == {}
    train.forge.set_check(after, "success")
    ref = "refs/heads/release-1.0.0"
    return train, lambda env: tag.apply(env, tag.plan(env, before=before, after=after, ref=ref))


def _release_on_main(tmp_path: Path) -> tuple[Train, Run]:
    """A train without release branches (the wasm-tools shape): the release PR to main."""
    train = wasm_tools_train(tmp_path)
    return train, lambda env: mainline.apply(env, mainline.plan(env, "major"))


def _patch_on_main(tmp_path: Path) -> tuple[Train, Run]:
    train = wasm_tools_train(tmp_path)
    env = train.env()
    mainline.apply(env, mainline.plan(env, "major"))
    train.merge("ci/release-1.258.0", "main")
    notes = train.file("main").replace("### Fixed\n\n----", "### Fixed\n\n* A fix.\n\n----", 1)
    train.at("2026-09-03").land("main", {"RELEASES.md": notes}, "A fix")
    return train, lambda env: mainline.apply(env, mainline.plan(env, "patch"))


def _tick_on_main(tmp_path: Path) -> tuple[Train, Run]:
    """The scheduled release of a train without release branches: its PR, then the tick's record."""
    train = wasm_tools_train(tmp_path, now="2026-09-20T06:00:00Z")
    return train, lambda env: tick.apply(env, tick.plan(env))


SCENARIOS: dict[str, Callable[[Path], tuple[Train, Run]]] = {
    "cut": _cut,
    "release-latest": _release_latest,
    "release-rc": _release_rc,
    "release-patch": _release_patch,
    "tag": _tag,
    "release (main)": _release_on_main,
    "release patch (main)": _patch_on_main,
    "tick (main)": _tick_on_main,
}
STEPS = {
    "cut": 3,
    "release-latest": 4,
    "release-rc": 2,
    "release-patch": 2,
    "tag": 1,
    "release (main)": 2,
    "release patch (main)": 2,
    "tick (main)": 3,
}


def end_state(train: Train) -> dict[str, Any]:
    """Refs by content (message, files, depth: paths of the machine are left out), PRs, tags."""
    git = train.forge.git
    refs: dict[str, Any] = {}
    for ref, sha in sorted(git.refs("refs/heads/", "refs/tags/").items()):
        files = [
            line for line in git.run("ls-tree", "-r", sha).splitlines() if "release-train.toml" not in line
        ]
        refs[ref] = (git.message(sha), files, git.run("rev-list", "--count", sha).strip())
    for ref, sha in git.refs("refs/release-train/").items():  # tick records: their message
        refs[ref] = git.run("cat-file", "-p", sha).partition("\n\n")[2]
    prs = [(p.number, p.title, p.body, p.head, p.base, p.state) for p in train.forge.list_prs(state=None)]
    return {"refs": refs, "prs": prs, "commits": git.run("rev-list", "--all", "--count").strip()}


_REFERENCE: dict[str, tuple[dict[str, Any], int]] = {}


def reference(flow: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], int]:
    if flow not in _REFERENCE:
        train, run = SCENARIOS[flow](tmp_path_factory.mktemp(f"reference-{flow}"))
        env = train.env()
        run(env)
        _REFERENCE[flow] = (end_state(train), env.ctx.steps_done)
    return _REFERENCE[flow]


@pytest.mark.parametrize("flow", list(SCENARIOS))
def test_step_counts(flow: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert reference(flow, tmp_path_factory)[1] == STEPS[flow]


@pytest.mark.parametrize(
    ("flow", "after"), [(flow, k) for flow, count in STEPS.items() for k in range(1, count + 1)]
)
def test_interrupt_and_rerun_converges(
    flow: str, after: int, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    expected, _ = reference(flow, tmp_path_factory)
    train, run = SCENARIOS[flow](tmp_path)

    with pytest.raises(InterruptedForTest, match=f"interrupted after step {after} "):
        run(train.env(fail_after=after))
    assert train.work.run("worktree", "list").count("\n") == 1  # the temporary worktree is gone
    rerun = train.env()
    run(rerun)

    assert end_state(train) == expected
    # and a third run has nothing left to do
    run(train.env())
    assert end_state(train) == expected
