"""`release-train init` on Python repositories: a uv workspace, one project, separate projects
under `packages/*`, and a Cargo workspace with a uv workspace beside it. Each time the written
configuration loads, lists the distributions, passes `verify` (with the notes file init writes)
and lets `bump major` run. A uv workspace gets a Python train publishing to PyPI, and with
--github a publish workflow that uses PyPI's trusted publishing (the job's OIDC token,
`id-token: write` on that job only) with release-train's build tools installed; a mixed
repository's Cargo publish workflow installs them too. The workflows pass the linters:
test_workflow_lint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.fixtures.files import write_files
from tests.fixtures.mixed_workspace import build_mixed
from tests.fixtures.python_dists import pyline_repo
from tests.fixtures.python_workspace import BACKEND_HATCH, build_pyrail

from release_train.cli import main
from release_train.config import load_settings
from release_train.infra.git import init_repo
from release_train.workspaces import load_workspace


def _repo(root: Path) -> Path:
    (root / "release-train.toml").unlink(missing_ok=True)
    (root / "RELEASES.md").unlink(missing_ok=True)
    git = init_repo(root)
    git.commit_all("Initial commit")
    return root


def _init(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["init", "-C", str(root)]) == 0
    out = capsys.readouterr().out
    init_repo(root).commit_all("release-train init")
    assert main(["verify", "-C", str(root)]) == 0, capsys.readouterr()
    capsys.readouterr()
    return out


def _packages(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    assert main(["packages", "--json", "-C", str(root)]) == 0
    return {p["name"]: p for p in json.loads(capsys.readouterr().out)["packages"]}


def test_a_uv_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(build_pyrail(tmp_path / "pyrail"))
    out = _init(root, capsys)
    assert "workspace: python at '.' (pyproject.toml has [tool.uv.workspace])" in out
    settings = load_settings(root)
    (entry,) = settings.workspaces
    assert (entry.kind, entry.path, entry.members) == ("python", ".", None)
    # the pinned ones (`==`) are internal, the ranged ones public
    assert "pyrail-proto" in entry.public and "pyrail-util" not in entry.public
    assert settings.publish.registry == "pypi"
    assert (root / "RELEASES.md").read_text().startswith("## ")
    listed = _packages(root, capsys)
    assert listed["pyrail-util"]["visibility"] == "internal"
    assert listed["pyrail-proto"]["visibility"] == "public"
    assert main(["bump", "major", "-C", str(root)]) == 0


def test_one_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "solo"
    write_files(
        root,
        {
            "pyproject.toml": BACKEND_HATCH + '\n[project]\nname = "solo"\ndynamic = ["version"]\n\n'
            '[tool.hatch.version]\npath = "src/solo/__init__.py"\n',
            "src/solo/__init__.py": '__version__ = "0.4.1"\n',
        },
    )
    out = _init(_repo(root), capsys)
    assert "workspace: python at '.' (pyproject.toml is one project)" in out
    settings = load_settings(root)
    assert settings.project.name == "solo"
    assert settings.workspaces[0].public == ["solo"]
    assert _packages(root, capsys)["solo"]["version"] == "0.4.1"
    assert main(["bump", "major", "-C", str(root)]) == 0
    assert (root / "src/solo/__init__.py").read_text() == '__version__ = "0.5.0"\n'


def test_packages_without_a_uv_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = BACKEND_HATCH + '\n[project]\nname = "{name}"\nversion = "2.3.0"\ndependencies = [{deps}]\n'
    root = write_files(
        tmp_path / "many",
        {
            "pyproject.toml": "[tool.ruff]\nline-length = 100\n",  # tool configuration only
            "packages/base/pyproject.toml": project.format(name="many-base", deps=""),
            "packages/base/src/many_base/__init__.py": "",
            "packages/io/pyproject.toml": project.format(name="many-io", deps='"many-base==2.3.0"'),
            "packages/io/src/many_io/__init__.py": "",
            "packages/app/pyproject.toml": project.format(
                name="many-app", deps='"many-io>=2.3.0,<3", "many-base==2.3.0"'
            ),
            "packages/app/src/many_app/__init__.py": "",
        },
    )
    out = _init(_repo(root), capsys)
    assert "(3 projects under packages/ (no uv workspace))" in out
    (entry,) = load_settings(root).workspaces
    assert entry.members == ["packages/*"]
    assert entry.public == ["many-app", "many-io"]
    assert list(_packages(root, capsys)) == ["many-base", "many-io", "many-app"]
    assert main(["bump", "major", "-C", str(root)]) == 0
    assert '"many-io>=3.0.0,<4", "many-base==3.0.0"' in (root / "packages/app/pyproject.toml").read_text()


def test_a_cargo_workspace_with_python_beside_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(build_mixed(tmp_path / "coach"))
    out = _init(root, capsys)
    assert "workspace: cargo at '.'" in out and "workspace: python at 'python'" in out
    settings = load_settings(root)
    cargo, python = settings.workspaces
    assert (cargo.kind, cargo.public) == ("cargo", ["coach-core"])
    assert (python.kind, python.path, python.public, python.registry) == (
        "python",
        "python",
        ["coach", "coach-cli"],
        "pypi",
    )
    assert settings.publish.registry == "crates-io"
    assert len(_packages(root, capsys)) == 6
    assert main(["bump", "major", "-C", str(root)]) == 0
    assert "coach-util==2.0.0" in (root / "python/packages/coach/pyproject.toml").read_text()


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


def test_init_github_on_a_mixed_repository_installs_the_python_tools(tmp_path: Path) -> None:
    root = _repo(build_mixed(tmp_path / "coach"))
    assert main(["init", "-C", str(root), "--github"]) == 0
    text = (root / ".github" / "workflows" / "release-train-publish.yml").read_text()
    steps = yaml.safe_load(text)["jobs"]["publish"]["steps"]
    install = next(s for s in steps if "RELEASE_TRAIN_INSTALL" in s.get("env", {}))
    assert install["env"]["RELEASE_TRAIN_INSTALL"].startswith("release-train[python]==")
    assert "id-token: write" in text and "CARGO_REGISTRY_TOKEN" in text  # crates.io's and PyPI's OIDC


API_CRATE = (
    '[package]\nname = "coach-api"\nversion = "1.5.0"\nedition = "2021"\nlicense = "MIT"\n'
    'description = "Coach: the stable API"\n\n'
    '[dependencies]\ncoach-core = { path = "../core", version = "0.5.0" }\n'
)
API_LOCK = '[[package]]\nname = "coach-api"\nversion = "1.5.0"\ndependencies = [\n "coach-core",\n]\n\n'


def test_a_rule_for_the_cargo_workspace_follows_its_own_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # wasm-tools' shape in the Cargo workspace of a mixed repository: coach-api at 1.5 while the
    # other packages are at 0.5, so a release moves it by minor ([[workspace.rule]]).
    root = build_mixed(tmp_path / "coach", "0.5.0")
    lock = (root / "Cargo.lock").read_text()
    at = lock.index("[[package]]")
    write_files(
        root,
        {
            "crates/api/Cargo.toml": API_CRATE,
            "crates/api/src/lib.rs": "pub fn couple() -> u32 {\n    coach_core::couple()\n}\n",
            "Cargo.lock": lock[:at] + API_LOCK + lock[at:],
        },
    )
    out = _init(_repo(root), capsys)
    assert "rule: coach-api move by minor" in out

    cargo, python = load_settings(root).workspaces
    assert [(rule.packages, rule.major) for rule in cargo.rule] == [(["coach-api"], "minor")]
    assert python.rule == ()
    listed = _packages(root, capsys)
    assert listed["coach-api"]["major"] == "minor" and listed["coach-core"]["major"] == "major"
    assert main(["bump", "major", "-C", str(root)]) == 0
    assert 'version = "1.6.0"' in (root / "crates/api/Cargo.toml").read_text()
    assert 'version = "0.6.0"' in (root / "Cargo.toml").read_text()
