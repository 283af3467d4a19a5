"""Held releases on the local forge (real git, real merges): a marker commit whose checks were
pending or failing when its push was tagged is re-examined by `tag --held` and `tick` until it is
tagged; when its checks failed, the newest later commit of the same version that passes gets the
tag (Wasmtime's 2.0.1, 12.0.2 and 47.0.4 shape); `status` lists what is held and why."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from tests.fixtures.train import MARKER, Train, build_train

from release_train.cli import main
from release_train.flows.train import held, release, status


def held_release(tmp_path: Path) -> tuple[Train, str]:
    """release-1.0.0 with its release PR merged while the forge requires checks and none has
    reported: the tag reaction held v1.0.0. Returns the train and the marker (merge) commit."""
    train = build_train(tmp_path, cuts=1)
    train.settings = replace(train.settings, forge=replace(train.settings.forge, require_checks=True))
    env = train.at("2026-01-20").env()
    release.apply(env, release.plan(env))
    marker = train.merge("ci/release-1.0.0", "release-1.0.0")
    assert train.forge.tags() == {}
    assert any("held: checks pending" in e.message for e in train.events.events)
    return train, marker


def rt(train: Train, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "-C", str(train.work.path), "--set", "forge.require-checks=true"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def publish_reaction_failed(code: int, err: str, tag: str = "v1.0.0") -> bool:
    """The train has no registry: the new tag's publish reaction (CI's publish job on the local
    forge) fails, and the command that made the tag says so, exits non-zero and names the resume."""
    return (
        code == 3
        and f"publish reaction to refs/tags/{tag} failed" in err
        and f"resume with: release-train publish --tag {tag}" in err
    )


def blockers(train: Train) -> list[str]:
    return [b.text for b in status.gather(train.env()).blockers if b.kind == "held-release"]


def test_pending_checks_hold_until_they_pass_then_tag_held_tags_the_marker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, marker = held_release(tmp_path)
    train.forge.set_check(marker, "success", context="build")
    train.forge.set_check(marker, "pending", context="lint")
    assert blockers(train) == [
        f"v1.0.0 on release-1.0.0 is held: checks pending on the marker commit {marker[:10]}: lint"
    ]
    code, out, _err = rt(train, capsys, "tag", "--held")
    assert code == 0 and train.forge.tags() == {}
    assert f"! held: v1.0.0 on release-1.0.0: checks pending on the marker commit {marker[:10]}: lint" in out

    train.forge.set_check(marker, "success", context="lint")
    code, out, _err = rt(train, capsys, "tag", "--held")
    assert train.forge.tags() == {"v1.0.0": marker}
    assert f"+ tagged {marker[:10]} as v1.0.0 (held until its checks passed)" in out
    assert blockers(train) == []
    code, out, _err = rt(train, capsys, "tag", "--held")  # nothing left
    assert code == 0 and "no held release" in out


def test_failed_checks_and_a_later_fix_tag_the_fix_and_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, marker = held_release(tmp_path)
    train.forge.set_check(marker, "failure", context="test-windows")
    train.forge.set_check(marker, "success", context="test-linux")
    assert blockers(train) == [
        f"v1.0.0 on release-1.0.0 is held: checks failed on the marker commit {marker[:10]}: test-windows"
    ]
    # the fix lands on the release branch; its push carries no marker, so nothing is tagged
    fix = train.land("release-1.0.0", {"README.md": "fixed\n"}, "Fix test expectations on Windows\n")
    assert train.forge.tags() == {}
    notes = train.land("release-1.0.0", {"NOTES.txt": "x\n"}, "Add release notes\n")  # CI pending
    train.forge.set_check(fix, "success", context="test-windows")

    code, out, err = rt(train, capsys, "tag", "--held", "--json")
    assert publish_reaction_failed(code, err)
    report = json.loads(out)["report"]
    assert train.forge.tags() == {"v1.0.0": fix}
    assert report["outcomes"][0]["status"] == "done"
    assert report["outcomes"][0]["message"] == (
        f"tagged {fix[:10]} as v1.0.0 instead of the marker commit {marker[:10]}: checks failed on the "
        f"marker commit, and {fix[:10]} is the newest later commit of 1.0.0 on release-1.0.0 whose checks pass"
    )
    assert notes != fix and blockers(train) == []


def test_with_tag_fix_off_a_failed_marker_stays_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, marker = held_release(tmp_path)
    train.forge.set_check(marker, "failure", context="ci")
    fix = train.land("release-1.0.0", {"README.md": "fixed\n"}, "Fix CI\n")
    train.forge.set_check(fix, "success", context="ci")
    code, out, _err = rt(train, capsys, "tag", "--held", "--set", "release.tag-fix=false")
    assert code == 0 and train.forge.tags() == {}
    assert f"checks failed on the marker commit {marker[:10]}: ci" in out


def test_a_later_commit_of_another_version_is_not_a_fix(tmp_path: Path) -> None:
    train, marker = held_release(tmp_path)
    train.forge.set_check(marker, "failure", context="ci")
    core = train.file("release-1.0.0", "Cargo.toml").replace('version = "1.0.0"', 'version = "1.0.1"', 1)
    bumped = train.land("release-1.0.0", {"Cargo.toml": core}, "Bump to 1.0.1 by hand\n")
    train.forge.set_check(bumped, "success", context="ci")
    env = train.env()
    report = held.apply(env, held.plan(env))
    assert [o.status for o in report.outcomes] == ["held"]
    assert train.forge.tags() == {}


def test_tick_re_examines_held_releases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, marker = held_release(tmp_path)
    train.forge.set_check(marker, "success", context="ci")
    code, out, err = rt(train, capsys, "tick", "--now", "2026-01-21T00:00:00Z")
    assert publish_reaction_failed(code, err)
    assert "held releases:" in out and f"tagged {marker[:10]} as v1.0.0" in out
    assert train.forge.tags() == {"v1.0.0": marker}


def test_a_copied_marker_in_a_released_line_is_not_held(tmp_path: Path) -> None:
    train, marker = held_release(tmp_path)
    train.forge.set_check(marker, "success", context="ci")
    env = train.env()
    held.apply(env, held.plan(env))
    later = train.land("release-1.0.0", {"README.md": "x\n"}, f"Backport a fix\n\n{MARKER}\n")
    train.forge.set_check(later, "success", context="ci")
    assert held.find(train.env()) == []
    assert train.forge.tags() == {"v1.0.0": marker}
