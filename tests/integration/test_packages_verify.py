"""`packages` and `verify` as a user runs them, membership against real cargo, and the bundled
example: its lock file stays consistent after a bump without network."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.fixtures.cargo_workspace import build_reference_like

from release_train.cli import main
from release_train.config import load_settings
from release_train.workspaces import load_workspace

DEMO = Path(__file__).resolve().parents[2] / "src" / "release_train" / "demo" / "example"
needs_cargo = pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")


def copy_demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("target"))
    return target


def test_packages_lists_the_publish_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = copy_demo(tmp_path)
    assert main(["packages", "-C", str(demo)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "train version 1.0.0; 5 of 6 packages are published"
    names = [line.split()[1] for line in lines[1:]]
    assert names == [
        "coupler-core",
        "railcar-internal-util",
        "coupler-frontend",
        "railcar-core",
        "railcar",
        "railcar-bench",
    ]
    assert lines[2].split() == ["2", "railcar-internal-util", "1.0.0", "internal", "published"]
    assert lines[-1].split() == ["-", "railcar-bench", "1.0.0", "internal", "not", "published"]


def test_packages_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_reference_like(tmp_path, 27)
    assert main(["packages", "--json", "-C", str(work)]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = data["packages"]
    assert data["train_version"] == "27.0.0"
    assert len(rows) == 39
    position = {r["name"]: n for n, r in enumerate(rows)}
    # dependencies first (normal and build); dev-dependencies do not order
    assert position["cranelift-codegen-meta"] < position["cranelift-codegen"] < position["cranelift-frontend"]
    assert position["wasmtime-internal-environ"] < position["wasmtime"] < position["wasmtime-cli"]
    cli = rows[position["wasmtime-cli"]]
    assert cli == {
        "name": "wasmtime-cli",
        "version": "27.0.0",
        "visibility": "public",
        "publish": True,
        "major": "major",
        "directory": ".",
    }
    assert rows[position["cranelift-isle"]]["version"] == "0.114.0"
    assert {r["name"] for r in rows if not r["publish"]} == {"wasmtime-fuzzing", "test-programs"}


def test_layers_hold_dependencies_in_earlier_layers(tmp_path: Path) -> None:
    ws = load_workspace(load_settings(build_reference_like(tmp_path, 27)))
    seen: set[str] = set()
    for layer in ws.layers():
        for package in layer:
            assert package.ordering_deps() & {p.name for p in ws.publishable()} <= seen
        seen |= {p.name for p in layer}
    assert [p.name for p in ws.publish_order()] == [p.name for layer in ws.layers() for p in layer]
    environ = ws.package("wasmtime-internal-environ")
    dep = next(d for d in ws.package("wasmtime").dependencies if d.key == "wasmtime-environ")
    assert (dep.name, dep.kind, dep.req, dep.first_party) == (
        "wasmtime-internal-environ",
        "normal",
        None,
        True,
    )
    fiber = next(d for d in ws.package("wasmtime").dependencies if d.key == "wasmtime-fiber")
    assert (fiber.name, fiber.target, fiber.req) == ("wasmtime-internal-fiber", "cfg(unix)", "=27.0.0")
    old = next(d for d in ws.package("test-programs").dependencies if d.key == "wasmtime-old")
    assert (old.name, old.first_party) == ("wasmtime", False)
    assert environ.public is False
    assert ws.package("cranelift-jit").public is True


def test_a_versioned_dev_dependency_is_published_first_unless_it_closes_a_cycle(tmp_path: Path) -> None:
    # `cargo publish` keeps a dev-dependency that names a version (and then needs it in the
    # registry): wasm-tools-shaped wit-parser dev-depends on `wat = { path, version }`.
    from tests.fixtures.shapes import build_wasm_tools_like

    root = build_wasm_tools_like(tmp_path / "wasm-tools", 257)
    order = [p.name for p in load_workspace(load_settings(root)).publish_order()]
    assert order.index("wat") < order.index("wit-parser")
    # a versioned dev edge that would close a cycle does not order (cargo strips none of them,
    # but no order could satisfy it either): wat dev-depends on wit-parser, which dev-depends on wat
    wat = root / "crates" / "wat" / "Cargo.toml"
    wat.write_text(
        wat.read_text()
        + '\n[dev-dependencies]\nwit-parser = { path = "../wit-parser", version = "0.257.0" }\n'
    )
    ws = load_workspace(load_settings(root))
    order = [p.name for p in ws.publish_order()]
    assert order.index("wit-parser") < order.index("wat")  # by normal dependencies alone, as before


def test_verify_passes_on_a_healthy_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "-C", str(build_reference_like(tmp_path, 27, notes=True))]) == 0
    out = capsys.readouterr().out
    assert "all checks passed" in out
    assert "ok    bump major would succeed" in out


def test_verify_reports_every_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_reference_like(tmp_path, 27)
    header = work / "crates" / "c-api" / "include" / "wasmtime.h"
    header.write_text(header.read_text().replace("VERSION_MAJOR 27", "VERSION_MAJOR 26"))
    flags = work / "crates" / "cli-flags" / "Cargo.toml"
    flags.write_text(
        flags.read_text().replace(
            "[dependencies]", '[dependencies]\nwasmtime-fuzzing = { path = "../fuzzing" }'
        )
    )
    before = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    assert main(["verify", "--json", "-C", str(work)]) == 4
    data = json.loads(capsys.readouterr().out)
    failed = {c["name"]: c["problems"] for c in data["checks"] if not c["ok"]}
    assert data["ok"] is False
    (files_check,) = [problems for name, problems in failed.items() if name.startswith("version files")]
    assert files_check == [
        "crates/c-api/include/wasmtime.h:15: major is 26 but the train version is 27.0.0 "
        "(fix: set it to 27; a bump rewrites it)"
    ]
    (deps_check,) = [problems for name, problems in failed.items() if name.startswith("published packages")]
    line = flags.read_text().splitlines().index('wasmtime-fuzzing = { path = "../fuzzing" }') + 1
    assert deps_check[0].startswith(
        f"crates/cli-flags/Cargo.toml:{line}: wasmtime-cli-flags is published but depends on unpublished "
        "wasmtime-fuzzing"
    )
    assert before == {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}


def test_verify_reports_requirement_style(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = build_reference_like(tmp_path, 27)
    manifest = work / "crates" / "wasmtime" / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace("version = '=27.0.0' }", "version = '27.0.0' }"))
    assert main(["verify", "-C", str(work)]) == 4
    out = capsys.readouterr().out
    assert "FAIL  bump major would succeed" in out
    assert "uses a caret requirement '27.0.0' on internal package wasmtime-internal-slab" in out
    assert "verify failed" in out


@needs_cargo
def test_members_are_the_ones_cargo_finds(tmp_path: Path) -> None:
    work = build_reference_like(tmp_path, 27)
    result = subprocess.run(
        ["cargo", "metadata", "--no-deps", "--offline", "--format-version", "1"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    metadata = json.loads(result.stdout)
    cargo_members = {
        (p["name"], p["version"], Path(p["manifest_path"]).resolve())
        for p in metadata["packages"]
        if p["id"] in metadata["workspace_members"]
    }
    ws = load_workspace(load_settings(work))
    ours = {(p.name, str(p.version), p.manifest) for p in ws.packages}
    assert ours == cargo_members


@needs_cargo
def test_demo_lock_file_is_consistent_after_a_bump_without_network(tmp_path: Path) -> None:
    demo = copy_demo(tmp_path)
    assert main(["bump", "major", "-C", str(demo)]) == 0
    # --locked fails if Cargo.lock would need an update; --offline: no network
    subprocess.run(
        ["cargo", "metadata", "--locked", "--offline", "--format-version", "1"],
        cwd=demo,
        capture_output=True,
        check=True,
    )
    assert '#define RAILCAR_VERSION "2.0.0"' in (demo / "include" / "railcar.h").read_text()
    assert 'version = "0.89.0"' in (demo / "coupler" / "coupler-core" / "Cargo.toml").read_text()


def test_installed_command_on_the_demo(tmp_path: Path) -> None:
    demo = copy_demo(tmp_path)
    exe = Path(sys.executable).parent / "release-train"
    result = subprocess.run(
        [str(exe), "bump", "major", "--dry-run", "-C", str(demo)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "workspace                       1.0.0 -> 2.0.0" in result.stdout
    assert "coupler-core, coupler-frontend  0.88.0 -> 0.89.0" in result.stdout
    assert "would change 5 files (dry run)" in result.stdout
    packages = subprocess.run(
        [str(exe), "packages", "-C", str(demo)], capture_output=True, text=True, check=False
    )
    assert packages.returncode == 0
    assert "railcar-bench" in packages.stdout
