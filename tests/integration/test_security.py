"""A security release across three supported lines (one LTS), with an expired fourth, on real
repositories: held PRs, readiness, refusal while a line is not ready, release, three tags, one
publish schedule, and the forge's "latest" release staying on the newest line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from tests.fixtures.lines_scenario import EXPIRED, LIB, NOW, SUPPORTED, lines_train, train_args
from tests.fixtures.train import Train

from release_train.cli import main
from release_train.config import Pacing
from release_train.errors import InterruptedForTest
from release_train.flows import security
from release_train.flows.publish.execute import Tuning
from release_train.flows.publish.forge_release import create_release
from release_train.flows.publish.plan import DAY, schedule
from release_train.model.pacing import Estimates

ADVISORY = "RUSTSEC-2026-0042"
PATCHES = {"release-12.0.0": "12.0.1", "release-13.0.0": "13.0.1", "release-14.0.0": "14.0.1"}


@pytest.fixture
def train(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Train:
    return lines_train(tmp_path, tmp_path_factory)


def land_fix(train: Train, branch: str) -> None:
    """The privately prepared fix, merged on one line with its notes entry."""
    version = PATCHES[branch]
    lib = train.file(branch, LIB).replace("railcar_util::tag()\n", "railcar_util::tag().trim()\n")
    notes = (
        f"## {version}\n\nUnreleased.\n\n### Fixed\n\n* Out-of-bounds read in the tag ({ADVISORY}).\n\n"
        + "-" * 80
        + "\n\n"
        + train.file(branch)
    )
    train.land(branch, {LIB: lib, "RELEASES.md": notes}, f"Fix {ADVISORY}")


def cli(train: Train, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["security", *argv, "--advisory", ADVISORY, *train_args(train), "--now", NOW])
    out, err = capsys.readouterr()
    return code, out, err


def held(train: Train) -> dict[str, tuple[str, bool, str]]:
    return {
        pr.base: (pr.title, pr.draft, pr.state)
        for pr in train.forge.list_prs(state=None)
        if f"Security-Advisory: {ADVISORY}" in pr.body
    }


def status(train: Train, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, _ = cli(train, capsys, "status", "--json")
    assert code == 0
    return {line["branch"]: line for line in json.loads(out)["lines"]}


def test_security_release_across_three_lines(train: Train, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(train, capsys, "prepare", "--to", "supported")
    assert code == 0
    assert held(train) == {b: (f"Release Railcar {v}", True, "open") for b, v in PATCHES.items()}
    assert f"not for expired lines: {EXPIRED}" in out
    assert f"release-12.0.0: the notes do not name {ADVISORY} yet" in out
    lines = status(train, capsys)
    assert list(lines) == SUPPORTED
    assert {b: (s["fix_merged"], s["pr_ready"], s["ready"]) for b, s in lines.items()} == dict.fromkeys(
        SUPPORTED, (False, False, False)
    )

    land_fix(train, "release-12.0.0")
    land_fix(train, "release-13.0.0")
    code, _, err = cli(train, capsys, "release")
    assert code == security.NotReady.exit_code
    assert "is not ready on 1 of 3 lines:" in err
    assert f"release-14.0.0: the fix is not merged: the notes on release-14.0.0 do not name {ADVISORY}" in err
    assert all(draft for _, draft, _ in held(train).values())  # nothing changed

    land_fix(train, "release-14.0.0")
    lines = status(train, capsys)
    assert {
        b: (s["fix_merged"], s["notes"], s["pr_ready"], s["checks"], s["ready"]) for b, s in lines.items()
    } == (dict.fromkeys(SUPPORTED, (True, False, False, "success", True)))
    _, table, _ = cli(train, capsys, "status")
    assert "every line is ready" in table

    env = train.env()
    planned = security.release_plan(env, ADVISORY)
    report = security.release_apply(env, planned)

    schedule = [line for line in report.lines if line.startswith("one publish schedule")]
    assert len(schedule) == 1 and "for 3 lines: 15 uploads, ETA" in schedule[0]
    assert "at most 10 new versions of a crate a day" in schedule[0]
    assert {u.tag for u in planned.schedule.uploads} == {f"v{v}" for v in PATCHES.values()}
    assert_paced_together(train, planned)
    tags = train.forge.tags()
    for branch, version in PATCHES.items():
        assert tags[f"v{version}"] == train.sha(branch)
        assert ADVISORY in train.file(branch) and f"## {version}\n\nReleased 2026-04-25." in train.file(
            branch
        )
        assert "tag().trim()" in train.file(branch, LIB)
    assert "v11.0.1" not in tags
    assert {b: s for b, (_, _, s) in held(train).items()} == dict.fromkeys(SUPPORTED, "merged")
    # The forge releases, as the publish reaction makes them after each upload, in merge order:
    # "latest" stays on the newest line.
    train.work.run("fetch", "--quiet", "--tags", "origin")
    for tag in ["v11.0.0", "v12.0.0", "v13.0.0", "v14.0.0", "v12.0.1", "v13.0.1", "v14.0.1"]:
        create_release(train.settings, env.forge, None, env.ctx, tag=tag)
    latest = [r.tag for r in train.forge.list_releases() if r.latest]
    assert latest == ["v14.0.1"]
    # a re-run after the release changes nothing
    again = security.release_apply(env, security.release_plan(train.env(), ADVISORY))
    assert {o.status for o in again.outcomes} == {"skipped"}


def assert_paced_together(train: Train, planned: security.SecurityReleasePlan) -> None:
    """The same lines against tight limits: one token bucket for all three lines, and the daily
    cap pushing the third line to the next day."""
    publish = replace(train.settings.publish, new_version=Pacing(4, 60.0), daily_cap=2)
    tight = replace(train.settings, publish=publish)
    lines = planned.schedule.parts
    no_lag = Tuning(rate_lag=0.0)  # the schedule alone, without the publisher's safety margin
    one_day = schedule(lines, replace(publish, daily_cap=10), Estimates(2.0, 10.0), no_lag)
    starts = sorted(u.start for u in one_day.uploads)
    assert starts[:4] == [0.0] * 4 and starts[4:] == [60.0 * n for n in range(1, 12)]
    assert len(one_day.days) == 1 and one_day.eta == 660.0 + 12.0
    two_days = schedule(lines, tight.publish, Estimates(2.0, 10.0), no_lag)
    assert len(two_days.days) == 2
    assert {u.tag for u in two_days.uploads if u.start >= DAY} == {"v14.0.1"}


def test_prepare_and_release_interrupted_at_every_step_converge(train: Train) -> None:
    prepare_steps = len(security.prepare(train.env(), ADVISORY, ["supported"]).steps)
    assert prepare_steps == 6
    for fail_after in range(1, prepare_steps + 1):
        env = train.env(fail_after=fail_after)
        with pytest.raises(InterruptedForTest):
            security.apply_prepare(env, security.prepare(env, ADVISORY, ["supported"]))
    assert held(train) == {b: (f"Release Railcar {v}", True, "open") for b, v in PATCHES.items()}
    for branch in SUPPORTED:
        land_fix(train, branch)
    release_steps = len(security.release_plan(train.env(), ADVISORY).steps)
    assert release_steps == 9  # rebuild, mark ready, merge: per line
    for fail_after in range(1, release_steps + 1):
        env = train.env(fail_after=fail_after)
        try:
            security.release_apply(env, security.release_plan(env, ADVISORY))
        except InterruptedForTest:
            continue
    env = train.env()
    security.release_apply(env, security.release_plan(env, ADVISORY))
    heads = [pr.head for pr in train.forge.list_prs(state=None)]
    assert len(heads) == len(set(heads))
    tags = train.forge.tags()
    assert {t for t in tags if t.endswith(".0.1")} == {f"v{v}" for v in PATCHES.values()}
    for branch, version in PATCHES.items():
        assert tags[f"v{version}"] == train.sha(branch)
        assert "tag().trim()" in train.file(branch, LIB)
