"""`init` recognises a train without release branches (the wasm-tools shape) from the
repository's history and workflows, and proposes its configuration: `[release] branches = false`,
the root package's version as the train's (its tags), `[[workspace.rule]] major = "minor"` for
the API-stable packages, notes pending for the next release; and says why. A repository whose
newest release commit is on a release branch keeps the branch train."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.fixtures.shapes import build_wasm_tools_like

from release_train.cli import main
from release_train.config import load_settings
from release_train.forges.local import LocalForge
from release_train.infra.git import Git, init_repo

MARKER = "[automatically-tag-and-release-this-commit]"


def commit(git: Git, message: str, when: str) -> None:
    stamp = f"{when}T12:00:00+00:00"
    git.run("add", "--all")
    git.run(
        "commit", "--quiet", "--allow-empty", "--file=-", input=message,
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
    )  # fmt: skip


def released_at(git: Git, root: Path, n: int, patch: int, when: str) -> None:
    """The workspace moved to release 1.n.patch by a release commit carrying the marker."""
    scratch = root.parent / f"scratch-{n}.{patch}"
    build_wasm_tools_like(scratch, n, patch)
    for path in scratch.rglob("*"):
        if path.is_file() and path.name != "release-train.toml":
            target = root / path.relative_to(scratch)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    commit(git, f"Release wasm-tools 1.{n}.{patch} (#{n})\n\n{MARKER}\n", when)


def history(tmp_path: Path, *, newest_on_branch: bool) -> tuple[Path, Git]:
    """A wasm-tools-shaped repository pushed to a local forge: an old release branch
    `release-1.200.0` with its release commit, and releases on main; `newest_on_branch` puts a
    newer release commit on the branch than any on main (the branch train)."""
    root = tmp_path / "wasm-tools"
    build_wasm_tools_like(root, 255)
    (root / "release-train.toml").unlink()
    git = init_repo(root)
    commit(git, "Initial import", "2026-01-01")
    git.run("branch", "release-1.200.0")
    git.checkout("release-1.200.0")
    commit(
        git, f"Release wasm-tools 1.200.0\n\n{MARKER}\n", "2026-09-01" if newest_on_branch else "2026-02-01"
    )
    git.checkout("main")
    released_at(git, root, 256, 0, "2026-07-01")
    released_at(git, root, 257, 1, "2026-08-19")
    bare = tmp_path / "origin.git"
    LocalForge.init(bare)
    git.run("remote", "add", "origin", str(bare))
    git.run("push", "--quiet", "origin", "main", "release-1.200.0")
    git.run("fetch", "--quiet", "origin")
    return root, git


def init(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["init", "-C", str(root), *args]) == 0
    return capsys.readouterr().out


def test_releases_on_main_make_a_train_without_release_branches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, git = history(tmp_path, newest_on_branch=False)
    git.run("tag", "v1.257.1")

    out = init(root, capsys)

    assert "  train: no release branches, every release a PR to main\n" in out
    assert "    the newest release commit is on main: " in out
    assert "    older release commits are on 1 branch(es) release-*: no longer used\n" in out
    assert "Release wasm-tools 1.257.1 (#257)\n" in out
    assert "  rule: wasm-tools, wat move by minor\n" in out
    assert (
        "    wasm-tools, wat are at 1.257 while the other packages are at 0.257.x and 257.0.x: a release moves "
        "them by minor while the others take a breaking bump\n"
    ) in out
    settings = load_settings(root)
    assert settings.release.branches is False
    assert settings.schedule.release_bump == "major"
    assert settings.project.version_from == "wasm-tools"  # its version is the one tagged: v1.257.1
    (rule,) = settings.workspaces[0].rule
    assert (rule.packages, rule.major) == (["wasm-tools", "wat"], "minor")
    assert (root / "RELEASES.md").read_text() == (
        "## 1.258.0\n\nUnreleased.\n\n### Added\n\n### Changed\n\n### Fixed\n\n" + "-" * 80 + "\n"
    )
    config = (root / "release-train.toml").read_text()
    assert "cut =" not in config  # nothing to cut
    assert 'release-bump = "major"' in config

    # the result drives the train: verify passes and the release plan is the next release
    commit(git, "Adopt release-train", "2026-08-20")
    git.run("push", "--quiet", "origin", "main")
    assert main(["verify", "-C", str(root)]) == 0, capsys.readouterr().out
    capsys.readouterr()
    assert main(["release", "--dry-run", "-C", str(root), "--now", "2026-09-01"]) == 0
    planned = capsys.readouterr().out
    assert "major release wasm-tools 1.258.0 on main (from 1.257.1), dated 2026-09-01" in planned
    assert "version wat, wasm-tools (rule: minor): 1.257.1 -> 1.258.0" in planned


def test_a_newer_release_on_a_release_branch_keeps_the_branch_train(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = history(tmp_path, newest_on_branch=True)
    out = init(root, capsys)
    assert "  train: release branches\n" in out
    assert "    the newest release commit is on a release branch: " in out
    settings = load_settings(root)
    assert settings.release.branches is True
    assert settings.project.version_from == ""  # [workspace.package] version, as before
    assert "branches = false" not in (root / "release-train.toml").read_text()


def test_without_history_a_publish_script_and_no_release_branch_is_enough(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    build_wasm_tools_like(root, 12)
    (root / "release-train.toml").unlink()
    (root / "ci").mkdir()
    (root / "ci" / "publish.rs").write_text("fn main() {}\n")
    init_repo(root)
    out = init(root, capsys, "--dry-run")
    assert (
        "no release branch release-*; releases are published from main: a publish script ci/publish.rs" in out
    )
    (root / "ci" / "publish.rs").unlink()
    out = init(root, capsys, "--dry-run")
    assert "  train: release branches\n    no release process found" in out


def test_a_broken_workflow_does_not_stop_a_plain_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    build_wasm_tools_like(root, 12)
    (root / "release-train.toml").unlink()
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("name: CI\non: [push\n")
    init_repo(root)
    assert "  train: release branches\n" in init(root, capsys, "--dry-run")
    assert main(["init", "-C", str(root), "--github", "--dry-run"]) == 4  # --github reads it, and says
    assert ".github/workflows/ci.yml:3: not valid YAML" in capsys.readouterr().err
