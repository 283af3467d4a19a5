"""A train without release branches, end to end through the CLI with real cargo and the local
registry server: `release` opens the release PR to main, merging it tags `v1.(N+1).0`, the tag
publishes every crate of the wasm-tools-shaped workspace (three version lines) and makes the
forge release; a `release patch` then publishes `v1.(N+1).1`, which takes "latest"; `status`
shows main's releases and where each tag stands, and the dashboard draws them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available
from tests.fixtures.mainline import wasm_tools_train
from tests.fixtures.publishing import use_isolated_cargo
from tests.fixtures.train import Train

from release_train.cli import main
from release_train.registries.local_cargo import RegistryServer

pytestmark = [pytest.mark.cargo, pytest.mark.skipif(not cargo_available(), reason="needs cargo")]

N = 257
CRATES = ("wasmparser", "wasm-encoder", "wasmprinter", "wit-parser", "wit-component")  # the 0.N line


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Train, RegistryServer]]:
    use_isolated_cargo(monkeypatch, tmp_path)
    with RegistryServer(tmp_path / "registry") as server:
        yield wasm_tools_train(tmp_path, N, 1, registry_index=server.index_url), server


def rt(train: Train, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    code = main([*argv, "-C", str(train.work.path)])
    out, err = capsys.readouterr()
    assert code == 0, f"{argv}: exit {code}\n{out}\n{err}"
    return out


def release_and_merge(train: Train, capsys: pytest.CaptureFixture[str], operation: str, day: str) -> str:
    rt(train, capsys, "release", operation, "--now", f"{day}T08:00:00Z")
    version = next(pr for pr in train.forge.list_prs() if pr.base == "main").title.split()[-1]
    pr = train.pr(f"ci/release-{version}", "main")
    rt(train, capsys, "pr", "merge", str(pr.number), "--now", f"{day}T09:00:00Z")
    return version


def test_two_releases_on_main_publish_with_real_cargo(
    site: tuple[Train, RegistryServer], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    train, server = site

    assert release_and_merge(train, capsys, "major", "2026-09-01") == f"1.{N + 1}.0"

    assert sorted(train.forge.tags()) == [f"v1.{N + 1}.0"]
    published = server.published()
    assert {name: published[name] for name in CRATES} == {name: [f"0.{N + 1}.0"] for name in CRATES}
    assert published["wast"] == [f"{N + 1}.0.0"]
    assert published["wat"] == published["wasm-tools"] == [f"1.{N + 1}.0"]
    assert "c-api" not in published and "fuzz-stats" not in published  # publish = false
    (first,) = train.forge.list_releases()
    assert (first.tag, first.name, first.latest) == (f"v1.{N + 1}.0", f"wasm-tools 1.{N + 1}.0", True)
    assert first.body == "Released 2026-09-01.\n\n### Added\n\n* `wat` reads custom annotations.\n"

    notes = train.file("main").replace(
        "### Fixed\n\n----", "### Fixed\n\n* `wast` no longer panics on an empty module.\n\n----", 1
    )
    train.at("2026-09-03").land("main", {"RELEASES.md": notes}, "Fix a panic in wast")
    assert release_and_merge(train, capsys, "patch", "2026-09-04") == f"1.{N + 1}.1"

    assert sorted(train.forge.tags()) == [f"v1.{N + 1}.0", f"v1.{N + 1}.1"]
    published = server.published()
    assert published["wasmparser"] == [f"0.{N + 1}.0", f"0.{N + 1}.1"]
    assert published["wast"] == [f"{N + 1}.0.0", f"{N + 1}.0.1"]
    assert published["wasm-tools"] == [f"1.{N + 1}.0", f"1.{N + 1}.1"]
    releases = {r.tag: r for r in train.forge.list_releases()}
    assert releases[f"v1.{N + 1}.1"].latest and not releases[f"v1.{N + 1}.0"].latest
    assert releases[f"v1.{N + 1}.1"].body == (
        "Released 2026-09-04.\n\n### Fixed\n\n* `wast` no longer panics on an empty module.\n"
    )
    assert train.branches() == ["main"]

    status = json.loads(rt(train, capsys, "status", "--json", "--now", "2026-09-05T12:00:00Z"))
    assert status["shape"] == "main"
    assert "release_branches" not in status
    assert status["releases_on_main"] == [
        {
            "branch": f"1.{N + 1}.x",
            "version": f"1.{N + 1}.0",
            "latest_tag": f"v1.{N + 1}.1",
            "release_date": "2026-09-01",
            "lts": False,
            "supported_until": "2026-09-19",  # the day before the next scheduled release
            "supported": True,
        }
    ]
    assert list(status["next"]) == ["release"]  # no cut in this train
    tags = {t["tag"]: t for t in status["tags"]}
    assert tags[f"v1.{N + 1}.1"]["published"] == tags[f"v1.{N + 1}.1"]["total"] == 8
    assert tags[f"v1.{N + 1}.1"]["missing"] == []
    assert status["blocking"] == []

    rt(train, capsys, "status", "--now", "2026-09-05T12:00:00Z", "--html", str(tmp_path / "dashboard"))
    page = (tmp_path / "dashboard" / "index.html").read_text()
    assert "<h2>Releases on main</h2>" in page
    assert f'data-branch="1.{N + 1}.x"' in page
    assert f'data-tag="v1.{N + 1}.1"' in page
