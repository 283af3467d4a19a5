"""The month of a repository with a Cargo and a Python workspace on the local forge: the cut moves
both to the next major in one PR, the release PR lists both workspaces' version lines and
packages, and merging it tags once."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available
from tests.fixtures.fake_semver_checks import FakeSemverChecks, install
from tests.fixtures.mixed_workspace import CONFIG, build_mixed
from tests.fixtures.publishing import use_isolated_cargo
from tests.fixtures.train import Train, build_train, first_release

from release_train.cli import main
from release_train.errors import RefusedError
from release_train.flows.publish.journal import journal_path
from release_train.flows.train import cut, release
from release_train.registries.local_cargo import RegistryServer
from release_train.registries.local_pypi import PypiServer

TOKEN = "mixed-month-token"  # a throwaway token for throwaway local registries


def mixed_train(tmp_path: Path) -> Train:
    source = build_mixed(tmp_path / "coach", "1.0.0")
    return build_train(tmp_path, now="2026-01-01", workspace=source)


def test_one_cut_one_release_pr_one_tag(tmp_path: Path) -> None:
    train = mixed_train(tmp_path)
    env = train.at("2026-01-05T00:00:00Z").env()
    planned = cut.plan(env)
    cut.apply(env, planned)
    bump = planned.proposals[0]
    body = train.pr(bump.head, bump.base).body
    assert "workspace (cargo)" in body and "coach-util, coach, coach-cli (python)" in body
    train.merge(bump.head, bump.base)
    assert 'version = "2.0.0"' in train.file("main", "Cargo.toml")
    assert '"coach-util==2.0.0"' in train.file("main", "python/packages/coach/pyproject.toml")
    assert '__version__ = "2.0.0"' in train.file("main", "python/packages/coach/src/coach/__init__.py")
    assert 'name = "coach-util"\nversion = "2.0.0"' in train.file("main", "python/uv.lock")
    assert 'version = "1.0.0"' in train.file("release-1.0.0", "Cargo.toml")

    env = train.at("2026-01-20T01:00:00Z").env()
    release.apply(env, release.plan(env))
    pr = train.pr("ci/release-1.0.0", "release-1.0.0")
    packages = pr.body[pr.body.index("### Packages") :]
    listed = [line.split()[1:] for line in packages.splitlines() if line[:1].isdigit()]
    assert listed == [
        [name, "1.0.0"] for name in ("coach-sys", "coach-util", "coach", "coach-core", "coach-cli")
    ]
    assert "coach-bindings" not in packages
    train.merge("ci/release-1.0.0", "release-1.0.0")
    assert [t for t in train.forge.tags() if t.startswith("v")] == ["v1.0.0"]


def test_status_and_packages_list_both_workspaces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = mixed_train(tmp_path)
    work = str(train.work.path)
    assert main(["status", "--now", "2026-01-02T00:00:00Z", "-C", work]) == 0
    assert main(["packages", "-C", work]) == 0
    out = capsys.readouterr().out
    assert "train version 1.0.0; 5 of 6 packages are published" in out
    assert main(["verify", "-C", work]) == 0


COACH = "python/packages/coach/src/coach/__init__.py"


def released(tmp_path: Path) -> Train:
    """The mixed train through its first month: release-1.0.0 released as v1.0.0."""
    train = mixed_train(tmp_path)
    first_release(train)
    train.at("2026-01-25T09:00:00Z")
    return train


def change_line(train: Train, files: dict[str, str | None], entry: str) -> None:
    notes = train.file("release-1.0.0")
    section = f"## 1.0.1\n\nUnreleased.\n\n### Fixed\n\n* {entry}\n\n" + "-" * 80 + "\n\n"
    train.land("release-1.0.0", {**files, "RELEASES.md": section + notes}, entry)


@pytest.fixture
def semver_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSemverChecks:
    fake = install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{fake.bin_dir}{os.pathsep}{os.environ['PATH']}")
    return fake


def test_the_patch_gate_checks_each_workspace_with_its_tool(
    tmp_path: Path, semver_checks: FakeSemverChecks, capsys: pytest.CaptureFixture[str]
) -> None:
    train = released(tmp_path)
    module = train.file("release-1.0.0", COACH)
    change_line(train, {COACH: module.replace("def couple(", "def join(")}, "Rename couple")
    capsys.readouterr()
    patch = [
        "release-patch",
        "--branch",
        "release-1.0.0",
        "-C",
        str(train.work.path),
        "--now",
        "2026-01-25T10:00:00Z",
    ]
    assert main(patch) == RefusedError.exit_code
    err = capsys.readouterr().err
    assert (
        "error: release-1.0.0: cargo-semver-checks: cargo-semver-checks found no semver-breaking change in "
        "coach-core against v1.0.0; griffe: griffe found 1 breaking API change against v1.0.0 in coach\n"
    ) in err
    assert "python/packages/coach/src/coach/__init__.py:0: couple: Public object was removed" in err
    last = semver_checks.calls()[-1]["argv"]
    assert last[-4:] == ["--baseline-rev", "v1.0.0", "-p", "coach-core"]  # the Cargo part only

    change_line(
        train,
        {COACH: module + "\n\ndef reverse(train: str) -> str:\n    return train[::-1]\n"},
        "Add reverse",
    )
    assert main(patch) == 0
    body = train.pr("ci/bump-to-1.0.1", "release-1.0.0").body
    assert "**API check** (cargo-semver-checks and griffe against `v1.0.0`)" in body
    assert "`coach-core`" in body and "`coach`" in body


@pytest.mark.skipif(not cargo_available(), reason="needs cargo")
def test_the_tag_publishes_each_workspace_to_its_own_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_isolated_cargo(monkeypatch, tmp_path)
    with RegistryServer(tmp_path / "crates") as crates, PypiServer(tmp_path / "index", token=TOKEN) as index:
        train = mixed_train(tmp_path)
        s = train.settings
        publish = replace(s.publish, registry="local", index=crates.index_url, build_isolation=False)
        python = replace(s.workspaces[1], registry="local", index=index.index_url)
        train.settings = replace(s, publish=publish, workspaces=(s.workspaces[0], python))
        train.publish, train.registry_token = True, TOKEN

        first_release(train)

        assert [t for t in train.forge.tags() if t.startswith("v")] == ["v1.0.0"]
        assert crates.published() == {"coach-core": ["1.0.0"], "coach-sys": ["1.0.0"]}
        stored = sorted(p.name for p in (index.data_dir / "packages").iterdir())
        assert stored == [
            f"{stem}-1.0.0{end}"
            for stem in ("coach", "coach_cli", "coach_util")
            for end in ("-py3-none-any.whl", ".tar.gz")
        ]
        (release_,) = [r for r in train.forge.list_releases() if r.tag == "v1.0.0"]
        assert release_.tag == "v1.0.0"
        journal = journal_path(train.settings, "v1.0.0")
        assert journal.is_file() and list(journal.parent.glob("*-files")) == []  # no built file kept


def tag_and_publish(train: Train, tag: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Commit the working tree, tag it, push both to the forge, `publish --tag`: its output."""
    work = train.work
    work.commit_all(f"Release candidate {tag}")
    work.run("tag", tag)
    work.run("push", "--quiet", "origin", "main", tag)
    capsys.readouterr()
    assert main(["publish", "--tag", tag, "-C", str(work.path)]) == 0, capsys.readouterr()
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.skipif(not cargo_available(), reason="needs cargo")
def test_an_rc_train_yanks_superseded_crate_rcs_and_warns_of_python_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from release_train.registries.cargo_registry import CargoRegistry

    use_isolated_cargo(monkeypatch, tmp_path)
    monkeypatch.setenv("CARGO_REGISTRY_TOKEN", TOKEN)
    monkeypatch.setenv("PYPI_TOKEN", TOKEN)
    with RegistryServer(tmp_path / "crates") as crates, PypiServer(tmp_path / "index", token=TOKEN) as index:
        config = CONFIG.replace(
            "\n[[workspace]]",
            "\n[release]\nrc = true\n\n"
            f'[publish]\nregistry = "local"\nindex = "{crates.index_url}"\nbuild-isolation = false\n\n'
            "[[workspace]]",
            1,
        )
        config += f'registry = "local"\nindex = "{index.index_url}"\n'
        train = build_train(tmp_path, workspace=build_mixed(tmp_path / "coach", "1.0.0", config))
        work = str(train.work.path)

        assert main(["bump", "rc", "-C", work]) == 0
        tag_and_publish(train, "v1.0.0-rc.1", capsys)
        assert main(["bump", "rc", "-C", work]) == 0
        out = tag_and_publish(train, "v1.0.0-rc.2", capsys)

        registry = CargoRegistry(crates.index_url, None)
        for crate in ("coach-core", "coach-sys"):
            yanked = {v.version: v.yanked for v in registry.versions(crate).values()}
            assert yanked == {"1.0.0-rc.1": True, "1.0.0-rc.2": False}
            assert f"yanked {crate} 1.0.0-rc.1 (superseded by 1.0.0-rc.2)" in out
        for dist in ("coach-util", "coach", "coach-cli"):
            assert (
                f"{dist} 1.0.0rc1 is superseded by 1.0.0rc2; {index.index_url} cannot yank through its API"
            ) in out
        assert "cannot yank" not in out.replace(index.index_url + " cannot yank", "")
        stored = index.files()
        assert "coach-1.0.0rc1.tar.gz" in stored and "coach-1.0.0rc2.tar.gz" in stored
