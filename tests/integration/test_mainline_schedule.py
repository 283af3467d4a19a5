"""A train without release branches on its schedule and in a security release: `tick` on the
release day proposes the scheduled release (major, or `[schedule] release-bump`) once, on the
cut day it says there is nothing to cut; `status` shows main's releases and only the release
date; a security release is the next patch release of main, held as a draft until the fix
lands, rebuilt on main's tip, merged and tagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fixtures.mainline import wasm_tools_train
from tests.fixtures.train import Train

from release_train.cli import main
from release_train.errors import RefusedError
from release_train.flows import security

ADVISORY = "RUSTSEC-2026-0042"


def rt(train: Train, capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> tuple[str, str]:
    capsys.readouterr()
    got = main([*argv, "-C", str(train.work.path)])
    out, err = capsys.readouterr()
    assert got == code, f"{argv}: exit {got}\n{out}\n{err}"
    return out, err


def test_tick_proposes_the_scheduled_release_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = wasm_tools_train(tmp_path)

    out, _ = rt(train, capsys, "tick", "--now", "2026-09-05T00:00:00Z")
    assert "cut for 2026-09-05: nothing to do, this train has no release branches" in out
    assert "nothing due until 2026-09-20 (release)" in out
    assert train.forge.list_prs(state=None) == []

    out, _ = rt(train, capsys, "tick", "--now", "2026-09-20T00:00:00Z")
    assert "release for 2026-09-20:" in out
    assert "1.258.0 on main, PR #1; recorded as refs/release-train/ticks/release-2026-09-20" in out
    pr = train.pr("ci/release-1.258.0", "main")
    assert pr.title == "Release wasm-tools 1.258.0"
    assert "next: release on 2026-10-20" in out

    out, _ = rt(train, capsys, "tick", "--now", "2026-09-20T12:00:00Z")
    assert "release for 2026-09-20 already done: 1.258.0 on main, PR #1" in out
    assert len(train.forge.list_prs(state=None)) == 1

    # a quiet month: nothing landed since the release, the next release day proposes nothing
    merged = train.merge("ci/release-1.258.0", "main")
    # (this train publishes nowhere: the tag's publish never ran, so tick also tries to finish
    # v1.258.0, cannot reach the registry, and fails with the command that resumes)
    out, err = rt(train, capsys, "tick", "--now", "2026-10-20T00:00:00Z", code=8)
    assert "finishing release v1.258.0 failed" in err
    assert "resume with: release-train publish --tag v1.258.0" in err
    assert (
        f"release for 2026-10-20 done: 1.258.0 on main: nothing to release: main is where v1.258.0 was "
        f"tagged ({merged[:10]}); nothing to do" in out
    )
    assert len(train.forge.list_prs(state=None)) == 1


def test_the_scheduled_release_bump_is_configurable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = wasm_tools_train(tmp_path)
    out, _ = rt(
        train,
        capsys,
        "tick",
        "--now",
        "2026-09-20T00:00:00Z",
        "--dry-run",
        "--set",
        "schedule.release-bump=minor",
    )
    assert "minor release wasm-tools 1.258.0 on main (from 1.257.1)" in out
    assert "version wast: 257.0.1 -> 257.1.0" in out  # minor moves every line by minor
    assert train.forge.list_prs(state=None) == []
    _, err = rt(train, capsys, "tick", "--now", "2026-09-20", "--set", "schedule.release-bump=huge", code=3)
    assert "must be one of major, minor, patch, not 'huge'" in err


def test_status_shows_mains_releases_and_the_release_date_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = wasm_tools_train(tmp_path)
    rt(train, capsys, "release", "--now", "2026-09-01")
    train.merge("ci/release-1.258.0", "main")

    out, _ = rt(train, capsys, "status", "--now", "2026-09-02T10:00:00Z")
    assert "main is at 1.258.0" in out
    assert "releases on main" in out
    assert "1.258.x" in out and "v1.258.0" in out
    assert "next release: 2026-09-20 00:00 UTC" in out
    assert "next cut" not in out
    out, _ = rt(train, capsys, "branches", "--now", "2026-09-02T10:00:00Z", "--json")
    data = json.loads(out)
    assert data["branches"] == []
    assert [line["latest_tag"] for line in data["releases_on_main"]] == ["v1.258.0"]


def land_fix(train: Train) -> str:
    notes = train.file("main").replace(
        "### Fixed\n\n----", f"### Fixed\n\n* Out-of-bounds read in `wast` ({ADVISORY}).\n\n----", 1
    )
    return train.land(
        "main", {"RELEASES.md": notes, "crates/wast/src/lib.rs": "// fixed\n"}, f"Fix {ADVISORY}"
    )


def test_a_security_release_is_the_next_patch_release_of_main(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = wasm_tools_train(tmp_path)
    env = train.env()
    prepared = security.prepare(env, ADVISORY, ["supported"])
    assert [(p.branch, str(p.version)) for p in prepared.plans] == [("main", "1.257.2")]
    assert f"main: the notes do not name {ADVISORY} yet" in " ".join(prepared.notes)
    security.apply_prepare(env, prepared)
    pr = train.pr("ci/release-1.257.2", "main")
    assert (pr.title, pr.draft) == ("Release wasm-tools 1.257.2", True)
    assert f"Security-Advisory: {ADVISORY}" in pr.body.splitlines()

    (line,) = security.status(train.env(), ADVISORY)
    assert line.problems == [f"the fix is not merged: the notes on main do not name {ADVISORY}"]
    with pytest.raises(security.NotReady):
        security.release_plan(train.env(), ADVISORY)

    fix = land_fix(train.at("2026-09-03"))
    (line,) = security.status(train.env(), ADVISORY)
    assert (line.fix_merged, line.notes, line.stale, line.ready) == (True, False, True, True)

    planned = security.release_plan(train.at("2026-09-04").env(), ADVISORY)
    assert [s.name for s in planned.steps] == [
        f"refresh:#{pr.number}",
        f"ready:#{pr.number}",
        f"merge:#{pr.number}",
    ]
    security.release_apply(train.env(), planned)

    merged = train.pr("ci/release-1.257.2", "main")
    assert merged.state == "merged"
    assert train.forge.tags() == {"v1.257.2": merged.merge_commit}
    assert train.forge.git.rev_parse(f"{merged.merge_commit}^1") == fix  # the fix ships with it
    notes = train.file("main")
    assert notes.startswith("## 1.258.0\n\nUnreleased.\n")  # the next release's, fresh
    assert "## 1.257.2\n\nReleased 2026-09-04.\n\n### Added\n\n* `wat` reads custom annotations.\n\n" in notes
    assert f"### Fixed\n\n* Out-of-bounds read in `wast` ({ADVISORY}).\n" in notes


def test_a_security_release_on_main_names_no_branch(tmp_path: Path) -> None:
    train = wasm_tools_train(tmp_path)
    with pytest.raises(
        RefusedError, match=r"its security releases are patch releases of main, not of release-1\.0\.0"
    ):
        security.prepare(train.env(), ADVISORY, ["release-1.0.0"])
    assert [p.branch for p in security.prepare(train.env(), ADVISORY, ["main"]).plans] == ["main"]
