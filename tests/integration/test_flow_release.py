"""release-latest and release-rc on real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.train import MARKER, Train, build_train

from release_train.errors import RefusedError
from release_train.flows.gates.verify_gate import VerifyFailed
from release_train.flows.train import release
from release_train.model.notes import NotesError

DASHES = "-" * 80


def _release(train: Train) -> release.ReleasePlan:
    env = train.env()
    planned = release.plan(env)
    release.apply(env, planned)
    return planned


def test_release_latest_dates_the_notes_and_the_merge_gets_tagged(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)  # release-1.0.0, main at 2.0.0
    branch_before = train.sha("release-1.0.0")
    notes_before = train.file("release-1.0.0")
    assert "\nUnreleased.\n" in notes_before

    planned = _release(train.at("2026-01-20T00:00:00Z"))

    assert [p.head for p in planned.proposals] == ["ci/release-1.0.0"]  # main's notes lack ## 1.0.0
    head = train.sha("ci/release-1.0.0")
    assert head is not None
    message = train.message(head)
    assert message.splitlines()[0] == "Release Railcar 1.0.0"
    assert MARKER in message.splitlines()  # on a line of its own
    assert train.forge.git.rev_parse(f"{head}^1") == branch_before
    # dated, and the empty `### Added` of the demo's notes is dropped from the released notes
    assert "\n### Added\n\n### Fixed\n" in notes_before
    assert train.file("ci/release-1.0.0") == notes_before.replace(
        "\nUnreleased.\n", "\nReleased 2026-01-20.\n"
    ).replace("\n### Added\n\n### Fixed\n", "\n### Fixed\n")
    pr = train.pr("ci/release-1.0.0", "release-1.0.0")
    assert pr.title == "Release Railcar 1.0.0"
    assert "merging it into `release-1.0.0` tags the merge commit `v1.0.0`" in pr.body
    # the body carries the marker too, last, on a line of its own (a squash taking the PR body
    # as its message keeps it)
    assert pr.body.rstrip().splitlines()[-1] == MARKER
    assert pr.body.count(MARKER) == 1
    assert train.forge.tags() == {}

    merged = train.merge("ci/release-1.0.0", "release-1.0.0")

    assert train.forge.tags() == {"v1.0.0": merged}
    assert train.sha("release-1.0.0") == merged
    # a re-run after the release does nothing
    again = release.plan(train.env())
    assert again.steps == ()
    assert again.describe()[1] == "Railcar 1.0.0 is already released: tag v1.0.0 exists; nothing to do"


def test_notes_already_dated_make_an_empty_release_commit(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)
    dated = train.file("release-1.0.0").replace("Unreleased.", "Released 2026-01-19.")
    train.land("release-1.0.0", {"RELEASES.md": dated}, "Date the notes by hand")
    base = train.sha("release-1.0.0")

    _release(train.at("2026-01-20"))

    head = train.sha("ci/release-1.0.0")
    assert head is not None
    assert train.forge.git.rev_parse(f"{head}^1") == base
    assert train.forge.git.run("diff-tree", "--no-commit-id", "-r", head).strip() == ""  # empty commit
    assert train.message(head).strip() == f"Release Railcar 1.0.0\n\n{MARKER}"
    assert train.file("ci/release-1.0.0") == dated
    train.merge("ci/release-1.0.0", "release-1.0.0")
    assert "v1.0.0" in train.forge.tags()


def test_main_gets_the_date_too_when_its_notes_have_the_section(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)
    main_notes = train.file("main")
    kept = main_notes.replace(
        f"{DASHES}\n", f"{DASHES}\n\n## 1.0.0\n\nUnreleased.\n\n### Fixed\n\n* A fix.\n\n{DASHES}\n", 1
    )
    train.land("main", {"RELEASES.md": kept}, "Keep the 1.0.0 notes on main")

    planned = _release(train.at("2026-01-20"))

    assert [(p.head, p.base) for p in planned.proposals] == [
        ("ci/release-1.0.0", "release-1.0.0"),
        ("ci/release-date-for-1.0.0", "main"),
    ]
    pr = train.pr("ci/release-date-for-1.0.0", "main")
    assert pr.title == "Update release date of Railcar 1.0.0"
    after = train.file("ci/release-date-for-1.0.0")
    # only the 1.0.0 section is dated; main's own 2.0.0 section stays unreleased
    assert after == kept.replace("## 1.0.0\n\nUnreleased.", "## 1.0.0\n\nReleased 2026-01-20.")
    assert after.startswith("## 2.0.0\n\nUnreleased.\n")
    head = train.sha("ci/release-date-for-1.0.0")
    assert head is not None
    assert MARKER not in train.message(head)


def test_latest_is_by_version_not_by_date(tmp_path: Path) -> None:
    train = build_train(tmp_path, major=9, cuts=2)  # release-9.0.0, release-10.0.0
    # a backport lands on the older line later, so release-9.0.0 has the newest commit
    old_notes = train.file("release-9.0.0")
    train.at("2026-03-01").land(
        "release-9.0.0",
        {"RELEASES.md": old_notes.replace("### Fixed\n", "### Fixed\n\n* Backported.\n")},
        "Backport",
    )
    newest = train.forge.git.run(
        "for-each-ref", "--sort=-committerdate", "--format=%(refname:short)", "refs/heads/release-*"
    ).split()
    assert newest[0] == "release-9.0.0"

    planned = _release(train.at("2026-03-20"))

    assert (planned.branch, str(planned.version)) == ("release-10.0.0", "10.0.0")
    assert train.pr("ci/release-10.0.0", "release-10.0.0").title == "Release Railcar 10.0.0"


def test_refuses_without_a_release_branch(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    with pytest.raises(RefusedError, match="there is no release branch on the origin") as info:
        release.plan(train.env())
    assert info.value.hint and "release-train cut" in info.value.hint
    assert train.branches() == ["main"]


def test_refuses_when_the_section_is_missing_and_changes_nothing(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)
    notes = train.file("release-1.0.0").replace("## 1.0.0", "## 0.9.0")
    train.land("release-1.0.0", {"RELEASES.md": notes}, "Break the notes")
    refs = train.forge.git.refs("refs/")
    # the verify gate refuses first with verify's message; overridden, the flow's own refusal
    with pytest.raises(VerifyFailed, match=r"RELEASES\.md:1: the notes file has no section `## 1\.0\.0`"):
        release.plan(train.env())
    with pytest.raises(NotesError, match=r"RELEASES.md on release-1.0.0 has no section `## 1.0.0`"):
        release.plan(train.env(), allow_verify_failures=True)
    train.land("release-1.0.0", {"RELEASES.md": None}, "Drop the notes")
    with pytest.raises(RefusedError, match=r"release-1\.0\.0 has no RELEASES\.md"):
        release.plan(train.env(), allow_verify_failures=True)
    assert train.forge.list_prs(state="open") == []
    assert set(train.forge.git.refs("refs/")) == set(refs)


def test_release_rc_proposes_the_next_candidate(tmp_path: Path) -> None:
    train = build_train(tmp_path, rc=True, cuts=1)  # release-1.0.0 with the rc.1 PR open
    train.merge("ci/bump-to-1.0.0-rc.1", "release-1.0.0")
    assert "v1.0.0-rc.1" in train.forge.tags()

    env = train.env()
    planned = release.plan_rc(env)
    release.apply(env, planned)

    pr = train.pr("ci/bump-to-1.0.0-rc.2", "release-1.0.0")
    assert pr.title == "Release Railcar 1.0.0-rc.2"
    head = train.sha("ci/bump-to-1.0.0-rc.2")
    assert head is not None
    assert MARKER in train.message(head).splitlines()
    train.merge("ci/bump-to-1.0.0-rc.2", "release-1.0.0")
    assert set(train.forge.tags()) == {"v1.0.0-rc.1", "v1.0.0-rc.2"}

    # the final release drops the suffix and dates the notes in one commit
    final = _release(train.at("2026-01-20"))
    assert str(final.version) == "1.0.0"
    assert 'version = "1.0.0"' in train.file("ci/release-1.0.0", "Cargo.toml")
    train.merge("ci/release-1.0.0", "release-1.0.0")
    assert "v1.0.0" in train.forge.tags()


def test_release_rc_refuses_outside_the_rc_train(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)
    with pytest.raises(RefusedError, match="rc train"):
        release.plan_rc(train.env())
