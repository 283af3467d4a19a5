"""Every bump error: a message naming the file, the line and the fix, a non-zero exit code, and
no file changed (all edits are computed before any write)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.fixtures.cargo_workspace import build_reference_like

from release_train.cli import main


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def fails(work: Path, capsys: pytest.CaptureFixture[str], code: int = 4) -> str:
    before = snapshot(work)
    assert main(["bump", "major", "-C", str(work)]) == code
    assert snapshot(work) == before, "a failed bump changed files"
    return capsys.readouterr().err


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return build_reference_like(tmp_path / "ws", 27)


def test_stale_requirement(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "crates" / "wasi-http" / "Cargo.toml"
    edit(
        manifest, "wasmtime = { workspace = true }", 'wasmtime = { path = "../wasmtime", version = "26.0.0" }'
    )
    err = fails(work, capsys)
    assert f"{manifest}:" in err
    assert "wasmtime-wasi-http lists wasmtime 26.0.0 but wasmtime is at 27.0.0" in err
    assert 'set the requirement to "27.0.0"' in err


def test_stale_requirement_in_workspace_dependencies_names_the_line(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = work / "Cargo.toml"
    edit(
        root,
        "version = '=27.0.0', package = 'wasmtime-internal-environ'",
        "version = '=26.0.0', package = 'wasmtime-internal-environ'",
    )
    line = next(n for n, text in enumerate(root.read_text().splitlines(), 1) if "=26.0.0" in text)
    err = fails(work, capsys)
    assert f"{root}:{line}: [workspace.dependencies] lists wasmtime-internal-environ =26.0.0" in err
    assert "but wasmtime-internal-environ is at 27.0.0" in err


def test_pin_on_a_public_package(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = work / "Cargo.toml"
    edit(
        root,
        "wasmtime = { path = \"crates/wasmtime\", version = '27.0.0'",
        "wasmtime = { path = \"crates/wasmtime\", version = '=27.0.0'",
    )
    err = fails(work, capsys)
    assert "[workspace.dependencies] pins public package wasmtime with '=27.0.0'" in err
    assert 'use a caret requirement "27.0.0"' in err
    assert f"{root}:" in err


def test_caret_on_an_internal_package(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "crates" / "wasmtime" / "Cargo.toml"
    edit(manifest, "version = '=27.0.0' }", "version = '27.0.0' }")
    err = fails(work, capsys)
    assert "wasmtime uses a caret requirement '27.0.0' on internal package wasmtime-internal-slab" in err
    assert 'pin it: "=27.0.0"' in err
    assert f"{manifest}:" in err


def test_version_file_pattern_that_matches_nothing(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        work / "crates" / "c-api" / "include" / "wasmtime.h",
        "#define WASMTIME_VERSION_MINOR",
        "#define WT_MINOR",
    )
    err = fails(work, capsys)
    assert "pattern '#define WASMTIME_VERSION_MINOR {minor}' matches nothing" in err
    assert "wasmtime.h" in err
    assert "[[version-file]]" in err


def test_malformed_toml(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "cranelift" / "entity" / "Cargo.toml"
    edit(manifest, "[dependencies]", "[dependencies\nbroken = ")
    broken_line = manifest.read_text().splitlines().index("[dependencies") + 1
    err = fails(work, capsys)
    assert f"{manifest}: malformed TOML" in err
    assert f"line {broken_line}," in err


def test_unknown_config_key(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work / "release-train.toml", "version-from =", "version-frm =")
    err = fails(work, capsys, code=3)
    assert "unknown key [project] 'version-frm'" in err
    assert "did you mean 'version-from'?" in err


def test_dependency_cycle(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = work / "cranelift" / "bitset" / "Cargo.toml"
    edit(
        manifest,
        "[dependencies]",
        '[dependencies]\ncranelift = { path = "../umbrella", version = "0.114.0" }',
    )
    err = fails(work, capsys)
    cycle = re.search(r"dependency cycle: (.*)", err)
    assert cycle is not None
    names = cycle.group(1).split(" -> ")
    assert names[0] == names[-1]
    assert {"cranelift", "cranelift-codegen", "cranelift-bitset"} <= set(names)
    assert "break the cycle" in err


def test_member_outside_the_publish_allow_list(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work / "release-train.toml", '"wasmtime-cli-flags", ', "")
    err = fails(work, capsys)
    assert "wasmtime-cli-flags is neither in the publish allow-list nor marked publish = false" in err
    assert 'add "wasmtime-cli-flags" to [[workspace]] publish in release-train.toml' in err
    assert "or set publish = false under [package]" in err


def test_several_problems_are_reported_together(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work / "crates" / "wasmtime" / "Cargo.toml", "version = '=27.0.0' }", "version = '27.0.0' }")
    edit(
        work / "crates" / "c-api" / "include" / "wasmtime.h",
        "#define WASMTIME_VERSION_MINOR",
        "#define WT_MINOR",
    )
    err = fails(work, capsys)
    assert "caret requirement" in err
    assert "matches nothing" in err
