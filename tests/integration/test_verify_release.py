"""`verify` finds what a release would hit later (cargo, the registry, the notes flows), each
problem with file, line and fix; the train flows refuse to propose with the same messages unless
`--allow-verify-failures`, which the PR body records."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.fixtures.train import DEMO, build_train

from release_train.cli import main
from release_train.flows.gates.verify_gate import VerifyFailed
from release_train.flows.lines import patch
from release_train.flows.train import cut, release
from release_train.infra.git import Git, init_repo


def demo_repo(tmp_path: Path) -> Git:
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("target"))
    git = init_repo(root)
    git.commit_all("The demo")
    return git


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once; the 1-based line where the new text starts."""
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


def problems_by_check(capsys: pytest.CaptureFixture[str], root: Path) -> dict[str, list[str]]:
    code = main(["verify", "--json", "-C", str(root)])
    data = json.loads(capsys.readouterr().out)
    assert code == (0 if data["ok"] else 4)
    return {c["name"].split(" (")[0]: c["problems"] for c in data["checks"] if c["problems"]}


def test_each_problem_names_file_line_and_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git = demo_repo(tmp_path)
    root = git.path
    assert problems_by_check(capsys, root) == {}
    req = edit(
        root / "Cargo.toml",
        'coupler-frontend = { path = "coupler/coupler-frontend", version = "0.88.0" }',
        'coupler-frontend = { path = "coupler/coupler-frontend", version = ">=0.89, <0.90" }',
    )
    lock = (
        edit(
            root / "Cargo.lock",
            'name = "coupler-core"\nversion = "0.88.0"',
            'name = "coupler-core"\nversion = "0.87.0"',
        )
        + 1
    )
    edit(root / "crates" / "railcar-core" / "Cargo.toml", 'description = "The core types of Railcar"\n', "")
    (root / "coupler" / "coupler-core" / "README.md").unlink()
    archive = edit(root / "RELEASES.md", "<!-- ARCHIVE_START -->\n", "")
    del archive

    found = problems_by_check(capsys, root)

    assert found["every first-party requirement is satisfied by its member's version"] == [
        f"Cargo.toml:{req}: [workspace.dependencies] requires coupler-frontend '>=0.89, <0.90', but "
        "coupler-frontend is at 0.88.0: cargo cannot resolve the workspace "
        '(fix: set it to "0.88.0" in [workspace.dependencies] coupler-frontend)'
    ]
    assert found["Cargo.lock lists each member at its manifest version"] == [
        f"Cargo.lock:{lock}: Cargo.lock lists coupler-core 0.87.0, but its manifest says 0.88.0 (fix: run "
        "`cargo update --workspace` (it rewrites only the members' entries) and commit Cargo.lock)"
    ]
    assert found["the registry would take every package"] == [
        "coupler/coupler-core/Cargo.toml:4: coupler-core: `readme` names README.md, which does not exist "
        "(fix: add the file or correct the path)",
        "crates/railcar-core/Cargo.toml:1: railcar-core has no `description`, which the registry requires "
        '(fix: add description = "..." under [package])',
    ]
    dashes = (root / "RELEASES.md").read_text().split("\n").index("-" * 80) + 1
    assert found["the notes file RELEASES.md is in a shape the flows accept"] == [
        f"RELEASES.md:{dashes}: the notes file has no `<!-- ARCHIVE_START -->` line for the archive list "
        "(fix: add a line `<!-- ARCHIVE_START -->` below the dashed line)"
    ]
    (root / "RELEASES.md").unlink()
    assert problems_by_check(capsys, root)["the notes file RELEASES.md is in a shape the flows accept"] == [
        "RELEASES.md: the notes file does not exist (fix: `release-train init` creates it from the template; "
        "or set [release] notes to your notes file)"
    ]


def test_package_size_is_estimated_from_tracked_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git = demo_repo(tmp_path)
    root = git.path
    (root / "coupler" / "coupler-core" / "blob.bin").write_bytes(os.urandom(11 * 2**20))  # incompressible
    (root / "coupler" / "coupler-frontend" / "zeros.bin").write_bytes(
        bytes(24 * 2**20)
    )  # compresses to little
    railcar_core = root / "crates" / "railcar-core"
    (railcar_core / "fixtures.bin").write_bytes(os.urandom(11 * 2**20))
    edit(railcar_core / "Cargo.toml", "[dependencies]", 'exclude = ["fixtures.bin"]\n\n[dependencies]')
    (root / "untracked.bin").write_bytes(os.urandom(11 * 2**20))  # not in git: cargo would not pack it
    git.run("add", "coupler", "crates")
    git.run("commit", "--quiet", "-m", "Large files")

    found = problems_by_check(capsys, root)

    (problem,) = found["every package is under the registry's 10 MiB limit"]
    assert problem.startswith(
        "coupler/coupler-core/Cargo.toml:1: coupler-core packs 4 files, about 11.0 MiB compressed"
    )
    assert problem.endswith("(fix: leave large files out with `exclude = [...]` under [package])")


