"""Exactness: `bump major` then `bump patch` on the reference-shaped workspace give exactly the
bytes of the same workspace built at the next versions (manifests, header, Cargo.lock)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.cargo_workspace import build_reference_like

from release_train.cli import main
from release_train.config import load_settings
from release_train.flows.train.bump import apply_bump, plan_bump


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_major_then_patch_give_the_exact_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_reference_like(tmp_path / "work", 27)
    after_major = snapshot(build_reference_like(tmp_path / "major", 28))
    after_patch = snapshot(build_reference_like(tmp_path / "patch", 28, 1))

    assert main(["bump", "major", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "workspace" in out
    assert "27.0.0 -> 28.0.0" in out
    assert "0.114.0 -> 0.115.0" in out
    assert snapshot(work) == after_major

    assert main(["bump", "patch", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "28.0.0 -> 28.0.1" in out
    assert "0.115.0 -> 0.115.1" in out
    assert snapshot(work) == after_patch


def test_the_crlf_manifest_keeps_its_line_endings(tmp_path: Path) -> None:
    work = build_reference_like(tmp_path, 27)
    apply_bump(plan_bump(load_settings(work), "major"))
    data = (work / "cranelift" / "codegen" / "Cargo.toml").read_bytes()
    assert b'version = "0.115.0"\r\n' in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_plan_reports_lines_and_writes_nothing(tmp_path: Path) -> None:
    work = build_reference_like(tmp_path, 27)
    before = snapshot(work)
    plan = plan_bump(load_settings(work), "major")
    assert (str(plan.old_version), str(plan.new_version)) == ("27.0.0", "28.0.0")
    assert plan.lines[0] == ("workspace", "27.0.0", "28.0.0")
    assert [(old, new) for _, old, new in plan.lines[1:]] == [("0.114.0", "0.115.0")]
    assert work / "Cargo.lock" in plan.files
    assert work / "crates" / "c-api" / "include" / "wasmtime.h" in plan.files
    # never rewritten: the unpublished literal-version crate and the excluded directory
    assert work / "crates" / "test-programs" / "Cargo.toml" not in plan.files
    assert snapshot(work) == before


def test_dry_run_prints_the_same_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = build_reference_like(tmp_path, 27)
    before = snapshot(work)
    assert main(["bump", "major", "--dry-run", "-C", str(work)]) == 0
    out = capsys.readouterr().out
    assert "27.0.0 -> 28.0.0" in out
    assert "would change 24 files (dry run)" in out
    assert snapshot(work) == before


def test_rc_train(tmp_path: Path) -> None:
    work = build_reference_like(tmp_path, 27)
    settings = load_settings(work, ["release.rc=true"])
    plan = plan_bump(settings, "major")
    assert str(plan.new_version) == "28.0.0-dev"
    apply_bump(plan)
    header = (work / "crates" / "c-api" / "include" / "wasmtime.h").read_text()
    assert '#define WASMTIME_VERSION "28.0.0-dev"' in header
    steps = []
    for op in ("rc", "rc", "drop-rc"):
        plan = plan_bump(load_settings(work, ["release.rc=true"]), op)
        apply_bump(plan)
        steps.append(str(plan.new_version))
    assert steps == ["28.0.0-rc.1", "28.0.0-rc.2", "28.0.0"]
    root = (work / "Cargo.toml").read_text()
    assert 'version = "=28.0.0"' in root  # pins follow
    assert '"0.115.0"' in root  # the literal line went 0.115.0-dev -> rc.1 -> rc.2 -> 0.115.0
    assert snapshot(work) == snapshot(build_reference_like(tmp_path / "expected", 28))


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    work = build_reference_like(tmp_path, 27)
    assert main(["bump", "patch", "--dry-run", "--json", "-C", str(work)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["old_version"] == "27.0.0"
    assert data["new_version"] == "27.0.1"
    assert {"line": "workspace", "old": "27.0.0", "new": "27.0.1"} in data["lines"]
    assert "Cargo.lock" in data["files"]
