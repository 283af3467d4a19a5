"""Two `[[workspace]]` entries, a Cargo workspace and a Python one, move together: one bump gives
exactly the bytes of the repository built at the next version, in both ecosystems; `packages` and
`verify` list both; a name in both workspaces, or a `version-from` that names no package, is
refused with the file, the line and the fix, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fixtures.mixed_workspace import CONFIG, build_mixed

from release_train.cli import main


def snapshot(root: Path) -> dict[str, bytes]:
    skip = {"release-train.toml", "RELEASES.md"}  # the notes are the flows', not the bump's
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and str(p.relative_to(root)) not in skip
    }


def test_major_then_patch_move_both_workspaces_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = build_mixed(tmp_path / "work", "1.0.0")
    assert main(["bump", "major", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "workspace (cargo)" in out and "coach-util, coach, coach-cli (python)" in out
    assert snapshot(work) == snapshot(build_mixed(tmp_path / "major", "2.0.0"))

    assert main(["bump", "patch", "-C", str(work)]) == 0
    assert "2.0.0 -> 2.0.1" in capsys.readouterr().out
    assert snapshot(work) == snapshot(build_mixed(tmp_path / "patch", "2.0.1"))


def test_an_rc_is_spelled_by_each_ecosystem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_mixed(tmp_path / "work", "1.0.0")
    assert main(["bump", "rc", "-C", str(work)]) == 0
    assert 'version = "1.0.0-rc.1"' in (work / "Cargo.toml").read_text()
    assert '__version__ = "1.0.0rc1"' in (work / "python/packages/coach/src/coach/__init__.py").read_text()
    assert "'coach>=1.0.0rc1,<2'" in (work / "python/packages/cli/pyproject.toml").read_text()
    capsys.readouterr()
    assert main(["packages", "--json", "-C", str(work)]) == 0
    spelled = {p["name"]: p["version"] for p in json.loads(capsys.readouterr().out)["packages"]}
    assert (
        spelled["coach-core"] == "1.0.0-rc.1" and spelled["coach"] == "1.0.0rc1"
    )  # as each registry lists it


def test_version_from_may_name_a_python_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = CONFIG.replace('name = "Coach"\n', 'name = "Coach"\nversion-from = "Coach_CLI"\n')
    work = build_mixed(tmp_path / "work", "3.1.0", config, cargo="0.9.0")
    assert main(["packages", "--json", "-C", str(work)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["train_version"] == "3.1.0"
    kinds = {p["name"]: p["version"] for p in listed["packages"]}
    assert kinds == {
        "coach-sys": "0.9.0",
        "coach-util": "3.1.0",
        "coach": "3.1.0",
        "coach-core": "0.9.0",
        "coach-cli": "3.1.0",
        "coach-bindings": "0.1.0",
    }
    assert main(["bump", "major", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "0.9.0 -> 0.10.0" in out and "3.1.0 -> 4.0.0" in out
    expected = {**snapshot(build_mixed(tmp_path / "py", "4.0.0", config, cargo="0.10.0"))}
    assert snapshot(work) == expected


def test_verify_checks_both_workspaces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_mixed(tmp_path / "work")
    assert main(["verify", "-C", str(work)]) == 0
    capsys.readouterr()
    lock = work / "Cargo.lock"
    lock.write_text(
        lock.read_text().replace(
            'name = "coach-sys"\nversion = "1.0.0"', 'name = "coach-sys"\nversion = "0.9.0"'
        )
    )
    cli = work / "python/packages/cli/pyproject.toml"
    cli.write_text(cli.read_text().replace("'coach>=1.0.0,<2'", "'coach>=1.1.0,<2'"))
    assert main(["verify", "-C", str(work)]) != 0
    out = capsys.readouterr().out
    assert "Cargo.lock" in out and "coach-sys" in out
    assert "python/packages/cli/pyproject.toml" in out


def test_a_name_in_both_workspaces_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_mixed(tmp_path / "work")
    util = work / "python/packages/util/pyproject.toml"
    util.write_text(util.read_text().replace('name = "coach-util"', 'name = "coach-sys"'))
    before = snapshot(work)
    assert main(["bump", "major", "-C", str(work)]) == 4
    err = capsys.readouterr().err
    line = util.read_text().splitlines().index('name = "coach-sys"') + 1
    assert f"python/packages/util/pyproject.toml:{line}: 'coach-sys' is a package of two workspaces" in err
    assert "crates/sys/Cargo.toml" in err and "rename one of them" in err
    assert snapshot(work) == before


def test_version_from_naming_no_package_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = CONFIG.replace('name = "Coach"\n', 'name = "Coach"\nversion-from = "coach-py"\n')
    work = build_mixed(tmp_path / "work", config=config)
    before = snapshot(work)
    assert main(["bump", "patch", "-C", str(work)]) == 4
    err = capsys.readouterr().err
    assert (
        "release-train.toml:3: [project] version-from names 'coach-py', which is no package of the 2 workspaces"
        in err
    )
    assert "cargo at '.', python at 'python'" in err
    assert "release-train packages" in err
    assert snapshot(work) == before
