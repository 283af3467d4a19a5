"""The size estimate of `verify` (flows/publish/checks.py) chooses the files of a package as
cargo packs them, without running cargo: here its choice is held against `cargo package --list`
itself, for the `include` / `exclude` shapes real manifests use (a nested package, `*.ext`
anywhere, a directory by name or with a trailing `/`, `dir/*`, `src/**`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available, isolated_cargo_env

from release_train.flows.publish.checks import _package_files
from release_train.infra import proc
from release_train.infra.git import init_repo

pytestmark = pytest.mark.skipif(not cargo_available(), reason="cargo is not installed")

FILES = (
    "src/lib.rs",
    "src/data/big.bin",
    "src/nested_mod/mod.rs",
    "tests/t.rs",
    "benches/b.rs",
    "benches/data/x.json",
    "benches/data/deeper/y.json",
    "docs/a.md",
    "README.md",
    "notes.bin",
    "deep/a/b/keep.txt",
    "sub/Cargo.toml",  # a nested package: cargo leaves its directory out
    "sub/src/lib.rs",
)
# What cargo writes into the package itself, not a file of the repository.
GENERATED = {"Cargo.toml.orig", ".cargo_vcs_info.json", "Cargo.lock"}

SHAPES = {
    "nothing": "",
    "exclude by extension, dir/*, dir/": 'exclude = ["*.bin", "benches/data/*", "docs/"]',
    "exclude a directory by name": 'exclude = ["deep", "tests"]',
    "include src/** and two files": 'include = ["src/**", "Cargo.toml", "README.md"]',
    "include a directory and a glob": 'include = ["benches", "*.md", "Cargo.toml"]',
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_estimate_packs_what_cargo_packs(shape: str, tmp_path: Path) -> None:
    root = tmp_path / "pk"
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        body = (
            '[package]\nname = "sub"\nversion = "0.1.0"\nedition = "2021"\n'
            if name == "sub/Cargo.toml"
            else "x\n"
        )
        (root / name).write_text(body)
    manifest = (
        '[package]\nname = "pk"\nversion = "0.1.0"\nedition = "2021"\nlicense = "MIT"\n'
        f'description = "d"\n{SHAPES[shape]}\n\n[workspace]\n'
    )
    (root / "Cargo.toml").write_text(manifest)
    git = init_repo(root)
    git.commit_all("The package")
    tracked = git.run("ls-files").split()

    env = isolated_cargo_env(tmp_path / "cargo-home", tmp_path / "target")
    listed = proc.run(["cargo", "package", "--list", "--offline"], cwd=root, env=env).stdout.split()

    cargo = sorted(name for name in listed if name not in GENERATED)
    assert sorted(_package_files(tomllib.loads(manifest), tracked)) == cargo
