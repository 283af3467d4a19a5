"""Start-up stays fast (bench/bump.py): `--help`, `bump --help` and a real `bump` import none of
the heavy modules that only some commands need (rich, httpx, sqlite3), nor the crash-path ones,
nor the Python workspace kind (and `packaging`) on a Cargo bump, nor `dataclasses` and the
`inspect` it pulls in (10-20 ms: value classes are declared through release_train/values.py,
which imports it only when `fields` or `asdict` asks). `cut --dry-run` reads the commit through
git's objects and needs none of what only worktrees, publishing or logging use, nor
`dataclasses`, nor the main-only flow and the semver gate (bench/flows.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.fixtures.train import build_train

HEAVY = (
    "rich",
    "httpx",
    "sqlite3",
    "tempfile",
    "traceback",
    "importlib.resources",
    "json",
    "dataclasses",
    "inspect",
    # nothing of the Python workspaces on the Cargo path
    "packaging",
    "release_train.model.pep440",
    "release_train.workspaces.python",
)

PROBE = """
import sys
from release_train.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # argparse's --help
    code = exc.code
print("IMPORTED", *sorted(m for m in {heavy!r} if m in sys.modules))
print("CODE", code)
"""


def _imported(argv: list[str], cwd: Path) -> tuple[list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = {key: rest for key, _, rest in (line.partition(" ") for line in done.stdout.splitlines())}
    return lines["IMPORTED"].split(), lines["CODE"]


def _workspace(root: Path) -> Path:
    (root / "crates" / "a" / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "1.0.0"\n'
    )
    (root / "crates" / "a" / "Cargo.toml").write_text(
        '[package]\nname = "a"\nversion.workspace = true\nedition = "2021"\n'
    )
    (root / "crates" / "a" / "src" / "lib.rs").write_text("")
    return root


@pytest.mark.parametrize("argv", [["--help"], ["bump", "--help"]])
def test_help_imports_nothing_heavy(argv: list[str], tmp_path: Path) -> None:
    imported, code = _imported(argv, tmp_path)
    assert imported == []
    assert code in ("0", "None")


def test_bump_imports_nothing_heavy(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    imported, code = _imported(["bump", "major", "-C", str(root)], tmp_path)
    assert imported == []
    assert code == "0"
    assert 'version = "2.0.0"' in (root / "Cargo.toml").read_text()


# What the train flows that read commits through git's objects (cut, the tag reaction) must not
# load: worktrees' temporary directories, the publish executor's threads and pacing, logging
# (nobody configured it) and importlib.resources' zip reader.
CUT_HEAVY = (
    "tempfile",
    "shutil",
    "logging",
    "zipfile",
    "concurrent.futures",
    "release_train.flows.publish.execute",
    "release_train.model.pacing",
    "rich",
    "httpx",
    "dataclasses",
    "inspect",
    "json",
    "shlex",
    "release_train.flows.train.mainline",
    "release_train.flows.gates.semver_gate",
)


def test_cut_dry_run_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    argv = ["cut", "--dry-run", "--now", "2026-01-05", "-C", str(train.work.path)]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=CUT_HEAVY), *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = {key: rest for key, _, rest in (line.partition(" ") for line in done.stdout.splitlines())}
    assert lines["IMPORTED"].split() == []
    assert lines["CODE"] == "0"
    assert "dry run: nothing will be changed" in done.stdout
