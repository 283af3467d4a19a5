"""Workspaces as a new user brings them (the shared corpus's `adoption/`: wgpu and wit-bindgen at
one commit): after `bump major` and then `bump patch`, every first-party requirement that carries
a version is satisfied, by Cargo's rules, by the version its member has then. wgpu requires its
`publish = false` members `wgpu-macros` and `wgpu-test`, which inherit the workspace version, with
`version = "22.0.0"`: the case the bump once left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from release_train.cli import main
from release_train.config import load_settings
from release_train.model.cargo_req import Requirement
from release_train.model.version import Version
from release_train.workspaces import load_workspace
from release_train.workspaces.cargo import CargoWorkspace

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "adoption"
CASES = sorted(p.parent.name for p in CORPUS.glob("*/case.toml"))


def requirements(work: Path) -> list[tuple[str, str, str, Version]]:
    """Every first-party requirement with a version: (manifest, key, requirement, member version)."""
    ws = load_workspace(load_settings(work))
    assert isinstance(ws, CargoWorkspace)
    member_at = {ws.member_manifest[p.name].dir: p for p in ws.packages}
    return [
        (str(manifest.path.relative_to(work)), entry.key, entry.version.value, member_at[entry.dir].version)
        for manifest in ws.manifests
        for entry in manifest.entries
        if entry.version is not None and not entry.registry_only and entry.dir in member_at
    ]


def test_the_corpus_is_there() -> None:
    assert {"wgpu", "wit-bindgen"} <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_every_first_party_requirement_holds_after_major_then_patch(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / name
    shutil.copytree(CORPUS / name / "tree", work)
    (work / ".git").mkdir()
    # what the user writes: the project's crates take caret requirements on each other
    (work / "release-train.toml").write_text(f'[project]\nname = "{name}"\n\n[[workspace]]\npublic = ["*"]\n')
    before = requirements(work)
    assert before, "the case has first-party requirements with versions"
    for op in ("major", "patch"):
        assert main(["bump", op, "-C", str(work)]) == 0, capsys.readouterr().err
        after = requirements(work)
        assert len(after) == len(before)
        unmet = [(m, key, req, str(v)) for m, key, req, v in after if not Requirement.parse(req).matches(v)]
        assert unmet == []
    moved = [(m, key) for (m, key, old, _), (_, _, new, _) in zip(before, after, strict=True) if old != new]
    assert moved, "the bumps rewrote requirements"


def test_wgpu_unpublished_members_are_required_at_their_new_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "wgpu"
    shutil.copytree(CORPUS / "wgpu" / "tree", work)
    (work / ".git").mkdir()
    (work / "release-train.toml").write_text('[[workspace]]\npublic = ["*"]\n')
    assert main(["bump", "major", "-C", str(work)]) == 0, capsys.readouterr().err
    root = (work / "Cargo.toml").read_text()
    assert 'wgpu-macros = { version = "23.0.0", path = "./wgpu-macros" }' in root
    assert 'wgpu-test = { version = "23.0.0", path = "./tests" }' in root
