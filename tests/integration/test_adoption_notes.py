"""The train on wgpu's own `CHANGELOG.md` (Keep a Changelog: title, a comment block for
contributors, `## Unreleased`, 3,000 lines of released sections): cut, release-latest and
release-patch change only the lines they own, and the dry runs show those changes as diffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fixtures.adoption import train_from_case, tree
from tests.fixtures.train import Train

from release_train.cli import main
from release_train.config import load_settings
from release_train.flows import cut, patch, release
from release_train.flows.bump import apply_bump, plan_bump
from release_train.flows.publish.forge_release import section
from release_train.model.notes import unified_diff

CONFIG = """[project]
name = "wgpu"

[release]
notes = "CHANGELOG.md"

[[workspace]]
kind = "cargo"
path = "."
public = ["deno_webgpu", "lock-analyzer", "naga", "naga-cli", "wgpu", "wgpu-*"]

[forge]
kind = "local"
"""


def wgpu_train(tmp_path: Path) -> Train:
    """wgpu as adopted: `bump major` first (main carries the next version, 23.0.0: 22.0.0 is
    released), lock-analyzer given the description the registry requires."""
    train = train_from_case(tmp_path, "wgpu", CONFIG, now="2024-11-05T00:00:00Z")
    work = train.work.path
    apply_bump(plan_bump(load_settings(work), "major"))
    manifest = work / "lock-analyzer" / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace("[package]\n", '[package]\ndescription = "Lock check"\n', 1)
    )
    train.work.commit_all("Start the train at 23.0.0")
    train.forge.push(work, ["main"])
    return train


def changelog_diff(train: Train, old_ref: str, new_ref: str) -> str:
    return unified_diff(
        train.file(old_ref, "CHANGELOG.md"), train.file(new_ref, "CHANGELOG.md"), "CHANGELOG.md"
    )


CUT_DIFF = (
    "--- a/CHANGELOG.md\n+++ b/CHANGELOG.md\n@@ -39,6 +39,8 @@\n -->\n \n ## Unreleased\n"
    "+\n+## 23.0.0 (Unreleased)\n \n ### Major Changes\n \n"
)


def test_cut_then_release_latest_then_a_patch_change_only_their_lines(tmp_path: Path) -> None:
    train = wgpu_train(tmp_path)
    upstream = tree("wgpu").joinpath("CHANGELOG.md").read_text()
    assert train.file("main", "CHANGELOG.md") == upstream

    # cut: main's Unreleased notes become 23.0.0's (pending), a fresh Unreleased opens above.
    # (wgpu requires its unpublished members by an exact version the bump leaves behind: verify
    # says so, and the notes are what this test is about)
    env = train.env()
    planned = cut.plan(env, allow_verify_failures=True)
    (commit,) = [s for s in planned.steps if s.name == "commit:ci/bump-to-24.0.0"]
    assert commit.facts["diffs"] == [{"path": "CHANGELOG.md", "diff": CUT_DIFF}]
    cut.apply(env, planned)
    assert changelog_diff(train, "main", "ci/bump-to-24.0.0") == CUT_DIFF
    assert train.file("release-23.0.0", "CHANGELOG.md") == upstream  # the branch is main as it was
    train.merge("ci/bump-to-24.0.0", "main")

    # release-latest: the branch's Unreleased section becomes `## 23.0.0 (2024-11-20)`, main's
    # pending heading is dated the same way; nothing else moves.
    env = train.at("2024-11-20T00:00:00Z").env()
    release.apply(env, release.plan(env, allow_verify_failures=True))
    assert changelog_diff(train, "release-23.0.0", "ci/release-23.0.0") == CUT_DIFF.replace(
        "(Unreleased)", "(2024-11-20)"
    )
    assert changelog_diff(train, "main", "ci/release-date-for-23.0.0") == (
        "--- a/CHANGELOG.md\n+++ b/CHANGELOG.md\n@@ -40,7 +40,7 @@\n \n ## Unreleased\n \n"
        "-## 23.0.0 (Unreleased)\n+## 23.0.0 (2024-11-20)\n \n ### Major Changes\n \n"
    )
    tagged = train.merge("ci/release-23.0.0", "release-23.0.0")
    assert train.forge.tags()["v23.0.0"] == tagged
    released = train.file("release-23.0.0", "CHANGELOG.md")
    assert section(released, "23.0.0", "CHANGELOG.md").startswith(
        "### Major Changes\n\n#### `wgpu-core` is no"
    )

    # release-patch: a backported fix under Unreleased on the branch becomes 23.0.1's section
    fixed = released.replace(
        "## Unreleased\n\n", "## Unreleased\n\n### Bug Fixes\n\n- A backported fix.\n\n", 1
    )
    train.land("release-23.0.0", {"CHANGELOG.md": fixed}, "Backport a fix")
    env = train.at("2024-11-22T00:00:00Z").env()
    patch.apply(env, patch.plan(env, branch="release-23.0.0", allow_verify_failures=True))
    assert changelog_diff(train, "release-23.0.0", "ci/bump-to-23.0.1") == (
        "--- a/CHANGELOG.md\n+++ b/CHANGELOG.md\n@@ -39,6 +39,8 @@\n -->\n \n ## Unreleased\n"
        "+\n+## 23.0.1 (2024-11-22)\n \n ### Bug Fixes\n \n"
    )


def test_the_dry_runs_show_each_notes_change_as_a_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = wgpu_train(tmp_path)
    work = str(train.work.path)
    args = ["-C", work, "--now", "2024-11-05T00:00:00Z", "--allow-verify-failures", "--dry-run"]
    assert main(["cut", *args]) == 0
    text = capsys.readouterr().out
    assert "       +## 23.0.0 (Unreleased)\n" in text
    assert "     version workspace: 23.0.0 -> 24.0.0\n" in text
    assert main(["cut", *args, "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["plan"]["steps"]
    (commit,) = [s for s in steps if s["kind"] == "commit"]
    assert commit["diffs"] == [{"path": "CHANGELOG.md", "diff": CUT_DIFF}]
    assert {"line": "workspace", "old": "23.0.0", "new": "24.0.0"} in commit["versions"]
    assert train.forge.list_prs(state=None) == []  # a dry run changes nothing
