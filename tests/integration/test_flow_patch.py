"""release-patch on real repositories, and the train commands through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fixtures.train import MARKER, Train, build_train

from release_train.cli import main
from release_train.errors import RefusedError
from release_train.flows.lines import patch
from release_train.flows.train import release
from release_train.model.notes import NotesError


def _released_line(tmp_path: Path) -> Train:
    """release-1.0.0 released (v1.0.0), then a backported fix with its notes."""
    train = build_train(tmp_path, cuts=1)
    env = train.env()
    release.apply(env, release.plan(env))
    train.merge("ci/release-1.0.0", "release-1.0.0")
    notes = train.file("release-1.0.0")
    train.land(
        "release-1.0.0",
        {"RELEASES.md": "## 1.0.1\n\nUnreleased.\n\n### Fixed\n\n* A backported fix.\n\n" + notes},
        "Backport a fix",
    )
    return train


def test_patch_release_is_proposed_and_tagged_on_merge(tmp_path: Path) -> None:
    train = _released_line(tmp_path)
    base = train.sha("release-1.0.0")
    notes_before = train.file("release-1.0.0")
    env = train.at("2026-02-03").env()

    planned = patch.plan(env, branch="release-1.0.0", requested_by="Ann Maintainer")
    report = patch.apply(env, planned)

    head = train.sha("ci/bump-to-1.0.1")
    assert head is not None
    assert train.forge.git.rev_parse(f"{head}^1") == base
    assert train.message(head).strip() == f"Release Railcar 1.0.1\n\n{MARKER}"
    assert train.file("ci/bump-to-1.0.1") == notes_before.replace(
        "## 1.0.1\n\nUnreleased.", "## 1.0.1\n\nReleased 2026-02-03.", 1
    )
    assert 'version = "1.0.1"' in train.file("ci/bump-to-1.0.1", "Cargo.toml")
    pr = train.pr("ci/bump-to-1.0.1", "release-1.0.0")
    assert pr.title == "Release Railcar 1.0.1"
    assert "requested by Ann Maintainer" in pr.body
    assert [o.status for o in report.outcomes] == ["done", "done"]

    merged = train.merge("ci/bump-to-1.0.1", "release-1.0.0")
    assert train.forge.tags()["v1.0.1"] == merged


def test_patch_refuses_main_and_changes_nothing(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)
    refs = train.forge.git.refs("refs/")
    with pytest.raises(RefusedError, match="'main' is not a release branch") as info:
        patch.plan(train.env(), branch="main", requested_by="Ann")
    assert info.value.hint and "release-X.Y.Z" in info.value.hint
    assert train.forge.git.refs("refs/") == refs


def test_patch_refuses_without_notes_for_the_new_version(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1)
    with pytest.raises(NotesError, match=r"RELEASES.md on release-1.0.0 has no notes for 1\.0\.1"):
        patch.plan(train.env(), branch="release-1.0.0", requested_by="Ann")
    assert train.forge.list_prs(state="open") == []


def test_cli_dry_run_then_apply(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = _released_line(tmp_path)
    refs = train.forge.git.refs("refs/")
    work = str(train.work.path)
    args = [
        "release-patch",
        "-C",
        work,
        "--branch",
        "release-1.0.0",
        "--requested-by",
        "Bo",
        "--now",
        "2026-02-03",
    ]

    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        "dry run: nothing will be changed",
        "patch release Railcar 1.0.1 on release-1.0.0 (requested by Bo)",
    ]
    assert "open a PR ci/bump-to-1.0.1 -> release-1.0.0: 'Release Railcar 1.0.1'" in out
    assert train.forge.git.refs("refs/") == refs

    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [o["status"] for o in result["report"]["outcomes"]] == ["done", "done"]
    assert train.pr("ci/bump-to-1.0.1", "release-1.0.0").title == "Release Railcar 1.0.1"

    assert main(["release-patch", "-C", work, "--branch", "main"]) == 6
    assert "'main' is not a release branch" in capsys.readouterr().err


def test_cli_tag_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = build_train(tmp_path, cuts=1)
    env = train.env()
    release.apply(env, release.plan(env))
    before = train.sha("release-1.0.0")
    after = train.merge("ci/release-1.0.0", "release-1.0.0")
    work = str(train.work.path)
    code = main(["tag", "-C", work, "--range", f"{before}..{after}", "--ref", "refs/heads/release-1.0.0"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"= v1.0.0 is already on {after[:10]}"
    assert main(["tag", "-C", work, "--range", "nonsense", "--ref", "main"]) == 2
