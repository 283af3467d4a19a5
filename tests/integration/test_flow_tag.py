"""tag on real repositories: only a marker on a line of its own, only a new version, only with
green checks; identical tags succeed, conflicting ones fail."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.fixtures.train import MARKER, Train, build_train

from release_train.flows.plan import Report
from release_train.flows.train import release, tag
from release_train.forges.interface import Conflict


def _released(tmp_path: Path, *, require_checks: bool = False) -> tuple[Train, str, str]:
    """release-1.0.0 with its release PR merged; returns the train and the merge's range."""
    train = build_train(tmp_path, cuts=1)
    if require_checks:
        train.settings = replace(train.settings, forge=replace(train.settings.forge, require_checks=True))
    env = train.env()
    release.apply(env, release.plan(env))
    before = train.sha("release-1.0.0")
    after = train.merge("ci/release-1.0.0", "release-1.0.0")
    assert before is not None
    return train, before, after


def _tag(train: Train, before: str, after: str, ref: str = "refs/heads/release-1.0.0") -> tag.TagPlan:
    return _tag_report(train, before, after, ref)[0]


def _tag_report(
    train: Train, before: str, after: str, ref: str = "refs/heads/release-1.0.0"
) -> tuple[tag.TagPlan, Report]:
    env = train.env()
    planned = tag.plan(env, before=before, after=after, ref=ref)
    return planned, tag.apply(env, planned)


def test_identical_tag_is_success(tmp_path: Path) -> None:
    train, before, after = _released(tmp_path)
    assert train.forge.tags() == {"v1.0.0": after}
    env = train.env()
    report = tag.apply(env, tag.plan(env, before=before, after=after, ref="refs/heads/release-1.0.0"))
    assert report.lines == [
        f"{after[:10]} carries the marker and version 1.0.0",
        f"= v1.0.0 is already on {after[:10]}",
    ]
    assert train.forge.tags() == {"v1.0.0": after}


def test_quoted_marker_does_not_tag(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)
    before = train.sha("release-1.0.0")
    assert before is not None
    after = train.land("release-1.0.0", {"README.md": "x\n"}, f"Docs\n\nNever write `{MARKER}` by hand.\n")
    planned = _tag(train, before, after)
    assert planned.steps == ()
    assert planned.notes == (
        "not tagging: no commit in the range carries the release marker on a line of its own "
        f"({after[:10]} only quotes it)",
    )
    assert train.forge.tags() == {}


def test_marker_without_a_new_version_does_not_tag_and_says_why(tmp_path: Path) -> None:
    train, _, released = _released(tmp_path)
    after = train.land("release-1.0.0", {"README.md": "x\n"}, f"Backport a fix\n\n{MARKER}\n")
    planned = _tag(train, released, after)
    assert planned.steps == ()
    assert planned.notes[0] == (
        f"not tagging {after[:10]}: its version 1.0.0 did not change against the release history of its "
        "first parent (v1.0.0 is already there), so it is not a new release"
    )
    assert train.forge.tags() == {"v1.0.0": released}


def test_conflicting_tag_is_an_error(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)
    env = train.env()
    release.apply(env, release.plan(env))
    main = train.sha("main")
    assert main is not None
    train.forge.create_tag("v1.0.0", main)  # someone tagged the wrong commit
    before = train.sha("release-1.0.0")
    assert before is not None
    after = train.merge("ci/release-1.0.0", "release-1.0.0")  # the reaction warns, tags nothing
    assert any("tag v1.0.0 already exists" in m for m in train.events.messages("warn"))
    with pytest.raises(Conflict, match=f"tag v1.0.0 already exists on {main[:10]}, not on {after[:10]}"):
        _tag(train, before, after)
    assert train.forge.tags() == {"v1.0.0": main}


def test_checks_not_green_hold_the_tag(tmp_path: Path) -> None:
    train, before, after = _released(tmp_path, require_checks=True)
    assert train.forge.tags() == {}  # no checks recorded + require-checks: held on merge
    resume = "(`release-train tag --held` or the next tick tags it once they pass"
    assert f"held: checks pending on {after[:10]}; v1.0.0 not created {resume})" in train.events.messages(
        "warn"
    )
    train.forge.set_check(after, "failure")
    _, report = _tag_report(train, before, after)
    assert report.lines[-1] == (
        f"! held: checks failing on {after[:10]}; v1.0.0 not created {resume}, "
        "or a later fix of the same version that passes)"
    )
    assert train.forge.tags() == {}
    train.forge.set_check(after, "success")
    _, report = _tag_report(train, before, after)
    assert report.lines[-1] == f"+ tagged {after[:10]} as v1.0.0"
    assert train.forge.tags() == {"v1.0.0": after}


def test_pushes_elsewhere_are_ignored(tmp_path: Path) -> None:
    train, before, after = _released(tmp_path)
    planned = _tag(train, before, after, ref="refs/heads/ci/release-1.0.0")
    assert planned.notes == ("not tagging: ci/release-1.0.0 is neither main nor a release branch",)
