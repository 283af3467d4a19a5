"""The semver gate of release-patch, with a stand-in `cargo-semver-checks` on PATH that follows
the real tool's command line and exit codes: blocking, overridden, passing, failing to run, and
the plain message when the tool is absent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.fixtures.fake_semver_checks import FakeSemverChecks, install
from tests.fixtures.lines_scenario import NOW, add_notes, lines_train, train_args
from tests.fixtures.train import Train

from release_train.cli import main
from release_train.errors import RefusedError

BRANCH = "release-13.0.0"
PUBLIC = ["coupler-core", "coupler-frontend", "railcar", "railcar-core"]


@pytest.fixture
def train(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Train:
    train = lines_train(tmp_path, tmp_path_factory)
    add_notes(train, BRANCH, "13.0.1", "Trim the coupling tag.")
    return train


@pytest.fixture
def tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSemverChecks:
    fake = install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{fake.bin_dir}{os.pathsep}{os.environ['PATH']}")
    return fake


def _patch(train: Train, *extra: str) -> int:
    return main(["release-patch", "--branch", BRANCH, *train_args(train), "--now", NOW, *extra])


def test_a_break_blocks_the_patch_pr_and_nothing_is_pushed(
    train: Train, tool: FakeSemverChecks, capsys: pytest.CaptureFixture[str]
) -> None:
    tool.verdict(100)
    capsys.readouterr()
    assert _patch(train) == RefusedError.exit_code
    err = capsys.readouterr().err
    assert f"error: {BRANCH}: cargo-semver-checks found semver-breaking changes against v13.0.0" in err
    assert "function_missing: pub fn removed or renamed" in err
    assert "--allow-breaking" in err
    assert train.sha("ci/bump-to-13.0.1") is None
    assert [pr for pr in train.forge.list_prs(state=None) if pr.base == BRANCH and pr.state == "open"] == []
    (call,) = tool.calls()
    assert call["argv"][:4] == ["semver-checks", "check-release", "--baseline-rev", "v13.0.0"]
    assert call["argv"][4:] == [arg for name in PUBLIC for arg in ("-p", name)]


def test_allow_breaking_proposes_it_and_says_so_in_the_pr(train: Train, tool: FakeSemverChecks) -> None:
    tool.verdict(100)
    assert _patch(train, "--allow-breaking") == 0
    body = train.pr("ci/bump-to-13.0.1", BRANCH).body
    assert "**API check** (cargo-semver-checks against `v13.0.0`): cargo-semver-checks found" in body
    assert "Proposed anyway (`--allow-breaking`)." in body
    assert "function railcar_core::util_tag" in body


def test_a_clean_check_passes_and_is_recorded(train: Train, tool: FakeSemverChecks) -> None:
    tool.verdict(0)
    assert _patch(train) == 0
    body = train.pr("ci/bump-to-13.0.1", BRANCH).body
    assert (
        "cargo-semver-checks found no semver-breaking change in coupler-core, coupler-frontend, railcar, "
        "railcar-core against v13.0.0." in body
    )


def test_a_tool_that_cannot_run_blocks_too(
    train: Train, tool: FakeSemverChecks, capsys: pytest.CaptureFixture[str]
) -> None:
    tool.verdict(101, "error: rustdoc JSON format version 99 is not supported")
    assert _patch(train) == RefusedError.exit_code
    err = capsys.readouterr().err
    assert "cargo-semver-checks could not check the API (exit 101)" in err
    assert "format version 99" in err


def test_without_the_tool_it_says_plainly_that_the_api_was_not_checked(
    train: Train, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cargo = shutil.which("cargo")
    assert cargo is not None
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(cargo).parent), "/usr/bin", "/bin"]))
    if shutil.which("cargo-semver-checks") is not None:
        pytest.skip("cargo-semver-checks is installed next to cargo here")
    capsys.readouterr()
    assert _patch(train) == 0
    err = capsys.readouterr().err
    assert f"warning: {BRANCH}: API not checked: cargo-semver-checks is not installed" in err
    body = train.pr("ci/bump-to-13.0.1", BRANCH).body
    assert "API not checked: cargo-semver-checks is not installed." in body
