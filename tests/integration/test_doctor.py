"""`release-train doctor` against the local forge and a local registry server, and against the
GitHub stand-in: what passes, what fails, and the fix line of each miss."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.fixtures.crates import fake_crate, publish_metadata
from tests.fixtures.mixed_workspace import CONFIG, build_mixed
from tests.fixtures.train import Train, build_train, github_workspace

from release_train.cli import main
from release_train.github_standin import GitHubStandIn
from release_train.registries.local_cargo.index import encode_publish_body
from release_train.registries.local_cargo.server import RegistryServer
from release_train.registries.local_pypi import PypiServer
from release_train.workspaces import load_workspace

TOKEN = "registry-token"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path / "registry", token=TOKEN) as server:
        yield server


def upload(server: RegistryServer, names: list[str]) -> None:
    with httpx.Client(trust_env=False, timeout=10) as http:
        for name in names:
            body = encode_publish_body(publish_metadata(name, "0.1.0"), fake_crate(name, "0.1.0"))
            response = http.put(
                f"{server.url}/api/v1/crates/new", content=body, headers={"Authorization": TOKEN}
            )
            assert response.status_code == 200, response.text


def publishable(train: Train) -> list[str]:
    return sorted(p.name for p in load_workspace(train.settings).publishable())


def doctor(
    train: Train, registry: RegistryServer, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    code = main(
        ["doctor", "-C", str(train.work.path), "--set", f'publish.index="{registry.index_url}"', *extra]
    )
    return code, capsys.readouterr().out


def test_everything_ready(
    tmp_path: Path,
    registry: RegistryServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    train = build_train(tmp_path, cuts=1)
    upload(registry, publishable(train))
    monkeypatch.setenv("CARGO_REGISTRY_TOKEN", TOKEN)

    code, out = doctor(train, registry, capsys)

    assert code == 0, out
    assert "ok    workspace: 5 of 6 packages published, train version 1.0.0 (release-train.toml)" in out
    assert "ok    forge: the local forge at" in out
    assert "ok    main branch: main exists on the forge" in out
    assert "ok    release branches: 1 match 'release-{version}', latest release-1.0.0" in out
    assert "ok    registry: sparse+http://127.0.0.1" in out
    assert "ok    registry credential: a registry token is set in CARGO_REGISTRY_TOKEN" in out
    # every check of verify, one line each
    assert (
        "ok    verify: the registry would take every package (description, license, readme): no problem"
        in out
    )
    assert (
        "ok    verify: the notes file RELEASES.md is in a shape the flows accept (as on main): no problem"
        in out
    )
    assert "fail" not in out.replace("0 failed", "")
    assert out.rstrip().endswith("15 ok, 0 warnings, 0 failed")


def test_misses_are_reported_with_fixes(
    tmp_path: Path, registry: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    train = build_train(tmp_path)  # no release branch yet
    names = publishable(train)
    upload(registry, names[1:])  # the first one is new

    code, out = doctor(train, registry, capsys, "--json")

    assert code == 1
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["release branches"]["status"] == "warn"
    assert "the first `release-train cut` creates one" in checks["release branches"]["fix"]
    new = checks["new packages"]
    assert new["status"] == "fail"
    assert new["message"] == f"1 not on the registry yet (their first publish creates them): {names[0]}"
    assert "a first publish needs an API token, not trusted publishing" in new["fix"]
    credential = checks["registry credential"]
    assert credential["status"] == "fail"
    assert "run `release-train init --github`" in credential["fix"]


def test_unreachable_forge_and_registry_fail_with_fixes(
    tmp_path: Path, registry: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    train = build_train(tmp_path)
    (train.work.path / ".github" / "workflows").mkdir(parents=True)
    (train.work.path / ".github" / "workflows" / "publish.yml").write_text(
        "steps:\n  - uses: rust-lang/crates-io-auth-action@v1\n"
    )
    index = registry.index_url
    registry.stop()

    code = main(
        [
            "doctor",
            "-C",
            str(train.work.path),
            "--set",
            f'publish.index="{index}"',
            "--set",
            f'forge.path="{tmp_path / "missing.git"}"',
        ]
    )
    out = capsys.readouterr().out

    assert code == 1
    assert "fail  forge: the local forge at" in out
    assert "fail  registry: the registry does not answer" in out
    assert (
        "ok    registry credential: trusted publishing through rust-lang/crates-io-auth-action in publish.yml"
        in out
    )
    lines = out.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("fail"):
            assert lines[n + 1].startswith("      fix: "), line


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(tmp_path / "github", "octo/railcar", token="ghs_defaultTOKEN") as server:
        yield server


def github_repo(tmp_path: Path, standin: GitHubStandIn) -> Path:
    git = github_workspace(tmp_path, standin)
    git.run("push", "--quiet", "origin", "main")
    return git.path


def test_github_default_token_warns_that_tags_will_not_trigger_workflows(
    tmp_path: Path,
    standin: GitHubStandIn,
    registry: RegistryServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = github_repo(tmp_path, standin)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_defaultTOKEN")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("CARGO_REGISTRY_TOKEN", TOKEN)

    code = main(["doctor", "-C", str(path), "--set", f'publish.index="{registry.index_url}"', "--json"])
    report = json.loads(capsys.readouterr().out)

    checks = {c["name"]: c for c in report["checks"]}
    assert checks["github token"]["message"] == "GITHUB_TOKEN holds a GitHub App installation token"
    assert checks["tag trigger"]["status"] == "warn"
    assert "start no workflow" in checks["tag trigger"]["message"]
    assert "RELEASE_TRAIN_TOKEN" in checks["tag trigger"]["fix"]
    assert checks["forge"]["status"] == "ok"
    assert checks["main branch"]["status"] == "ok"
    assert "ghs_defaultTOKEN" not in json.dumps(report)  # the token itself is never shown
    assert checks["new packages"]["status"] == "warn"  # all new, and a registry token is set
    assert code == 0  # warnings only


def test_github_wrong_or_missing_token_fails(
    tmp_path: Path,
    standin: GitHubStandIn,
    registry: RegistryServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = github_repo(tmp_path, standin)
    monkeypatch.setenv("RELEASE_TRAIN_TOKEN", "github_pat_wrong")

    code = main(["doctor", "-C", str(path), "--set", f'publish.index="{registry.index_url}"'])
    out = capsys.readouterr().out

    assert code == 1
    assert "ok    github token: RELEASE_TRAIN_TOKEN holds a fine-grained personal access token" in out
    assert "fail  forge: the github forge at" in out  # the stand-in refuses the wrong token
    assert "github_pat_wrong" not in out

    monkeypatch.delenv("RELEASE_TRAIN_TOKEN")
    assert main(["doctor", "-C", str(path), "--set", f'publish.index="{registry.index_url}"']) == 1
    out = capsys.readouterr().out
    assert "fail  github token: no token: none of RELEASE_TRAIN_TOKEN, GITHUB_TOKEN is set" in out
    assert "      fix: create a fine-grained token" in out


@pytest.mark.parametrize(
    ("setting", "status", "said"),
    [
        ("BLANK", "warn", "loses the release marker"),
        ("PR_BODY", "ok", "PR description, whose last line is the marker"),
        ("COMMIT_MESSAGES", "ok", "commit messages, marker line included"),
    ],
)
def test_github_merge_settings_say_what_a_web_ui_merge_keeps(
    tmp_path: Path,
    standin: GitHubStandIn,
    registry: RegistryServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    status: str,
    said: str,
) -> None:
    path = github_repo(tmp_path, standin)
    monkeypatch.setenv("RELEASE_TRAIN_TOKEN", "ghs_defaultTOKEN")
    standin.configure(squash_merge_commit_message=setting)

    main(["doctor", "-C", str(path), "--set", f'publish.index="{registry.index_url}"', "--json"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}

    assert checks["merge settings"]["status"] == status
    assert said in checks["merge settings"]["message"]
    if status == "warn":
        fix = checks["merge settings"]["fix"]
        assert "squash_merge_commit_message=PR_BODY" in fix and "release-train pr merge" in fix
        assert "repos/octo/railcar" in fix


def test_merge_settings_the_token_cannot_see_are_a_warning() -> None:
    from release_train.flows.setup.doctor_merge import judge

    check = judge({}, "octo/railcar")
    assert (check.status, "push access" in check.message) == ("warn", True)
    assert "Default commit message" in check.fix


def mixed_repository(tmp_path: Path, crates: RegistryServer, index: PypiServer) -> Path:
    """The Coach repository (a Cargo and a Python workspace), each published to a local registry."""
    config = CONFIG.replace(
        "\n[[workspace]]",
        f'\n[publish]\nregistry = "local"\nindex = "{crates.index_url}"\n\n[[workspace]]',
        1,
    )
    config += f'registry = "local"\nindex = "{index.index_url}"\n'
    source = build_mixed(tmp_path / "coach", config=config)
    return build_train(tmp_path, workspace=source).work.path


def test_the_registry_of_every_workspace_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CARGO_REGISTRY_TOKEN", "PYPI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with RegistryServer(tmp_path / "crates") as crates, PypiServer(tmp_path / "index") as index:
        work = mixed_repository(tmp_path, crates, index)
        cargo, python = "(cargo workspace at '.')", "(python workspace at 'python')"

        monkeypatch.setenv("CARGO_REGISTRY_TOKEN", TOKEN)
        assert main(["doctor", "-C", str(work)]) == 1
        out = capsys.readouterr().out
        assert f"ok    registry {cargo}: {crates.index_url} answers; 0 packages there" in out
        assert f"ok    registry {python}: {index.index_url} answers; 0 packages there" in out
        assert f"ok    registry credential {cargo}: a registry token is set in CARGO_REGISTRY_TOKEN" in out
        lines = out.splitlines()
        missing = lines.index(
            f"fail  registry credential {python}: no registry token (PYPI_TOKEN is not set) and no "
            "workflow uses trusted publishing"
        )
        assert "set PYPI_TOKEN" in lines[missing + 1] and lines[missing + 1].startswith("      fix: ")
        new = next(line for line in lines if line.startswith(f"fail  new packages {python}"))
        assert new.endswith(
            "3 not on the registry yet (their first publish creates them): coach-cli, coach, coach-util"
        )

        monkeypatch.setenv("PYPI_TOKEN", "pypi-token")
        assert main(["doctor", "-C", str(work)]) == 0, capsys.readouterr().out
        out = capsys.readouterr().out
        assert f"ok    registry credential {python}: a registry token is set in PYPI_TOKEN" in out
        assert f"warn  new packages {python}" in out and f"warn  new packages {cargo}" in out


def test_trusted_publishing_of_each_registry_is_found_in_the_workflows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from release_train.flows.setup import init_workflows

    for name in ("CARGO_REGISTRY_TOKEN", "PYPI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with RegistryServer(tmp_path / "crates") as crates, PypiServer(tmp_path / "index") as index:
        work = mixed_repository(tmp_path, crates, index)
        # the workflows `init --github` writes for a mixed repository
        for path, text in init_workflows.plan(work, python_extra=True).files:
            (work / path).parent.mkdir(parents=True, exist_ok=True)
            (work / path).write_text(text)

        main(["doctor", "-C", str(work), "--json"])
        checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}

    cargo = checks["registry credential (cargo workspace at '.')"]
    python = checks["registry credential (python workspace at 'python')"]
    assert (cargo["status"], python["status"]) == ("ok", "ok")
    assert cargo["message"] == (
        "trusted publishing through rust-lang/crates-io-auth-action in release-train-publish.yml"
    )
    assert python["message"] == (
        "trusted publishing (the job's OIDC identity, id-token: write) in release-train-publish.yml"
    )
    # crates.io creates no crate by trusted publishing; PyPI does, once a pending publisher is added
    assert checks["new packages (cargo workspace at '.')"]["status"] == "fail"
    new_python = checks["new packages (python workspace at 'python')"]
    assert new_python["status"] == "warn" and "pending publisher" in new_python["fix"]
