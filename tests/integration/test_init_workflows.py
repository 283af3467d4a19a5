"""`init --github`: workflows that are safe as written (the tool pinned to the version that wrote
them, actions pinned to commits, no credentials kept, per-job permissions, a gated workflow_run,
held releases looked at again), the CI they wait for found among the repository's workflows, and
the repository's own release workflows pointed out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.fixtures.github_repos import wasm_tools_shaped, wit_bindgen_shaped
from tests.integration.test_init import demo_repo

import release_train
from release_train.cli import main
from release_train.config import load_settings
from release_train.infra import proc

PINNED = re.compile(r"^\s*- uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")
FORK = "git+https://github.com/example/release-train@" + "a" * 40


def _init(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, dict[str, Any]]:
    assert main(["init", "-C", str(root), "--github", *args]) == 0
    out = capsys.readouterr().out
    directory = root / ".github" / "workflows"
    flows = {p.name: yaml.safe_load(p.read_text()) for p in directory.glob("release-train*.yml")}
    return out, flows


def _on(workflow: dict[Any, Any]) -> dict[str, Any]:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert isinstance(triggers, dict)
    return triggers


def _steps(flows: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for flow in flows.values() for job in flow["jobs"].values() for step in job["steps"]]


def test_every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)
    _, flows = _init(root, capsys)
    for path in (root / ".github" / "workflows").glob("release-train*.yml"):
        uses = [
            line
            for line in path.read_text().splitlines()
            if "uses:" in line and "#" not in line.split("uses:")[0]
        ]
        assert uses, path
        for line in uses:
            assert PINNED.match(line), f"{path.name}: {line.strip()}"
    lines = [
        line for p in (root / ".github" / "workflows").glob("*.yml") for line in p.read_text().splitlines()
    ]
    actions = {match[1] for match in map(PINNED.match, lines) if match}
    assert actions == {"actions/checkout", "actions/setup-python", "rust-lang/crates-io-auth-action"}
    checkouts = [s for s in _steps(flows) if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 3
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_the_tool_is_pinned_to_the_version_that_wrote_the_workflows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)
    out, flows = _init(root, capsys)
    assert f"workflows install release-train=={release_train.__version__}" in out
    installs = [s for s in _steps(flows) if "pip install" in s.get("run", "")]
    assert len(installs) == 3
    for step in installs:
        assert step["run"] == 'python -m pip install "$RELEASE_TRAIN_INSTALL"'
        assert step["env"]["RELEASE_TRAIN_INSTALL"] == f"release-train=={release_train.__version__}"
    text = "\n".join(p.read_text() for p in (root / ".github" / "workflows").iterdir())
    assert "pip install release-train\n" not in text


def test_an_install_spec_for_forks_is_used_and_kept_in_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)
    _, flows = _init(root, capsys, "--install", FORK)
    assert {
        s["env"]["RELEASE_TRAIN_INSTALL"] for s in _steps(flows) if "pip install" in s.get("run", "")
    } == {FORK}
    assert load_settings(root).github.install == FORK
    assert load_settings(root).sources["github.install"] == "release-train.toml"

    # Written again (--force), the configured spec stays without repeating the flag.
    _, flows = _init(root, capsys, "--force")
    assert {
        s["env"]["RELEASE_TRAIN_INSTALL"] for s in _steps(flows) if "pip install" in s.get("run", "")
    } == {FORK}


@pytest.mark.parametrize(
    "spec", ["--index-url=https://evil.example/simple", "requests==2.0", "release-train==1.0 ; x"]
)
def test_an_install_spec_that_is_not_release_train_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    root = demo_repo(tmp_path)
    assert main(["init", "-C", str(root), "--github", f"--install={spec}"]) == 2
    err = capsys.readouterr().err
    assert "is not a release-train requirement" in err
    assert "hint: give release-train==X.Y.Z" in err
    assert not (root / ".github").exists()
    assert not (root / "release-train.toml").exists()


def test_permissions_are_per_job_and_none_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)
    _, flows = _init(root, capsys)
    for name, flow in flows.items():
        assert flow["permissions"] == {}, name
        for job in flow["jobs"].values():
            assert job.get("permissions"), name
    assert flows["release-train.yml"]["jobs"]["release-process"]["permissions"] == {"contents": "read"}
    assert flows["release-train-tag.yml"]["jobs"]["tag"]["permissions"] == {"contents": "read"}
    assert flows["release-train-publish.yml"]["jobs"]["publish"]["permissions"] == {
        "contents": "write",
        "id-token": "write",
    }


def test_the_tag_job_accepts_only_this_repositorys_ci_for_pushes_and_retries_held_releases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)
    _, flows = _init(root, capsys, "--ci-workflow", "Tests")
    tag = flows["release-train-tag.yml"]
    on = _on(tag)
    assert on["workflow_run"] == {
        "workflows": ["Tests"],
        "types": ["completed"],
        "branches": ["main", "release-*"],
    }
    assert on["check_suite"] == {"types": ["completed"]}
    assert "status" in on
    assert [c["cron"] for c in on["schedule"]] == ["17 * * * *"]
    gate = " ".join(tag["jobs"]["tag"]["if"].split())
    for condition in (
        "github.event.workflow_run.head_repository.full_name == github.repository",
        "github.event.workflow_run.event == 'push'",
        "github.event.workflow_run.conclusion == 'success'",
        "(github.event.workflow_run.head_branch == 'main' || startsWith(github.event.workflow_run.head_branch, 'release-'))",
    ):
        assert condition in gate
    steps = tag["jobs"]["tag"]["steps"]
    assert steps[0]["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"
    ranged = next(s for s in steps if "--range" in s.get("run", ""))
    assert ranged["if"] == "github.event_name == 'workflow_run'"
    assert "${{" not in ranged["run"]  # event values reach the script through env only
    held = steps[-1]
    assert held["run"] == "release-train tag --held"
    assert "if" not in held  # after every accepted event


def test_the_git_credential_helper_answers_with_the_steps_token_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)
    _, flows = _init(root, capsys)
    helpers = [
        s for s in _steps(flows) if s.get("name") == "Let git read this repository with the release token"
    ]
    assert len(helpers) == 3 and len({s["run"] for s in helpers}) == 1
    assert "${{" not in helpers[0]["run"]
    proc.run(["bash", "-c", helpers[0]["run"]], env={"SERVER": "https://github.com"})  # HOME is the test's

    def fill(**env: str) -> str:
        asked = "protocol=https\nhost=github.com\n\n"
        return proc.run(
            ["git", "credential", "fill"], input=asked, env={"GIT_TERMINAL_PROMPT": "0", **env}
        ).stdout

    assert "password=tok-1\n" in fill(RELEASE_TRAIN_TOKEN="tok-1", GITHUB_TOKEN="tok-2")
    assert "password=tok-2\n" in fill(GITHUB_TOKEN="tok-2")
    gitconfig = (Path.home() / ".gitconfig").read_text()
    assert "tok-" not in gitconfig  # the helper holds no secret


def test_a_wasm_tools_shaped_repository_ci_found_and_its_release_workflows_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = wasm_tools_shaped(tmp_path / "wasm-tools")
    out, flows = _init(root, capsys)
    assert _on(flows["release-train-tag.yml"])["workflow_run"]["workflows"] == ["CI"]
    assert (
        "the tag job waits for: CI\n    CI (.github/workflows/main.yml): on pull_request, merge_group, push; runs `cargo test`"
        in out
    )
    assert "Build playground" not in out  # builds pages, runs no tests, releases nothing
    # It releases from main (no release branches): CI runs for pushes to release-* only (main goes
    # through the merge queue), so nothing tags main until CI runs for its pushes too.
    assert "  train: no release branches, every release a PR to main\n" in out
    assert "; not chosen: no run for pushes to the main branch" in out
    assert "so the tag job would never run: add `push: branches: ['main']` to one" in out
    process = _on(flows["release-train.yml"])
    assert process["workflow_dispatch"]["inputs"]["bump"]["options"] == ["major", "minor", "patch"]
    assert "warning: .github/workflows/main.yml (CI) already releases on its own" in out
    assert "warning: .github/workflows/publish.yml (Publish Artifacts) already releases on its own" in out
    assert ".github/actions/publish-release/action.yml:" in out
    for what in ("gh release", "rust-lang/crates-io-auth-action", "a publish script (publish publish)"):
        assert f": {what} (through .github/workflows/publish.yml:" in out
    assert (
        "warning: .github/workflows/release-process.yml (Automated Release Process) already releases" in out
    )
    assert "the release marker [automatically-tag-and-release-this-commit]" in out
    assert "./publish verify" not in out and "main.yml:1" not in out  # a dry run is not a release


def test_a_wit_bindgen_shaped_repository_whose_ci_never_runs_on_push(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = wit_bindgen_shaped(tmp_path / "wit-bindgen")
    out, flows = _init(root, capsys)
    assert _on(flows["release-train-tag.yml"])["workflow_run"]["workflows"] == ["CI"]
    assert "not chosen: no run for pushes to the main branch" in out
    assert "so the tag job would never run: add `push: branches: ['main']` to one" in out
    assert "warning: .github/workflows/main.yml" not in out  # its CI releases nothing
    for what in ("gh release", "rust-lang/crates-io-auth-action", "a publish script (publish publish)"):
        assert re.search(rf"\.github/workflows/publish\.yml:\d+: {re.escape(what)}\n", out), what


def test_ci_workflow_override_and_a_name_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = wasm_tools_shaped(tmp_path / "wasm-tools")
    out, flows = _init(root, capsys, "--ci-workflow", "CI", "--ci-workflow", "Nightly")
    assert _on(flows["release-train-tag.yml"])["workflow_run"]["workflows"] == ["CI", "Nightly"]
    assert "named with --ci-workflow" in out
    assert "warning: --ci-workflow 'Nightly': no workflow in .github/workflows has that name" in out
    assert "--ci-workflow 'CI'" not in out


def test_a_workflow_name_with_a_quote_stays_one_yaml_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)
    _, flows = _init(root, capsys, "--ci-workflow", "Bob's CI: all")
    assert _on(flows["release-train-tag.yml"])["workflow_run"]["workflows"] == ["Bob's CI: all"]


def test_a_broken_existing_workflow_is_named_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = demo_repo(tmp_path)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("name: CI\non: [push\n")
    assert main(["init", "-C", str(root), "--github"]) == 4
    err = capsys.readouterr().err
    assert "error: .github/workflows/ci.yml:3: not valid YAML: expected ',' or ']'" in err
    assert "hint: fix the workflow" in err
    assert not (root / "release-train.toml").exists()


def test_json_says_what_was_chosen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    root = wit_bindgen_shaped(tmp_path / "wit-bindgen")
    assert main(["init", "-C", str(root), "--github", "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    workflows = report["workflows"]
    assert workflows["install"] == f"release-train=={release_train.__version__}"
    assert workflows["ci"]["names"] == ["CI"]
    assert "so the tag job would never run" in workflows["ci"]["warnings"][0]
    assert [w.split(" ")[0] for w in workflows["release_warnings"]] == [
        ".github/workflows/publish.yml",
        ".github/workflows/release-process.yml",
    ]
    assert not (root / "release-train.toml").exists()