def test_a_packed_file_this_clone_lacks_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    # A clone that lacks an object (a damaged clone, a mirror with missing large files: seen on a
    # fetched wasm-tools): `git ls-tree -l` sizes it "BAD"; cargo could not package the crate.
    train = build_train(tmp_path)
    train.land("main", {"crates/railcar-core/data.bin": "bytes cargo would pack\n"}, "Add data")
    blob = train.work.run("rev-parse", "origin/main:crates/railcar-core/data.bin").strip()
    (train.work.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()

    with pytest.raises(VerifyFailed) as info:
        cut.plan(train.env())

    assert (
        "crates/railcar-core/Cargo.toml:1: railcar-core packs data.bin, whose content this clone does "
        "not have, so cargo cannot package it (fix: fetch the missing objects, e.g. `git fetch "
        "--refetch origin`, or leave the files out with `exclude = [...]` under [package])"
    ) in info.value.message


def test_the_flows_refuse_with_verify_messages_and_the_override_is_recorded(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1, now="2026-01-06")
    manifest = "crates/railcar-core/Cargo.toml"
    broken = train.file("main", manifest).replace('description = "The core types of Railcar"\n', "")
    train.land("main", {manifest: broken}, "Drop a description")
    train.land("release-1.0.0", {manifest: broken}, "Drop a description")
    message = (
        "crates/railcar-core/Cargo.toml:1: railcar-core has no `description`, which the registry requires"
    )
    refs = train.forge.git.refs("refs/")

    planners: list[tuple[str, Callable[[], object]]] = [
        ("cut", lambda: cut.plan(train.env())),
        ("release-latest", lambda: release.plan(train.env())),
        ("release-patch", lambda: patch.plan(train.env(), branch="release-1.0.0", allow_empty_notes=True)),
    ]
    for name, planner in planners:
        with pytest.raises(VerifyFailed, match="release-train verify` finds 1 problem") as info:
            planner()
        assert info.value.message.startswith(f"{name} is refused")
        assert message in info.value.message
        assert (
            info.value.hint
            and "--allow-verify-failures" in info.value.hint
            and "nothing was changed" in info.value.hint
        )
    assert train.forge.git.refs("refs/") == refs

    env = train.at("2026-01-20").env()
    release.apply(env, release.plan(env, allow_verify_failures=True))
    body = train.pr("ci/release-1.0.0", "release-1.0.0").body
    assert "`release-train verify` found 1 problem when this PR was proposed:" in body
    assert f"- {message}" in body
    assert "**The gate was overridden** with `--allow-verify-failures`" in body


def test_release_prs_list_what_the_tag_publishes_and_bump_prs_the_versions(tmp_path: Path) -> None:
    train = build_train(tmp_path, now="2026-01-05")
    env = train.env()
    cut.apply(env, cut.plan(env))
    body = train.pr("ci/bump-to-2.0.0", "main").body
    assert (
        "### Versions\n\n- workspace: 1.0.0 -> 2.0.0\n- coupler-core, coupler-frontend: 0.88.0 -> 0.89.0\n"
        in body
    )
    assert "Every check of `release-train verify` passed when this PR was proposed." in body

    env = train.at("2026-01-20").env()
    planned = release.plan(env)
    release.apply(env, planned)
    body = train.pr("ci/release-1.0.0", "release-1.0.0").body
    assert (
        "### Packages\n\nThe tag `v1.0.0` will publish, in this order:\n\n1. coupler-core 0.88.0\n"
        "2. railcar-internal-util 1.0.0\n3. coupler-frontend 0.88.0\n4. railcar-core 1.0.0\n5. railcar 1.0.0\n"
    ) in body
    (pr_step,) = [s for s in planned.steps if s.name == "pr:ci/release-1.0.0"]
    assert pr_step.facts["publishes"][0] == {"package": "coupler-core", "version": "0.88.0"}


def test_release_rc_refuses_with_verify_messages_too(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1, rc=True, now="2026-01-06")
    manifest = "crates/railcar-core/Cargo.toml"
    broken = train.file("release-1.0.0", manifest).replace('description = "The core types of Railcar"\n', "")
    train.land("release-1.0.0", {manifest: broken}, "Drop a description")
    with pytest.raises(VerifyFailed, match=r"^release-rc is refused: `release-train verify` finds 1 problem"):
        release.plan_rc(train.env())
    planned = release.plan_rc(train.env(), allow_verify_failures=True)
    (pr_step,) = [s for s in planned.steps if s.kind == "pr"]
    assert (
        "| **The gate was overridden** with `--allow-verify-failures`: fix these before the release is tagged."
        in pr_step.details
    )
    (commit,) = [s for s in planned.steps if s.kind == "commit"]
    assert commit.facts["versions"][0]["new"].startswith("1.0.0-rc.")
