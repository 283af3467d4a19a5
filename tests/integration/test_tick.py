"""`release-train tick` on a real train (the demo workspace, a local forge): the 5th cuts, a second
tick the same day says so and changes nothing, the 20th releases, other days say when the next
event is, and an interrupted tick converges when run again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.train import Train, build_train

from release_train.cli import main
from release_train.errors import InterruptedForTest
from release_train.flows.train import tick
from release_train.infra.git import Git


@pytest.fixture
def train(tmp_path: Path) -> Train:
    return build_train(tmp_path, major=27, now="2026-11-02")


def run_tick(train: Train, capsys: pytest.CaptureFixture[str], now: str, *extra: str) -> str:
    capsys.readouterr()
    assert main(["tick", "-C", str(train.work.path), "--now", now, *extra]) == 0
    return capsys.readouterr().out


def records(train: Train) -> dict[str, str]:
    """Tick record ref -> the commit it points at, as the forge has them."""
    out = train.work.run("ls-remote", "origin", "refs/release-train/ticks/*")
    found = {}
    for line in out.splitlines():
        sha, ref = line.split("\t")
        if not ref.endswith("^{}"):  # the peeled line of the annotated record
            found[ref] = train.forge.git.run("rev-parse", f"{sha}^{{commit}}").strip()
    return found


def world(train: Train) -> dict[str, Any]:
    """Everything a tick may change on the forge: refs (branches, tags, records) and PRs."""
    return {
        "refs": train.forge.git.refs("refs/"),
        "prs": [(p.number, p.head, p.base, p.title, p.state) for p in train.forge.list_prs(state=None)],
    }


def shape(train: Train) -> dict[str, Any]:
    """`world` without the commit ids, which differ between two trains (each commits its own
    forge path in release-train.toml): per ref, how many commits it holds and its tip's subject,
    date and (for a record) message. A duplicate commit, branch, PR or record shows up here."""
    git = train.forge.git
    refs = {
        ref: (
            git.run("rev-list", "--count", sha).strip(),
            git.run("log", "-1", "--format=%s %cI", sha).strip(),
            git.run("cat-file", "-p", sha).partition("\n\n")[2]
            if ref.startswith("refs/release-train/")
            else "",
        )
        for ref, sha in git.refs("refs/").items()
    }
    return {"refs": refs, "prs": world(train)["prs"]}


def test_tick_on_the_5th_cuts_and_records_the_slot(train: Train, capsys: pytest.CaptureFixture[str]) -> None:
    main_before = train.sha("main")
    out = run_tick(train, capsys, "2026-12-05T00:07:00Z")
    assert "+ cut for 2026-12-05 done: release-27.0.0, PR #1" in out
    assert "next: release on 2026-12-20" in out
    assert train.sha("release-27.0.0") == main_before
    pr = train.pr("ci/bump-to-28.0.0", "main")
    assert (pr.number, pr.title, pr.state) == (1, "Bump Railcar to 28.0.0", "open")
    assert records(train) == {"refs/release-train/ticks/cut-2026-12-05": main_before}


def test_a_second_tick_the_same_day_says_already_done(
    train: Train, capsys: pytest.CaptureFixture[str]
) -> None:
    run_tick(train, capsys, "2026-12-05T00:07:00Z")
    before = world(train)
    out = run_tick(train, capsys, "2026-12-05T13:00:00Z")
    assert out.splitlines()[0] == "cut for 2026-12-05 already done: release-27.0.0, PR #1"
    assert world(train) == before
    # Even after the bump PR is merged (main now holds 28.0.0), the record stops a second cut.
    train.merge("ci/bump-to-28.0.0", "main")
    before = world(train)
    out = run_tick(train, capsys, "2026-12-05T23:59:00Z")
    assert "cut for 2026-12-05 already done: release-27.0.0, PR #1" in out
    assert world(train) == before
    assert "release-28.0.0" not in train.branches()


def test_tick_on_the_20th_opens_the_release_prs(train: Train, capsys: pytest.CaptureFixture[str]) -> None:
    run_tick(train, capsys, "2026-12-05T00:07:00Z")
    train.merge("ci/bump-to-28.0.0", "main")
    release_head = train.sha("release-27.0.0")
    out = run_tick(train, capsys, "2026-12-20T00:03:00Z")
    assert "+ release for 2026-12-20 done: release-27.0.0, PR #2" in out
    pr = train.pr("ci/release-27.0.0", "release-27.0.0")
    assert (pr.number, pr.title, pr.state) == (2, "Release Railcar 27.0.0", "open")
    assert "Released 2026-12-20." in train.file("ci/release-27.0.0")
    assert records(train)["refs/release-train/ticks/release-2026-12-20"] == release_head
    before = world(train)
    again = run_tick(train, capsys, "2026-12-20T18:00:00Z")
    assert again.startswith("release for 2026-12-20 already done: release-27.0.0, PR #2")
    assert world(train) == before


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-06T00:00:00Z", "nothing due until 2026-12-20 (release)"),
        ("2026-12-04T23:59:59Z", "nothing due until 2026-12-05 (cut)"),
        ("2026-12-25", "nothing due until 2027-01-05 (cut)"),
    ],
)
def test_a_tick_when_nothing_is_due(
    train: Train, capsys: pytest.CaptureFixture[str], now: str, expected: str
) -> None:
    before = world(train)
    assert run_tick(train, capsys, now).strip() == expected
    assert world(train) == before


def test_tick_json_and_dry_run(train: Train, capsys: pytest.CaptureFixture[str]) -> None:
    before = world(train)
    out = run_tick(train, capsys, "2026-12-05T01:00:00Z", "--dry-run")
    assert out.splitlines()[:2] == [
        "tick at 2026-12-05 01:00 UTC: cut for 2026-12-05 due",
        "1. run cut (cut for 2026-12-05), then record refs/release-train/ticks/cut-2026-12-05",
    ]
    assert "    1. push main (" in out and "as release-27.0.0" in out
    assert world(train) == before  # a dry run changes nothing
    planned = json.loads(run_tick(train, capsys, "2026-12-05T01:00:00Z", "--json", "--dry-run"))
    assert planned["dry_run"] is True
    assert planned["plan"]["due"][0]["ref"] == "refs/release-train/ticks/cut-2026-12-05"
    assert world(train) == before
    data = json.loads(run_tick(train, capsys, "2026-12-05T01:00:00Z", "--json"))
    assert data["dry_run"] is False
    assert [d["event"] for d in data["due"]] == ["cut"]
    assert data["already_done"] == []
    assert data["next"][0] == {
        "event": "release",
        "at": "2026-12-20T00:00:00+00:00",
        "ref": "refs/release-train/ticks/release-2026-12-20",
    }
    assert data["outcomes"][0]["status"] == "done"
    assert data["outcomes"][0]["summary"] == "release-27.0.0, PR #1"
    assert [o["step"] for o in data["flows"][0]["outcomes"]] == [
        "branch:release-27.0.0",
        "commit:ci/bump-to-28.0.0",
        "pr:ci/bump-to-28.0.0",
    ]
    again = json.loads(run_tick(train, capsys, "2026-12-05T02:00:00Z", "--json"))
    assert again["due"] == []
    assert again["already_done"][0]["summary"] == "release-27.0.0, PR #1"


def test_a_slot_marked_done_by_hand_is_respected(train: Train, capsys: pytest.CaptureFixture[str]) -> None:
    sha = train.sha("main")
    assert sha is not None
    train.work.run("push", "--quiet", "origin", f"{sha}:refs/release-train/ticks/cut-2026-12-05")
    out = run_tick(train, capsys, "2026-12-05T09:00:00Z")
    assert out.startswith(f"cut for 2026-12-05 already done: recorded by hand at commit {sha[:12]}")
    assert "release-27.0.0" not in train.branches()


def test_a_custom_schedule_with_both_events_on_one_day(
    train: Train, capsys: pytest.CaptureFixture[str]
) -> None:
    # cut at 06:00 and release at 18:00 on the first Monday-ish day of the month: both due by 19:00
    options = ["--set", "schedule.cut='0 6 1 * *'", "--set", "schedule.release='0 18 1 * *'"]
    early = run_tick(train, capsys, "2027-02-01T05:59:00Z", *options)
    assert early.strip() == "nothing due until 2027-02-01 06:00 UTC (cut)"
    dry = run_tick(train, capsys, "2027-02-01T19:00:00Z", *options, "--dry-run")
    assert (
        "release for 2027-02-01 18:00 UTC:\n    planned once the cut above has run (now: there is no release branch"
        in dry
    )
    out = run_tick(train, capsys, "2027-02-01T19:00:00Z", *options)
    # cut runs first, so the release opens on the branch it has just cut
    assert "+ cut for 2027-02-01 06:00 UTC done: release-27.0.0, PR #1" in out
    assert "+ release for 2027-02-01 18:00 UTC done: release-27.0.0, PR #2" in out
    assert set(records(train)) == {
        "refs/release-train/ticks/cut-2027-02-01T0600",
        "refs/release-train/ticks/release-2027-02-01T1800",
    }


def test_a_malformed_schedule_names_the_field(train: Train, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = main(["tick", "-C", str(train.work.path), "--set", "schedule.cut='0 0 35 * *'"])
    err = capsys.readouterr().err
    assert code == 3
    assert "error: cron '0 0 35 * *': day of month field '35': 35 is out of range 1-31" in err


def run_in_process(train: Train, now: str, fail_after: int | None = None) -> tick.TickReport:
    train.at(now)
    env = train.env(fail_after)
    return tick.apply(env, tick.plan(env))


def count_steps(tmp_path: Path) -> int:
    reference = build_train(tmp_path / "count", major=27, now="2026-11-02")
    env = reference.at("2026-12-05T00:07:00Z").env()
    tick.apply(env, tick.plan(env))
    return env.ctx.steps_done


def test_an_interrupted_tick_converges_when_run_again(tmp_path: Path) -> None:
    steps = count_steps(tmp_path)
    assert steps == 4  # cut: branch, commit, PR; then the tick's record
    reference = build_train(tmp_path / "reference", major=27, now="2026-11-02")
    run_in_process(reference, "2026-12-05T00:07:00Z")
    expected = shape(reference)
    for k in range(1, steps + 1):
        train = build_train(tmp_path / f"cut-{k}", major=27, now="2026-11-02")
        with pytest.raises(InterruptedForTest):
            run_in_process(train, "2026-12-05T00:07:00Z", fail_after=k)
        recorded = "refs/release-train/ticks/cut-2026-12-05" in records(train)
        report = run_in_process(train, "2026-12-05T00:07:00Z")
        assert shape(train) == expected, f"interrupted after step {k}"
        # the record is written last: only an interruption after it leaves the slot done
        assert recorded == (k == steps)
        assert bool(report.plan.done) == (k == steps)
        assert Git(train.forge.bare_path).branches("ci/*") == ["ci/bump-to-28.0.0"]
