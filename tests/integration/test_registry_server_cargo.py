"""Real `cargo` against the local registry on 127.0.0.1: a 10-crate workspace is published with
`cargo publish --workspace`, then a separate consumer fetches the top crate through the source
replacement. Cargo runs with a temporary `CARGO_HOME`; the real one is checked untouched.

One published workspace is shared by the module (cargo is slow on small machines)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.fixtures.crates import (
    REAL_CARGO_HOME,
    SyntheticWorkspace,
    cargo_available,
    isolated_cargo_env,
    write_consumer,
    write_workspace,
)

from release_train.infra import proc
from release_train.infra.proc import Completed
from release_train.registries.local_cargo import Limits, Pacing, RegistryServer, cargo_env

pytestmark = [
    pytest.mark.cargo,
    pytest.mark.skipif(not cargo_available(), reason="needs cargo"),
]

TOKEN = "s3cret"


@dataclass
class Published:
    server: RegistryServer
    workspace: SyntheticWorkspace
    env: dict[str, str]
    base: Path
    publish: Completed

    def cargo(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> Completed:
        return proc.run(["cargo", *args], cwd=cwd, env=env or self.env, check=False, timeout=240)


def _snapshot(directory: Path) -> dict[str, float]:
    if not directory.is_dir():
        return {}
    return {
        str(p.relative_to(directory)): p.stat().st_mtime for p in directory.rglob("*") if not p.is_symlink()
    }


REAL_CARGO_HOME_BEFORE = _snapshot(REAL_CARGO_HOME)


def _env(server: RegistryServer, base: Path, name: str, token: str = TOKEN) -> dict[str, str]:
    cargo_home = base / f"cargo-home-{name}"
    env = isolated_cargo_env(cargo_home, base / f"target-{name}")
    env.update(cargo_env(server.index_url, token=token, replace_crates_io=True, cargo_home=cargo_home))
    return env


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    base = tmp_path_factory.mktemp("cargo-registry")
    workspace = write_workspace(base / "workspace", count=10, depth=4)
    with RegistryServer(base / "data", token=TOKEN) as server:
        env = _env(server, base, "main")
        assert shutil.which("cargo", path=env["PATH"]) is not None
        result = proc.run(
            ["cargo", "publish", "--workspace", "--registry", "local", "--no-verify"],
            cwd=workspace.root,
            env=env,
            check=False,
            timeout=300,
        )
        yield Published(server, workspace, env, base, result)


def index_lines(published: Published, name: str) -> list[dict[str, object]]:
    data = published.server.registry.index_file(name)
    assert data is not None, f"{name} is not in the index"
    return [json.loads(line) for line in data.splitlines()]


def test_cargo_publishes_the_whole_workspace(published: Published) -> None:
    assert published.publish.returncode == 0, published.publish.stderr
    workspace = published.workspace
    assert published.server.published() == {name: ["0.1.0"] for name in workspace.names}
    uploads = [a.crate for a in published.server.upload_log]
    assert sorted(uploads) == sorted(workspace.names)  # each exactly once
    for crate in workspace.crates:  # dependencies reached the registry before their dependents
        assert all(uploads.index(d) < uploads.index(crate.name) for d in crate.deps)
        (line,) = index_lines(published, crate.name)
        download = published.server.registry.download(crate.name, "0.1.0")
        assert line["cksum"] == hashlib.sha256(download).hexdigest()
        deps = line["deps"]
        assert isinstance(deps, list)
        assert sorted((d["name"], d["req"], d["kind"]) for d in deps) == [
            (d, "^0.1.0", "normal") for d in crate.deps
        ]


def test_a_consumer_fetches_the_top_crate_through_the_replacement(published: Published) -> None:
    top = published.workspace.top
    consumer = write_consumer(published.base / "consumer", top.name, top.version)
    env = _env(published.server, published.base, "consumer")
    fetched = published.cargo("fetch", cwd=consumer, env=env)
    assert fetched.returncode == 0, fetched.stderr
    lock = tomllib.loads((consumer / "Cargo.lock").read_text())
    locked = {p["name"]: p for p in lock["package"] if p["name"] != "consumer"}
    assert sorted(locked) == sorted(published.workspace.names)  # the top reaches every crate
    for name, package in locked.items():
        (line,) = index_lines(published, name)
        assert package["checksum"] == line["cksum"]
    cache = Path(env["CARGO_HOME"]) / "registry" / "cache"
    assert len(list(cache.rglob("*.crate"))) == len(published.workspace.names)


def test_cargo_yank_and_undo_flip_yanked(published: Published) -> None:
    name = published.workspace.crates[0].name
    root = published.workspace.root
    yank = published.cargo("yank", name, "--version", "0.1.0", "--registry", "local", cwd=root)
    assert yank.returncode == 0, yank.stderr
    assert index_lines(published, name)[0]["yanked"] is True
    undo = published.cargo("yank", name, "--version", "0.1.0", "--undo", "--registry", "local", cwd=root)
    assert undo.returncode == 0, undo.stderr
    assert index_lines(published, name)[0]["yanked"] is False


def test_cargo_refuses_to_publish_a_version_twice(published: Published) -> None:
    again = published.cargo(
        "publish",
        "-p",
        published.workspace.crates[0].name,
        "--registry",
        "local",
        "--no-verify",
        cwd=published.workspace.root,
    )
    assert again.returncode != 0
    assert "already exists" in again.stderr
    assert published.server.published()[published.workspace.crates[0].name] == ["0.1.0"]


def test_cargo_shows_the_registry_refusal_for_a_bad_token(published: Published) -> None:
    lone = write_workspace(published.base / "lone", count=2, depth=2, prefix="lone")
    env = _env(published.server, published.base, "bad-token", token="wrong")
    result = published.cargo(
        "publish", "-p", "lone-00", "--registry", "local", "--no-verify", cwd=lone.root, env=env
    )
    assert result.returncode != 0
    assert "403" in result.stderr
    assert "the token is not valid for this registry" in result.stderr
    assert "lone-00" not in published.server.published()


def test_cargo_stops_at_429_once_the_burst_is_spent(published: Published, tmp_path: Path) -> None:
    limits = Limits(new_crate=Pacing(3, 600.0), new_version=None)
    with RegistryServer(tmp_path / "data", token=TOKEN, limits=limits, time_scale=60.0) as limited:
        env = _env(limited, tmp_path, "limited")
        result = published.cargo(
            "publish",
            "--workspace",
            "--registry",
            "local",
            "--no-verify",
            cwd=published.workspace.root,
            env=env,
        )
        assert result.returncode != 0
        assert "429" in result.stderr
        assert "You have published too many new crates in a short period of time" in result.stderr
        assert len(limited.published()) == 3
        assert [a.status for a in limited.upload_log] == [200, 200, 200, 429]


def test_nothing_was_written_to_the_real_cargo_home(published: Published) -> None:
    assert published.publish.returncode == 0
    assert _snapshot(REAL_CARGO_HOME) == REAL_CARGO_HOME_BEFORE
    assert os.environ.get("CARGO_HOME") != published.env["CARGO_HOME"]
