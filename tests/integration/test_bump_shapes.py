"""Bumps on the shapes of two real projects, byte for byte, and checked by real cargo.

wasm-tools moves three version lines in one release: 0.N for most crates, 1.N for the API-stable
`wasm-tools` and `wat` (a `[[workspace.rule]] major = "minor"`), N.0.0 for `wast`. wgpu requires
its `publish = false` members, which inherit the workspace version, with `{ version, path }`: the
requirements must follow them or cargo cannot resolve the workspace any more.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available, isolated_cargo_env
from tests.fixtures.shapes import build_wasm_tools_like, build_wgpu_like

from release_train.cli import main


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def bump(work: Path, op: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["bump", op, "-C", str(work)]) == 0, capsys.readouterr().err
    return [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]


def cargo_resolves(work: Path, cargo_home: Path) -> None:
    """Real cargo reads the workspace and finds `Cargo.lock` up to date, without network."""
    done = subprocess.run(
        ["cargo", "metadata", "--offline", "--locked", "--format-version", "1"],
        cwd=work,
        env=isolated_cargo_env(cargo_home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_wasm_tools_major_moves_each_line_as_its_rule_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = build_wasm_tools_like(tmp_path / "work", 257, 1)
    lines = bump(work, "major", capsys)
    assert lines == [
        "workspace 0.257.1 -> 0.258.0",
        "wast 257.0.1 -> 258.0.0",
        "wat, wasm-tools (rule: minor) 1.257.1 -> 1.258.0",
        "changed 6 files",
    ]
    assert snapshot(work) == snapshot(build_wasm_tools_like(tmp_path / "258", 258))
    assert bump(work, "patch", capsys)[:3] == [
        "workspace 0.258.0 -> 0.258.1",
        "wast 258.0.0 -> 258.0.1",
        "wat, wasm-tools 1.258.0 -> 1.258.1",
    ]
    assert snapshot(work) == snapshot(build_wasm_tools_like(tmp_path / "258.1", 258, 1))


def test_wasm_tools_minor_moves_every_line_by_minor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = build_wasm_tools_like(tmp_path / "work", 257, 1)
    assert bump(work, "minor", capsys)[:3] == [
        "workspace 0.257.1 -> 0.258.0",
        "wast 257.0.1 -> 257.1.0",
        "wat, wasm-tools 1.257.1 -> 1.258.0",
    ]
    assert 'version = "257.1.0"' in (work / "crates" / "wast" / "Cargo.toml").read_text()
    assert 'wast = { version = "257.1.0"' in (work / "Cargo.toml").read_text()


def test_packages_and_config_show_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_wasm_tools_like(tmp_path / "work", 257)
    assert main(["packages", "-C", str(work)]) == 0
    rows = {line.split()[1]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["wat"].endswith("published  (rule: minor)")
    assert rows["wast"].endswith("published")
    assert main(["packages", "--json", "-C", str(work)]) == 0
    packages = {p["name"]: p for p in json.loads(capsys.readouterr().out)["packages"]}
    assert {name: p["major"] for name, p in packages.items() if p["major"] != "major"} == {
        "wasm-tools": "minor",
        "wat": "minor",
        "fuzz-stats": "none",  # unpublished with a version of its own: kept
    }
    assert main(["config", "--json", "-C", str(work)]) == 0
    settings = {row["key"]: row for row in json.loads(capsys.readouterr().out)["settings"]}
    assert settings["workspace[0].rule[0].packages"] == {
        "key": "workspace[0].rule[0].packages",
        "value": ["wasm-tools", "wat"],
        "source": "release-train.toml",
    }
    assert settings["workspace[0].rule[0].major"]["value"] == "minor"


def test_wgpu_unpublished_members_requirements_follow_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = build_wgpu_like(tmp_path / "work", 22)
    assert bump(work, "major", capsys) == [
        "workspace 22.0.0 -> 23.0.0",
        "naga 22.0.0 -> 23.0.0",
        "deno_webgpu 0.118.0 -> 0.119.0",
        "changed 5 files",
    ]
    # every requirement, publish = false members and dependents included; `*` left as written
    assert snapshot(work) == snapshot(build_wgpu_like(tmp_path / "23", 23))
    assert 'wgpu-types = { version = "*"' in (work / "player" / "Cargo.toml").read_text()
    assert 'wgpu-macros = { version = "23.0.0"' in (work / "Cargo.toml").read_text()
    bump(work, "patch", capsys)
    assert snapshot(work) == snapshot(build_wgpu_like(tmp_path / "23.0.1", 23, 1))


@pytest.mark.cargo
@pytest.mark.skipif(not cargo_available(), reason="cargo is not installed")
@pytest.mark.parametrize("build", [build_wgpu_like, build_wasm_tools_like], ids=["wgpu", "wasm-tools"])
def test_cargo_resolves_the_workspace_after_major_then_patch(
    build: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert callable(build)
    work = build(tmp_path / "work", 22)
    cargo_home = tmp_path / "cargo-home"
    cargo_resolves(work, cargo_home)
    for op in ("major", "patch"):
        bump(work, op, capsys)
        cargo_resolves(work, cargo_home)


@pytest.mark.cargo
@pytest.mark.skipif(not cargo_available(), reason="cargo is not installed")
def test_cargo_refuses_what_the_old_bump_left(tmp_path: Path) -> None:
    """The check above can fail: requirements left at the old version of an unpublished member
    (what the bump did before) make cargo refuse the workspace."""
    work = build_wgpu_like(tmp_path / "work", 22)
    shutil.copytree(
        build_wgpu_like(tmp_path / "23", 23) / "wgpu-macros", work / "wgpu-macros", dirs_exist_ok=True
    )
    root = work / "Cargo.toml"
    root.write_text(root.read_text().replace('version = "22.0.0"\n', 'version = "23.0.0"\n', 1))
    done = subprocess.run(
        ["cargo", "metadata", "--offline", "--format-version", "1"],
        cwd=work,
        env=isolated_cargo_env(tmp_path / "cargo-home"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "failed to select a version" in done.stderr
