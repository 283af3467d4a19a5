"""A configuration below the git top level (`-C sub/dir`, `release-train.toml` there): the flows
read the commit's tree at the same place and commit their changes there, not at the top."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.fixtures.train import DEMO

from release_train.cli import main
from release_train.forges.local import LocalForge
from release_train.infra.git import init_repo

SUB = "sub/dir"


def subdir_repository(tmp_path: Path) -> tuple[Path, LocalForge]:
    """The demo's workspace and configuration in `work/sub/dir`, a README at the top, committed
    on main and pushed to a local forge."""
    bare = tmp_path / "origin.git"
    LocalForge.init(bare)
    work = tmp_path / "work"
    sub = work / SUB
    shutil.copytree(DEMO, sub, ignore=shutil.ignore_patterns("target"))
    config = sub / "release-train.toml"
    config.write_text(config.read_text().replace("[forge]\n", f'[forge]\npath = "{bare.as_posix()}"\n', 1))
    (work / "README.md").write_text("The workspace is in sub/dir.\n")
    git = init_repo(work)
    git.run("remote", "add", "origin", str(bare))
    stamp = "2026-12-01T00:00:00+00:00"
    git.run("add", "--all")
    git.run(
        "commit",
        "--quiet",
        "-m",
        "Initial commit",
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
    )
    forge = LocalForge(bare)
    forge.push(work, ["main"])
    return sub, forge


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_cut_dry_run_reads_and_changes_the_subdirectory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sub, forge = subdir_repository(tmp_path)
    code, out = run(capsys, "cut", "--dry-run", "-C", str(sub), "--now", "2026-12-05T00:00:00Z")
    assert code == 0, out
    assert "cut Railcar 1.0.0 from main: release-1.0.0, then main -> 2.0.0" in out
    assert (
        f"changes: {SUB}/Cargo.lock, {SUB}/Cargo.toml, {SUB}/RELEASES.md, {SUB}/coupler/coupler-core/Cargo.toml"
    ) in out
    assert f"{SUB}/include/railcar.h" in out
    assert f"--- a/{SUB}/RELEASES.md" in out
    assert "version workspace: 1.0.0 -> 2.0.0" in out
    assert "Every check of `release-train verify` passed" in out
    assert forge.git.branches() == ["main"]  # a dry run changes nothing


def test_release_latest_dry_run_after_a_cut_in_the_subdirectory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sub, forge = subdir_repository(tmp_path)
    code, out = run(capsys, "cut", "-C", str(sub), "--now", "2026-12-05T00:00:00Z")
    assert code == 0, out
    bump = forge.git.show_file("refs/heads/ci/bump-to-2.0.0", f"{SUB}/Cargo.toml")
    assert bump is not None and b'version = "2.0.0"' in bump
    assert forge.git.show_file("refs/heads/ci/bump-to-2.0.0", "Cargo.toml") is None  # nothing at the top
    assert (
        forge.git.show_file("refs/heads/ci/bump-to-2.0.0", "README.md") == b"The workspace is in sub/dir.\n"
    )

    code, out = run(capsys, "release-latest", "--dry-run", "-C", str(sub), "--now", "2026-12-20T00:00:00Z")
    assert code == 0, out
    assert "Release Railcar 1.0.0" in out
    assert f"changes: {SUB}/RELEASES.md" in out
    assert f"--- a/{SUB}/RELEASES.md" in out
    assert "+Released 2026-12-20." in out
    assert "railcar-core 1.0.0" in out  # the packages the tag will publish, read in the subdirectory
    assert "ci/release-1.0.0" not in forge.git.branches()
