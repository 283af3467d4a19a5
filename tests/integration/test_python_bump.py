"""Exactness on a Python workspace: each version operation on the Pyrail workspace gives exactly
the bytes of the same workspace built at the next versions (pyproject.toml files, `__version__`
files, uv.lock), from the command line as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fixtures.python_projects import build_libs
from tests.fixtures.python_workspace import build_pyrail

from release_train.cli import main


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_major_then_patch_give_the_exact_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_pyrail(tmp_path / "work", "1.4.2", "0.7.3")
    assert main(["bump", "major", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "pyrail-proto" in out and "0.7.3 -> 0.8.0" in out
    assert "1.4.2 -> 2.0.0" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["pyrail-plugin-vcs", "(version", "from", "the", "tag)", "1.4.2", "->", "2.0.0"] in lines
    assert snapshot(work) == snapshot(build_pyrail(tmp_path / "major", "2.0.0", "0.8.0"))

    assert main(["bump", "patch", "-C", str(work)]) == 0
    assert "2.0.0 -> 2.0.1" in capsys.readouterr().out
    assert snapshot(work) == snapshot(build_pyrail(tmp_path / "patch", "2.0.1", "0.8.1"))


@pytest.mark.parametrize(
    ("op", "v", "p"),
    [("minor", "1.5.0", "0.8.0"), ("patch", "1.4.3", "0.7.4"), ("rc", "1.4.2rc1", "0.7.3rc1")],
)
def test_each_operation_gives_the_exact_bytes(tmp_path: Path, op: str, v: str, p: str) -> None:
    work = build_pyrail(tmp_path / "work")
    assert main(["bump", op, "-C", str(work)]) == 0
    assert snapshot(work) == snapshot(build_pyrail(tmp_path / "expected", v, p))


def test_rc_then_drop_rc_come_back(tmp_path: Path) -> None:
    work = build_pyrail(tmp_path / "work")
    before = snapshot(work)
    for op in ("rc", "rc", "drop-rc"):
        assert main(["bump", op, "-C", str(work)]) == 0
    assert snapshot(work) == before


def test_rc_train_writes_pep440_dev_and_rc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_pyrail(tmp_path / "work", two_part=False)
    rc = ["--set", "release.rc=true"]
    expected = [
        ("2.0.0.dev0", "0.8.0.dev0"),
        ("2.0.0rc1", "0.8.0rc1"),
        ("2.0.0rc2", "0.8.0rc2"),
        ("2.0.0", "0.8.0"),
    ]
    for op, (v, p) in zip(("major", "rc", "rc", "drop-rc"), expected, strict=True):
        assert main(["bump", op, "-C", str(work), *rc, "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert snapshot(work) == snapshot(build_pyrail(tmp_path / v, v, p, two_part=False)), op
        # the train's one version is semver-shaped; the files hold PEP 440's spelling
        assert data["new_version"] == {"2.0.0.dev0": "2.0.0-dev", "2.0.0rc1": "2.0.0-rc.1"}.get(
            v, {"2.0.0rc2": "2.0.0-rc.2"}.get(v, v)
        )
    text = (work / "packages" / "api" / "src" / "pyrail_api" / "__about__.py").read_text()
    assert "__version__ = '2.0.0'" in text


def test_dry_run_prints_the_plan_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = build_pyrail(tmp_path / "work")
    before = snapshot(work)
    assert main(["bump", "major", "--dry-run", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "would change 11 files (dry run)" in out
    assert snapshot(work) == before
    assert main(["bump", "major", "--dry-run", "--json", "-C", str(work)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["old_version"], data["new_version"]) == ("1.4.2", "2.0.0")
    assert sorted(data["files"]) == sorted(
        [
            "pyproject.toml",
            "uv.lock",
            "packages/core/pyproject.toml",
            "packages/util/pyproject.toml",
            "packages/proto/pyproject.toml",
            "packages/api/pyproject.toml",
            "packages/api/src/pyrail_api/__about__.py",
            "packages/cli/pyproject.toml",
            "packages/cli/src/pyrail_cli/__init__.py",
            "packages/bench/pyproject.toml",
            "plugins/vcs/pyproject.toml",
        ]
    )


def test_separate_projects_with_their_own_locks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`[[workspace]] members` over projects that are not one uv workspace (langgraph's `libs/*`):
    each moves on its own line, and every project's uv.lock follows its siblings."""
    work = build_libs(tmp_path / "work")
    assert main(["packages", "-C", str(work)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "train version 1.2.11; 3 of 3 packages are published"
    assert main(["bump", "major", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "4.2.0 -> 5.0.0" in out and "0.4.3 -> 0.5.0" in out and "1.2.11 -> 2.0.0" in out
    assert snapshot(work) == snapshot(build_libs(tmp_path / "major", "5.0.0", "0.5.0", "2.0.0"))
    assert main(["bump", "patch", "-C", str(work)]) == 0
    assert snapshot(work) == snapshot(build_libs(tmp_path / "patch", "5.0.1", "0.5.1", "2.0.1"))
