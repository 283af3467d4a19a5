"""The forge release of a tag on the local forge: notes from the tag's RELEASES.md, assets,
pre-release for suffixed versions, "latest" only for the highest version ever released, rc yanks;
and the new-tag reaction that publishes and then releases."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available, write_workspace
from tests.fixtures.publishing import TOKEN, publish_site
from tests.fixtures.train import registry_for

from release_train.config import Settings, load_settings
from release_train.context import Context
from release_train.events import Recorder
from release_train.flows.env import FlowEnv
from release_train.flows.publish import run_reaction
from release_train.flows.publish.forge_release import create_release, earlier_rcs, section
from release_train.forges.interface import ZERO_SHA, PushEvent, Release
from release_train.forges.local import LocalForge
from release_train.infra.git import Git, init_repo
from release_train.model.notes import DASHES
from release_train.model.version import Version
from release_train.registries.interface import Artefact, PublishedVersion, RegistryCapability, UploadRequest
from release_train.workspaces.interface import Package


def notes(version: str, line: str) -> str:
    return (
        f"## {version}\n\nReleased 2026-11-20.\n\n### Fixed\n\n* {line}\n\n{DASHES}\n\n"
        "## 0.9.0\n\nOld notes.\n"
    )


class Site:
    def __init__(self, tmp_path: Path, config: str = "") -> None:
        self.bare = tmp_path / "origin.git"
        self.forge = LocalForge.init(self.bare)
        self.work = init_repo(tmp_path / "work")
        self.work.run("remote", "add", "origin", str(self.bare))
        (self.work.path / "release-train.toml").write_text(
            f'[forge]\nkind = "local"\npath = "../origin.git"\n\n[publish]\nassets = ["dist/*"]\n{config}'
        )
        (self.work.path / "dist").mkdir()
        (self.work.path / ".gitignore").write_text("/dist\n")

    @property
    def settings(self) -> Settings:
        return load_settings(self.work.path)

    def tag(self, version: str, line: str = "a fix") -> str:
        (self.work.path / "RELEASES.md").write_text(notes(version, line))
        self.work.commit_all(f"Release {version}")
        tag = f"v{version}"
        self.work.run("tag", tag)
        self.forge.push(self.work.path, ["HEAD:refs/heads/main", f"refs/tags/{tag}"], force=True)
        return tag

    def release(
        self, tag: str, registry: FakeRegistry | None = None, observer: Recorder | None = None
    ) -> Release:
        return create_release(
            self.settings,
            self.forge,
            registry,
            Context(observer=observer or Recorder()),
            tag=tag,
            git=self.work,
        )

    def latest(self) -> list[str]:
        return [r.tag for r in self.forge.list_releases() if r.latest]


def test_notes_assets_prerelease_and_latest_only_for_the_highest_version(tmp_path: Path) -> None:
    site = Site(tmp_path)
    (site.work.path / "dist" / "app-1.0.0.tar.gz").write_bytes(b"binary")

    first = site.release(site.tag("1.0.0", "the first fix"))
    assert first.latest and not first.prerelease
    assert first.body.startswith("Released 2026-11-20.")
    assert "* the first fix" in first.body and "Old notes" not in first.body and "---" not in first.body
    assert first.assets == ("app-1.0.0.tar.gz",)

    site.release(site.tag("2.0.0"))
    assert site.latest() == ["v2.0.0"]

    # A patch of the old line comes later but is not the highest version: it never takes "latest".
    patch = site.release(site.tag("1.0.1"))
    assert not patch.latest
    assert site.latest() == ["v2.0.0"]

    rc = site.release(site.tag("2.1.0-rc.1"))
    assert rc.prerelease and not rc.latest
    assert site.latest() == ["v2.0.0"]

    # Re-running updates in place: no second release, "latest" unchanged.
    again = site.release("v2.0.0")
    assert again.latest
    assert sorted(r.tag for r in site.forge.list_releases()) == ["v1.0.0", "v1.0.1", "v2.0.0", "v2.1.0-rc.1"]


class FakeRegistry:
    """An in-memory registry implementing the Protocol (only what the forge release uses)."""

    label = "memory"
    capabilities = frozenset(RegistryCapability)

    def __init__(self, versions: dict[str, list[str]]) -> None:
        self.data = {n: {v: PublishedVersion(n, v, "sum") for v in vs} for n, vs in versions.items()}
        self.yanked: list[tuple[str, str]] = []

    def versions(self, name: str) -> dict[str, PublishedVersion]:
        return dict(self.data.get(name, {}))

    def for_package(self, name: str) -> FakeRegistry:
        return self

    def yank(self, name: str, version: str) -> None:
        old = self.data[name][version]
        self.data[name][version] = PublishedVersion(name, version, old.checksum, yanked=True)
        self.yanked.append((name, version))

    def publish(self, request: UploadRequest) -> None:
        raise AssertionError("not used")

    def is_visible(self, name: str, version: str) -> bool:
        return version in self.data.get(name, {})

    def package(
        self, workspace: Path, target_dir: Path, packages: Sequence[Package]
    ) -> dict[str, tuple[Artefact, ...]]:
        raise AssertionError("not used")


def test_rc_train_yanks_earlier_rcs_after_a_newer_rc_and_after_the_final(tmp_path: Path) -> None:
    site = Site(tmp_path, '\n[release]\nrc = true\n\n[project]\nversion-from = "synth-02"\n')
    ws = write_workspace(site.work.path, count=3, depth=2, version="2.0.0-rc.2")
    names = ws.names
    registry = FakeRegistry({n: ["1.0.0-rc.1", "1.0.0", "2.0.0-rc.1", "2.0.0-rc.2"] for n in names})

    site.release(site.tag("2.0.0-rc.2"), registry)
    assert sorted(registry.yanked) == sorted((n, "2.0.0-rc.1") for n in names)

    for manifest in site.work.path.glob("crates/*/Cargo.toml"):
        manifest.write_text(manifest.read_text().replace("2.0.0-rc.2", "2.0.0"))
    for n in names:
        registry.data[n]["2.0.0"] = PublishedVersion(n, "2.0.0", "sum")
    registry.yanked.clear()
    site.release(site.tag("2.0.0"), registry)
    # rc.1 is yanked already; the final is never yanked; other lines are left alone.
    assert sorted(registry.yanked) == sorted((n, "2.0.0-rc.2") for n in names)


class UploadOnlyRegistry(FakeRegistry):
    """A package index: its upload API cannot yank."""

    capabilities = frozenset({RegistryCapability.UPLOAD})

    def yank(self, name: str, version: str) -> None:
        raise AssertionError("a registry that cannot yank was asked to")


def test_rc_train_on_a_registry_that_cannot_yank_warns_and_yanks_nothing(tmp_path: Path) -> None:
    site = Site(tmp_path, '\n[release]\nrc = true\n\n[project]\nversion-from = "synth-02"\n')
    ws = write_workspace(site.work.path, count=3, depth=2, version="2.0.0-rc.2")
    registry = UploadOnlyRegistry({n: ["2.0.0-rc.1", "2.0.0-rc.2"] for n in ws.names})
    seen = Recorder()

    made = site.release(site.tag("2.0.0-rc.2"), registry, seen)

    assert made.prerelease
    assert sorted(seen.messages("warn")) == sorted(
        f"{n} 2.0.0-rc.1 is superseded by 2.0.0-rc.2; memory cannot yank through its API "
        "(yank it on the index's page if you want it hidden)"
        for n in ws.names
    )


def test_earlier_rcs_never_names_the_version_just_published() -> None:
    published = {"3.0.0-rc.1": False, "3.0.0-rc.2": False, "3.0.0-rc.3": False, "3.0.0-dev": False}
    assert earlier_rcs(Version.parse("3.0.0-rc.2"), published) == ["3.0.0-rc.1"]
    assert earlier_rcs(Version.parse("3.0.0"), {**published, "3.0.0-rc.1": True}) == [
        "3.0.0-rc.2",
        "3.0.0-rc.3",
    ]
    assert earlier_rcs(Version.parse("3.0.0-dev"), published) == []


def test_section_prefers_the_version_heading_and_stops_at_the_dashes() -> None:
    text = notes("5.0.0", "five") + f"{DASHES}\n"
    assert section(text, "0.9.0") == "Old notes.\n"
    assert section(text, "7.0.0").startswith("Released 2026-11-20.")
    assert section("no headings\n", "1.0.0") == ""


@pytest.mark.cargo
@pytest.mark.skipif(not cargo_available(), reason="needs cargo")
def test_new_tag_reaction_publishes_then_releases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forge_config = 'assets = ["dist/*"]\n\n[forge]\nkind = "local"\npath = "../origin.git"\n'
    with publish_site(tmp_path, monkeypatch, count=3, depth=2, extra_config=forge_config) as site:
        forge = LocalForge.init(tmp_path / "origin.git")
        (site.repo.path / "RELEASES.md").write_text(notes("0.1.0", "first release"))
        site.repo.commit_all("notes")
        site.repo.run("tag", "-f", site.tag)
        forge.push(site.repo.path, ["HEAD:refs/heads/main", f"refs/tags/{site.tag}"])
        sha = Git(site.repo.path).rev_parse("HEAD")
        assert sha is not None
        ctx = Context(observer=site.recorder)
        event = PushEvent(f"refs/tags/{site.tag}", ZERO_SHA, sha)

        registry = registry_for(site.settings, ctx, TOKEN)
        env = FlowEnv(site.settings, site.repo, forge, ctx, open_registry=registry)
        release = run_reaction(env, event)

        assert release is not None and release.latest and "* first release" in release.body
        assert sorted(site.server.published()) == sorted(site.workspace.names)
        # Branch pushes are not this reaction's business.
        branch = PushEvent("refs/heads/main", ZERO_SHA, sha)
        assert run_reaction(env, branch) is None
