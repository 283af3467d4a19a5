"""`init` on a Python repository (a uv workspace): a configuration that loads as a Python train
publishing to PyPI, and with --github a publish workflow that uses PyPI's trusted publishing (the
job's OIDC token, `id-token: write` on that job only) with release-train's build tools installed.
The workflows pass the linters: test_workflow_lint."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.fixtures.python_dists import pyline_repo

from release_train.cli import main
from release_train.config import load_settings
from release_train.workspaces import load_workspace


def test_init_on_a_uv_workspace_writes_a_python_train_publishing_to_pypi(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = pyline_repo(tmp_path / "pyline")
    assert main(["init", "-C", str(root)]) == 0
    out = capsys.readouterr().out
    assert "pyline 1.0.0, forge github" in out
    assert "public: pyline-a" in out  # the others are pinned (pyline-b==1.0.0 ...): internal

    settings = load_settings(root)
    assert settings.project.repository == "acme/pyline"
    assert [w.kind for w in settings.workspaces] == ["python"]
    assert settings.publish.registry == "pypi" and settings.registry_token_env == "PYPI_TOKEN"
    ws = load_workspace(settings)
    assert str(ws.train_version) == "1.0.0"
    assert [p.name for p in ws.publish_order()] == [
        "pyline-e",
        "pyline-d",
        "pyline-c",
        "pyline-b",
        "pyline-a",
    ]
    assert (root / "RELEASES.md").read_text().startswith("## 1.0.0\n")


def test_init_github_on_a_python_workspace_publishes_by_trusted_publishing(tmp_path: Path) -> None:
    root = pyline_repo(tmp_path / "pyline")
    assert main(["init", "-C", str(root), "--github"]) == 0
    workflows = root / ".github" / "workflows"
    permissions = {}
    for path in sorted(workflows.glob("release-train*.yml")):
        doc = yaml.safe_load(path.read_text())
        assert doc["permissions"] == {}
        for name, job in doc["jobs"].items():
            permissions[f"{path.name}:{name}"] = job.get("permissions", {})
    with_id_token = [job for job, granted in permissions.items() if "id-token" in granted]
    assert with_id_token == ["release-train-publish.yml:publish"]
    assert permissions["release-train-publish.yml:publish"] == {"contents": "write", "id-token": "write"}

    text = (workflows / "release-train-publish.yml").read_text()
    steps = yaml.safe_load(text)["jobs"]["publish"]["steps"]
    install = next(s for s in steps if "RELEASE_TRAIN_INSTALL" in s.get("env", {}))
    assert install["env"]["RELEASE_TRAIN_INSTALL"].startswith("release-train[python]==")
    publish = steps[-1]
    assert publish["run"] == 'release-train publish --tag "$TAG"'
    assert "PYPI_TOKEN" not in publish["env"]  # no stored secret: the OIDC exchange mints one
    assert "crates-io" not in text and "CARGO_REGISTRY_TOKEN" not in text


def test_init_on_a_python_project_with_a_fork_install_keeps_the_extra(tmp_path: Path) -> None:
    root = pyline_repo(tmp_path / "pyline")
    fork = "git+https://github.com/example/release-train@" + "c" * 40
    assert main(["init", "-C", str(root), "--github", "--install", fork]) == 0
    text = (root / ".github" / "workflows" / "release-train-publish.yml").read_text()
    assert f"RELEASE_TRAIN_INSTALL: 'release-train[python] @ {fork}'" in text
