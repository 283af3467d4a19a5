"""`release-train init` on real repositories: the generated config loads and drives `packages`; the
generated GitHub Actions workflows parse and say what a release day needs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.fixtures.train import DEMO

from release_train.cli import main
from release_train.config import load_settings
from release_train.infra.git import init_repo


def demo_repo(tmp_path: Path, remote: str | None = "git@github.com:acme/railcar.git") -> Path:
    root = tmp_path / "railcar"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("target", "release-train.toml"))
    git = init_repo(root)
    if remote is not None:
        git.run("remote", "add", "origin", remote)
    return root


def test_init_writes_a_config_that_loads_and_lists_packages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)

    assert main(["init", "-C", str(root)]) == 0
    assert "write release-train.toml" in capsys.readouterr().out

    settings = load_settings(root)
    assert settings.config_file == root / "release-train.toml"
    assert settings.project.name == "railcar"  # the repository's name, as written
    assert settings.project.repository == "acme/railcar"
    assert settings.project.version_from == ""  # [workspace.package] version
    assert settings.workspaces[0].public == ["railcar", "railcar-core", "coupler-*"]
    assert settings.forge.kind == "github"
    assert settings.schedule.cut == "0 0 5 * *"
    assert not (root / ".github").exists()

    assert main(["packages", "-C", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["train_version"] == "1.0.0"
    assert {p["name"] for p in listed["packages"]} >= {"railcar", "railcar-core", "coupler-core"}


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = demo_repo(tmp_path)
    (root / "release-train.toml").write_text("# mine\n")

    assert main(["init", "-C", str(root), "--github"]) == 6
    err = capsys.readouterr().err
    assert "error: release-train.toml already exists" in err
    assert "hint: pass --force to overwrite" in err
    assert (root / "release-train.toml").read_text() == "# mine\n"
    assert not (root / ".github").exists()  # all or nothing

    assert main(["init", "-C", str(root), "--github", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run: nothing will be written")
    assert "--- .github/workflows/release-train-publish.yml" in out
    assert (root / "release-train.toml").read_text() == "# mine\n"

    assert main(["init", "-C", str(root), "--github", "--force"]) == 0
    assert load_settings(root).project.name == "railcar"
    assert sorted(p.name for p in (root / ".github" / "workflows").iterdir()) == [
        "release-train-publish.yml",
        "release-train-tag.yml",
        "release-train.yml",
    ]


def test_init_without_workspace_version_takes_the_top_package_and_local_origin(tmp_path: Path) -> None:
    bare = tmp_path / "origin.git"
    init_repo(bare, bare=True)
    root = tmp_path / "tool"
    (root / "crates" / "core").mkdir(parents=True)
    (root / "crates" / "cli").mkdir(parents=True)
    (root / "crates" / "util").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n')
    (root / "crates" / "util" / "Cargo.toml").write_text('[package]\nname = "tool-util"\nversion = "3.0.0"\n')
    (root / "crates" / "core" / "Cargo.toml").write_text(
        '[package]\nname = "tool-core"\nversion = "3.0.0"\n\n[dependencies]\n'
        'tool-util = { path = "../util", version = "=3.0.0" }\n'
    )
    (root / "crates" / "cli" / "Cargo.toml").write_text(
        '[package]\nname = "tool-cli"\nversion = "3.0.0"\n\n[dependencies]\n'
        'tool-core = { path = "../core", version = "3.0.0" }\n'
    )
    for crate in ("util", "core", "cli"):
        (root / "crates" / crate / "src").mkdir()
        (root / "crates" / crate / "src" / "lib.rs").write_text("")
    init_repo(root).run("remote", "add", "origin", str(bare))

    assert main(["init", "-C", str(root)]) == 0

    settings = load_settings(root)
    assert settings.project.version_from == "tool-cli"
    assert settings.project.name == "tool"  # no repository, no root package: the directory
    assert settings.workspaces[0].public == ["tool-cli", "tool-core"]  # tool-util is pinned exactly
    assert (settings.forge.kind, settings.forge.path) == ("local", "../origin.git")
    assert main(["packages", "-C", str(root)]) == 0
    # no notes file: RELEASES.md from the bundled template, for the train's version
    notes = (root / "RELEASES.md").read_text()
    assert notes.startswith("## 3.0.0\n\nUnreleased.\n")
    assert notes.rstrip().endswith("<!-- ARCHIVE_START -->")
    assert "previous releases of tool can be found" in notes


def test_init_outside_a_workspace_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "-C", str(tmp_path)]) == 6
    err = capsys.readouterr().err
    assert "no Cargo workspace and no Python project at" in err
    assert "hint: run init at the root of a Cargo workspace" in err and "or of a Python repository" in err


def _workflows(tmp_path: Path) -> tuple[Path, dict[str, dict[Any, Any]]]:
    root = demo_repo(tmp_path)
    assert main(["init", "-C", str(root), "--github", "--ci-workflow", "Tests"]) == 0
    directory = root / ".github" / "workflows"
    return directory, {p.name: yaml.safe_load(p.read_text()) for p in directory.iterdir()}


def _on(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict)
    return triggers


def test_release_process_workflow(tmp_path: Path) -> None:
    _, flows = _workflows(tmp_path)
    process = flows["release-train.yml"]
    on = _on(process)
    assert [c["cron"] for c in on["schedule"]] == ["0 0 5 * *", "0 0 20 * *"]
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["action"]["type"] == "choice"
    assert inputs["action"]["options"] == ["cut", "release-latest", "release-rc", "release-patch"]
    assert inputs["branch"]["type"] == "string"
    assert process["concurrency"]["cancel-in-progress"] is False
    steps = process["jobs"]["release-process"]["steps"]
    assert steps[0]["with"]["persist-credentials"] is False
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "release-train tick" in runs
    assert 'release-train release-patch --branch "$BRANCH"' in runs
    assert "${{ inputs" not in runs  # inputs reach the script through env, never pasted in


def test_tag_workflow_runs_after_ci_with_a_token_that_triggers_workflows(tmp_path: Path) -> None:
    directory, flows = _workflows(tmp_path)
    tag = flows["release-train-tag.yml"]
    run = _on(tag)["workflow_run"]
    assert run == {"workflows": ["Tests"], "types": ["completed"], "branches": ["main", "release-*"]}
    job = tag["jobs"]["tag"]
    assert "github.event.workflow_run.conclusion == 'success'" in job["if"]
    ranged = next(s for s in job["steps"] if "release-train tag --range" in s.get("run", ""))
    assert ranged["env"]["RELEASE_TRAIN_TOKEN"] == "${{ secrets.RELEASE_TRAIN_TOKEN }}"
    assert tag["concurrency"]["cancel-in-progress"] is False
    text = (directory / "release-train-tag.yml").read_text()
    assert "secrets.GITHUB_TOKEN" not in text
    assert "a tag created\n      # with GITHUB_TOKEN starts no workflow" in text  # the comment saying why


def test_publish_workflow_uses_trusted_publishing(tmp_path: Path) -> None:
    _, flows = _workflows(tmp_path)
    publish = flows["release-train-publish.yml"]
    assert _on(publish) == {"push": {"tags": ["v*"]}}
    job = publish["jobs"]["publish"]
    assert job["permissions"] == {"contents": "write", "id-token": "write"}
    uses = [s.get("uses", "").partition("@")[0] for s in job["steps"]]
    auth = uses.index("rust-lang/crates-io-auth-action")
    final = job["steps"][-1]
    assert job["steps"][auth]["id"] == "auth"
    assert final["run"] == 'release-train publish --tag "$TAG"'
    assert final["env"]["CARGO_REGISTRY_TOKEN"] == "${{ steps.auth.outputs.token }}"
    assert job["steps"].index(final) > auth
    assert publish["concurrency"]["cancel-in-progress"] is False


def test_init_names_the_project_after_the_root_package_without_a_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "checkout"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text(
        '[package]\nname = "mytool"\nversion = "0.4.0"\nedition = "2021"\n\n[workspace]\n'
    )
    (root / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [0.3.0] - 2026-01-02\n\n- First.\n"
    )
    git = init_repo(root, branch="develop")
    git.commit_all("mytool")

    assert main(["init", "-C", str(root), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "release-train init in" in out and ": mytool 0.4.0, forge local" in out
    assert "  development branch: develop\n  notes: CHANGELOG.md (Keep a Changelog)\n" in out
    assert "write RELEASES.md" not in out
    assert not (root / "release-train.toml").exists()
    assert main(["init", "-C", str(root)]) == 0
    settings = load_settings(root)
    assert (settings.project.name, settings.branches.main, settings.release.notes) == (
        "mytool",
        "develop",
        "CHANGELOG.md",
    )
