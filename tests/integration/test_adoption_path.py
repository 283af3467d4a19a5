"""The adoption path as a new user walks it, on wgpu and wit-bindgen as they are upstream: a local
forge (`forge init --from`), `init`, then `verify`, `doctor` and `cut --dry-run`, which pass or
name the fix; the user applies each fix and they pass."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fixtures.adoption import user_repo

from release_train.cli import main
from release_train.infra.git import Git
from release_train.registries.local_cargo.server import RegistryServer

TOKEN = "adoption-token"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path / "registry", token=TOKEN) as server:
        yield server


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def adopt(tmp_path: Path, case: str, branch: str, capsys: pytest.CaptureFixture[str]) -> Git:
    """The user's steps up to a committed configuration: a local forge, then `init`."""
    git = user_repo(tmp_path, case, branch=branch)
    root = str(git.path)
    assert run(capsys, "forge", "init", str(tmp_path / "origin.git"), "--from", root)[0] == 0
    code, out, _ = run(capsys, "init", "-C", root)
    assert code == 0, out
    return git


def use_local_registry(git: Git, registry: RegistryServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine cannot reach crates.io: the user points [publish] at a local registry."""
    config = git.path / "release-train.toml"
    config.write_text(
        config.read_text().replace(
            '[publish]\nregistry = "crates-io"\n',
            f'[publish]\nregistry = "local"\nindex = "{registry.index_url}"\n',
        )
    )
    monkeypatch.setenv("CARGO_REGISTRY_TOKEN", TOKEN)


def commit_and_push(git: Git, message: str) -> None:
    git.commit_all(message)
    branch = git.current_branch()
    assert branch is not None
    git.run("push", "--quiet", "origin", branch)


def verify_problems(capsys: pytest.CaptureFixture[str], root: str) -> list[str]:
    code, out, _ = run(capsys, "verify", "--json", "-C", root)
    problems = [p for check in json.loads(out)["checks"] for p in check["problems"]]
    assert (code == 0) == (not problems)
    return problems


def test_wit_bindgen_gets_a_releases_md_and_the_path_passes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    registry: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    git = adopt(tmp_path, "wit-bindgen", "main", capsys)
    root = str(git.path)
    config = (git.path / "release-train.toml").read_text()
    assert '[project]\nname = "wit-bindgen"\nrepository = "bytecodealliance/wit-bindgen"\n' in config
    assert "[branches]" not in config and "notes =" not in config  # main and RELEASES.md: the defaults
    notes = (git.path / "RELEASES.md").read_text()
    assert notes.startswith("## 0.60.0\n\nUnreleased.\n")
    assert "previous releases of wit-bindgen" in notes
    use_local_registry(git, registry, monkeypatch)
    commit_and_push(git, "Adopt release-train")

    assert verify_problems(capsys, root) == []
    code, out, _ = run(capsys, "doctor", "-C", root)
    assert code == 0, out
    assert "fail" not in out.split()
    code, out, err = run(capsys, "cut", "--dry-run", "-C", root, "--now", "2026-09-05T00:00:00Z")
    assert code == 0, err
    assert "cut wit-bindgen 0.60.0 from main: release-0.60.0, then main -> 0.61.0" in out
    assert "       +* [0.60.x](release-0.60.0:RELEASES.md)\n" in out


def test_wgpu_keeps_its_changelog_and_trunk_and_verify_names_every_fix(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    registry: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    git = adopt(tmp_path, "wgpu", "trunk", capsys)
    root = str(git.path)
    config = (git.path / "release-train.toml").read_text()
    assert '[project]\nname = "wgpu"\nrepository = "gfx-rs/wgpu"\n' in config
    assert '[branches]\nmain = "trunk"' in config
    assert '[release]\nnotes = "CHANGELOG.md"  # Keep a Changelog' in config
    assert not (git.path / "RELEASES.md").exists()
    use_local_registry(git, registry, monkeypatch)
    commit_and_push(git, "Adopt release-train")

    # what wgpu's tree would hit: lock-analyzer has no description, and 22.0.0 is released
    released_at = (git.path / "CHANGELOG.md").read_text().split("\n").index("## 22.0.0 (2024-07-17)") + 1
    assert verify_problems(capsys, root) == [
        'lock-analyzer/Cargo.toml:1: lock-analyzer has no `description`, which the registry requires (fix: add description = "..." under [package])',
        f"CHANGELOG.md:{released_at}: the notes file already has a released section for 22.0.0: main should carry the "
        "next version (fix: bump main past 22.0.0 first (`release-train bump major`, commit it), so the cut "
        "makes the next release)",
    ]
    code, out, _ = run(capsys, "doctor", "-C", root)
    assert code == 1
    assert re.search(
        r"fail  verify: the registry would take every package.*\n      - lock-analyzer/Cargo.toml:1", out
    )
    code, _, err = run(capsys, "cut", "--dry-run", "-C", root)
    assert code == 6 and "lock-analyzer/Cargo.toml:1: lock-analyzer has no `description`" in err
    # a tag made anyway: publish --dry-run refuses it too, before any upload would
    git.run("tag", "v22.0.0")
    code, _, err = run(capsys, "publish", "--dry-run", "-C", root, "--tag", "v22.0.0")
    assert code == 6, err
    assert (
        "packages the registry would refuse (1):\n  - lock-analyzer/Cargo.toml:1: lock-analyzer has no" in err
    )
    assert registry.upload_log == []

    # the user applies the fixes named
    manifest = git.path / "lock-analyzer" / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace("[package]\n", '[package]\ndescription = "Lock checks"\n', 1)
    )
    assert run(capsys, "bump", "major", "-C", root)[0] == 0
    for problem in verify_problems(capsys, root):
        # Until `bump` rewrites requirements on unpublished members itself, verify names them.
        found = re.match(r'Cargo.toml:(\d+): .* requires (\S+) .*\(fix: set it to "([^"]+)"', problem)
        assert found is not None, problem
        lines = (git.path / "Cargo.toml").read_text().split("\n")
        number = int(found[1]) - 1
        lines[number] = re.sub(r'version = "[^"]+"', f'version = "{found[3]}"', lines[number])
        (git.path / "Cargo.toml").write_text("\n".join(lines))
    commit_and_push(git, "Start the train at 23.0.0")

    assert verify_problems(capsys, root) == []
    code, out, _ = run(capsys, "doctor", "-C", root)
    assert code == 0, out
    code, out, err = run(capsys, "cut", "--dry-run", "-C", root, "--now", "2024-11-05T00:00:00Z")
    assert code == 0, err
    assert "cut wgpu 23.0.0 from trunk: release-23.0.0, then trunk -> 24.0.0" in out
    assert "       +## 23.0.0 (Unreleased)\n" in out
