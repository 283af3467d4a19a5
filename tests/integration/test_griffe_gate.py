"""The API gate of a Python workspace's patch release, with the real `griffe check` (a dev
dependency, found beside release-train) on a real train: a uv workspace released as v1.0.0 on
release-1.0.0 of a local forge, then a backported change. Removing a public function blocks
`release-patch` (and `release patch` on a train without release branches); adding one goes
through, the PR says what was checked; `--allow-breaking` proposes the break and says so; a
griffe that cannot find the import package blocks with its output; an environment without
griffe says plainly that the API was not checked."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.fixtures.python_train import (
    BRANCH,
    MODULE,
    PYLINE,
    UTIL,
    UTIL_MODULE,
    change_line,
    change_main,
    python_line,
    python_main,
)
from tests.fixtures.train import Train
from tests.fixtures.without_tool import environment_without

from release_train.checkers.griffe import find_griffe
from release_train.cli import main
from release_train.errors import RefusedError
from release_train.flows import patch as patch_flow

NOW = "2026-01-25T09:00:00Z"
HEAD = "ci/bump-to-1.0.1"
WITHOUT_UNCOUPLE = PYLINE.replace('"uncouple", ', "").replace(
    '''def uncouple(train: str) -> list[str]:
    """Split a train into its cars."""
    return train.split("=")


''',
    "",
)
WITH_REVERSE = PYLINE.replace('"Coupler"]', '"Coupler", "reverse"]') + (
    '\n\ndef reverse(train: str) -> str:\n    """The cars in the other order."""\n    return train[::-1]\n'
)


def patch(train: Train, *extra: str) -> int:
    return main(["release-patch", "--branch", BRANCH, "-C", str(train.work.path), "--now", NOW, *extra])


def open_prs(train: Train) -> list[str]:
    return [pr.head for pr in train.forge.list_prs(state="open")]


def test_removing_a_public_function_blocks_the_patch_pr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert WITHOUT_UNCOUPLE != PYLINE
    train = python_line(tmp_path)
    change_line(train, {MODULE: WITHOUT_UNCOUPLE}, "Drop uncouple")
    refs = train.forge.git.refs("refs/")
    capsys.readouterr()

    for extra in (("--dry-run",), ()):
        assert patch(train, *extra) == RefusedError.exit_code
        err = capsys.readouterr().err
        assert f"error: {BRANCH}: griffe found 1 breaking API change against v1.0.0 in pyline\n" in err
        assert (
            "$ griffe check pyline --against v1.0.0 --search packages/pyline/src --format oneline "
            "--no-color --no-inspection\n"
            "packages/pyline/src/pyline/__init__.py:0: uncouple: Public object was removed\n" in err
        )
        assert "must not break the API of pyline" in err
        assert "--allow-breaking" in err

    assert train.forge.git.refs("refs/") == refs  # no branch, no tag
    assert open_prs(train) == []
    assert train.work.branches() == ["main"]  # griffe's own temporary branch is gone too


def test_adding_a_public_function_goes_through_and_the_pr_says_what_was_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = python_line(tmp_path)
    # pyline-util is internal: its API may change on a patch line, and is not checked
    change_line(
        train, {MODULE: WITH_REVERSE, UTIL_MODULE: UTIL.split("\n\ndef shout")[0] + "\n"}, "Add reverse"
    )
    capsys.readouterr()

    assert patch(train, "--dry-run") == 0
    out, err = capsys.readouterr()
    assert f"{BRANCH}: griffe found no breaking API change in pyline against v1.0.0" in err
    assert "**API check** (griffe against `v1.0.0`)" in out
    assert train.sha(HEAD) is None

    assert patch(train) == 0
    body = train.pr(HEAD, BRANCH).body
    assert (
        "**API check** (griffe against `v1.0.0`): griffe found no breaking API change in pyline against "
        "v1.0.0.\nPublic packages: `pyline`.\n" in body
    )
    merged = train.merge(HEAD, BRANCH)
    assert train.forge.tags()["v1.0.1"] == merged


def test_allow_breaking_proposes_the_break_and_shows_it_in_the_pr(tmp_path: Path) -> None:
    train = python_line(tmp_path)
    change_line(train, {MODULE: WITHOUT_UNCOUPLE}, "Drop uncouple")
    assert patch(train, "--allow-breaking") == 0
    body = train.pr(HEAD, BRANCH).body
    assert (
        "**API check** (griffe against `v1.0.0`): griffe found 1 breaking API change against v1.0.0 in "
        "pyline. Proposed anyway (`--allow-breaking`)." in body
    )
    assert "uncouple: Public object was removed" in body


def test_a_changed_signature_blocks_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = python_line(tmp_path)
    stricter = PYLINE.replace("def pull(self, force: int)", "def pull(self, force: int, angle: int)")
    change_line(train, {MODULE: stricter}, "Pull at an angle")
    capsys.readouterr()
    assert patch(train, "--dry-run") == RefusedError.exit_code
    assert "Coupler.pull(angle): Parameter was added as required" in capsys.readouterr().err


def test_an_import_package_griffe_cannot_find_blocks_with_its_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = python_line(tmp_path)
    manifest = "packages/pyline/pyproject.toml"
    misnamed = (
        train.file(BRANCH, manifest) + '\n[tool.hatch.build.targets.wheel]\npackages = ["src/pyline_core"]\n'
    )
    change_line(train, {manifest: misnamed}, "Package the core")
    capsys.readouterr()

    assert patch(train) == RefusedError.exit_code
    err = capsys.readouterr().err
    assert f"error: {BRANCH}: griffe could not check the API of pyline_core (pyline)\n" in err
    assert (
        "pyline_core is not in packages/pyline/src (the import packages of pyline are read from "
        f"{manifest})\n$ griffe check pyline_core --against v1.0.0" in err
    )
    assert "ModuleNotFoundError: pyline_core\n(exit 1)" in err  # griffe's own words
    assert "fix griffe (its output is above), or pass --allow-breaking" in err
    assert train.sha(HEAD) is None


def test_an_import_package_new_since_the_release_has_nothing_to_compare(tmp_path: Path) -> None:
    train = python_line(tmp_path)
    manifest = "packages/pyline/pyproject.toml"
    two = train.file(BRANCH, manifest) + (
        '\n[tool.hatch.build.targets.wheel]\npackages = ["src/pyline", "src/pyline_extras"]\n'
    )
    extras = "packages/pyline/src/pyline_extras/__init__.py"
    change_line(train, {manifest: two, extras: "def spare() -> None: ...\n"}, "Ship the extras")
    assert patch(train) == 0
    assert (
        "griffe found no breaking API change in pyline against v1.0.0; new since v1.0.0: "
        "pyline_extras (pyline)." in train.pr(HEAD, BRANCH).body
    )


def test_without_griffe_the_api_is_not_checked_and_the_pr_says_so(tmp_path: Path) -> None:
    train = python_line(tmp_path)
    change_line(train, {MODULE: WITHOUT_UNCOUPLE}, "Drop uncouple")
    python = environment_without(tmp_path / "env", "griffe", "griffecli", "griffelib")
    git = shutil.which("git")
    assert git is not None
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(git).parent), "/bin"])}
    probe = "import importlib.util, shutil; print(importlib.util.find_spec('griffe'), shutil.which('griffe'))"
    seen = subprocess.run([python, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert seen.stdout.split() == ["None", "None"], "griffe is still reachable"

    argv = [
        "-m",
        "release_train",
        "release-patch",
        "--branch",
        BRANCH,
        "-C",
        str(train.work.path),
        "--now",
        NOW,
    ]
    done = subprocess.run([python, *argv], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: {BRANCH}: API not checked: griffe is not installed (on PATH or beside release-train)"
        in done.stderr
    )
    body = train.pr(HEAD, BRANCH).body
    assert "**API check** (griffe against `v1.0.0`): API not checked: griffe is not installed" in body


def test_a_griffe_on_path_is_run_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's own griffe (an activated environment, `uv tool install griffe`) before the
    one installed beside release-train; the command run is recorded in the gate's event."""
    train = python_line(tmp_path)
    change_line(train, {MODULE: WITH_REVERSE}, "Add reverse")
    installed = find_griffe()
    assert installed is not None
    bin_dir = tmp_path / "project-bin"
    bin_dir.mkdir()
    (bin_dir / "griffe").symlink_to(installed)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    planned = patch_flow.plan(train.env(), branch=BRANCH)
    assert planned.api is not None and planned.api.verdict == "clean"
    (event,) = [e for e in train.events.events if e.data.get("checker") == "griffe"]
    options = ["--search", "packages/pyline/src", "--format", "oneline", "--no-color", "--no-inspection"]
    assert event.data["commands"] == [
        [str(bin_dir / "griffe"), "check", "pyline", "--against", "v1.0.0", *options]
    ]


def test_release_patch_on_main_goes_through_griffe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = python_main(tmp_path)
    change_main(train, {MODULE: WITHOUT_UNCOUPLE}, "Drop uncouple")
    capsys.readouterr()
    release = ["release", "patch", "-C", str(train.work.path), "--now", NOW]

    assert main(release) == RefusedError.exit_code
    err = capsys.readouterr().err
    assert "error: main: griffe found 1 breaking API change against v1.1.0 in pyline" in err
    assert "uncouple: Public object was removed" in err
    assert open_prs(train) == []

    change_main(train, {MODULE: WITH_REVERSE}, "Bring uncouple back, add reverse")
    assert main(release) == 0
    body = train.pr("ci/release-1.1.1", "main").body
    assert "griffe found no breaking API change in pyline against v1.1.0." in body
