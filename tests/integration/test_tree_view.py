"""Reading a commit from git's object database (`infra/treefiles.py`) answers what reading its
checkout answers, reads nothing from the disk, and keeps the confinement of `infra/confine.py`;
a commit made there (`infra/gitobjects.py`) is the commit `git commit` makes in a checkout."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from tests.fixtures.python_workspace import build_pyrail
from tests.fixtures.train import DEMO, build_train

from release_train.config import Settings, load_settings
from release_train.errors import ReleaseTrainError, WorkspaceError
from release_train.flows import branchwork, cut, verify
from release_train.flows.bump import plan_bump
from release_train.flows.worktree import temporary_worktree, tree_view
from release_train.infra import gitobjects
from release_train.infra.git import Git, init_repo
from release_train.infra.treefiles import TreeFiles
from release_train.model.version import Operation
from release_train.workspaces import load_workspace
from release_train.workspaces.cargo_members import glob_dirs
from release_train.workspaces.interface import Workspace

DAY = date(2026, 1, 5)
STAMP = {"GIT_AUTHOR_DATE": "2026-01-05T00:00:00+00:00", "GIT_COMMITTER_DATE": "2026-01-05T00:00:00+00:00"}


def committed(path: Path) -> Git:
    git = init_repo(path)
    git.run("add", "--all")
    git.run("commit", "--quiet", "-m", "the workspace", env=STAMP)
    return git


# --- globs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern",
    ["crates/*", "*", "crates/c[ab]*", "crates/?x", "crates/*x", "nested/deep/*", "missing/*", "file/*",
     "crates/*/src", "./crates/*", "crates//*", "**/src", "crates/.h*", "**", "crates/**/src"],
)  # fmt: skip
def test_a_glob_in_a_commit_finds_what_path_glob_finds_in_its_checkout(tmp_path: Path, pattern: str) -> None:
    repo = tmp_path / "repo"
    for d in ["crates/ca", "crates/cb1", "crates/zx", "crates/ax", "crates/.hidden", "nested/deep/one"]:
        (repo / d / "src").mkdir(parents=True)
        (repo / d / "src" / "lib.rs").write_text("")  # git keeps no empty directory
    (repo / "crates" / "plain-file").write_text("")
    (repo / "crates" / "link").symlink_to("ca")
    (repo / "crates" / "dangling").symlink_to("../nowhere")
    (repo / "file").write_text("")
    git = committed(repo)
    on_disk = sorted(
        os.path.relpath(p, repo)
        for p in repo.glob(pattern)
        if p.is_dir() and ".git" not in p.relative_to(repo).parts
    )
    with gitobjects.opened(git.path) as objects:
        files = TreeFiles(gitobjects.Tree(objects, "HEAD"), "/tree-x", "/tree-x")
        in_tree = [os.path.relpath(d, "/tree-x") for d in glob_dirs(Path("/tree-x"), pattern, files)]
    assert in_tree == on_disk


# --- workspaces ----------------------------------------------------------------------------------
def loaded(settings: Settings) -> tuple[Workspace, tuple[verify.Check, ...], dict[str, bytes]]:
    """The workspace, every check of `verify`, and what `bump major` writes (by path in the
    repository), as the flows compute them."""
    ws = load_workspace(settings)
    checks = verify.run_checks(settings, ws, release_branch=False, day=DAY)
    top = ws.files.root
    bumped = plan_bump(settings, Operation.MAJOR, ws).files
    return ws, checks, {os.path.relpath(ws.files.real(str(p)), top): data for p, data in bumped.items()}


def described(ws: Workspace) -> list[tuple[object, ...]]:
    root = ws.root
    return [
        (p.name, str(p.version), p.publish, p.public, p.directory.relative_to(root), p.manifest.relative_to(root),
         sorted((d.name, d.kind, d.req, d.first_party) for d in p.dependencies))
        for p in ws.packages
    ]  # fmt: skip


@pytest.mark.parametrize("kind", ["cargo", "cargo with large files", "python"])
def test_a_workspace_reads_the_same_from_a_commit_as_from_its_checkout(tmp_path: Path, kind: str) -> None:
    repo = tmp_path / "repo"
    if kind.startswith("cargo"):
        shutil.copytree(DEMO, repo)
    if kind == "cargo with large files":  # sizes: tracked files only, less `exclude` and nested packages
        (repo / "coupler" / "coupler-core" / "big.bin").write_bytes(os.urandom(11 * 2**20))
        core = repo / "crates" / "railcar-core"
        (core / "fixtures.bin").write_bytes(os.urandom(11 * 2**20))
        manifest = core / "Cargo.toml"
        manifest.write_text(
            manifest.read_text().replace("[dependencies]", 'exclude = ["*.bin"]\n\n[dependencies]')
        )
        nested = repo / "crates" / "railcar" / "examples" / "nested"
        nested.mkdir(parents=True)
        (nested / "Cargo.toml").write_text('[package]\nname = "nested"\nversion = "0.1.0"\n')
        (nested / "data.bin").write_bytes(os.urandom(11 * 2**20))
    if kind == "python":
        build_pyrail(repo)
        (repo / "RELEASES.md").write_text("## 1.4.2\n\nUnreleased.\n\n### Added\n\n" + "-" * 80 + "\n")
    git = committed(repo)
    settings = load_settings(repo)
    disk_ws, disk_checks, disk_bump = loaded(settings)
    with tree_view(settings, "HEAD") as in_tree:
        assert isinstance(in_tree.tree, TreeFiles)
        tree_ws, tree_checks, tree_bump = loaded(in_tree)
    assert str(tree_ws.root).startswith("/tree-")
    assert described(tree_ws) == described(disk_ws)
    assert tree_ws.train_version == disk_ws.train_version
    assert tree_checks == disk_checks
    sizes = next((c for c in tree_checks if c.name.startswith("every package is under")), None)
    if kind == "python":  # crates.io's limits; a Python index's checks are twine check's, at publish
        assert sizes is None
    else:
        assert sizes is not None
        assert [p.split(" packs ")[0] for p in sizes.problems] == (
            ["coupler/coupler-core/Cargo.toml:1: coupler-core"] if kind == "cargo with large files" else []
        )
    assert tree_bump == disk_bump and len(tree_bump) > 3
    assert git.run("worktree", "list").count("\n") == 1  # nothing was checked out


def test_the_commit_is_read_not_the_working_copy(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DEMO, repo)
    committed(repo)
    manifest = repo / "crates" / "railcar-core" / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace("[package]", "[package]\nbroken = ", 1))  # not committed
    (repo / "crates" / "railcar-core" / "README.md").unlink()
    settings = load_settings(repo)
    with pytest.raises(WorkspaceError):
        load_workspace(settings)
    with tree_view(settings, "HEAD") as in_tree:
        ws = load_workspace(in_tree)
        assert ws.package("railcar-core").version == ws.train_version
        checks = {c.name: c for c in verify.run_checks(in_tree, ws, release_branch=False, day=DAY)}
        assert checks[
            "the registry would take every package (description, license, readme)"
        ].ok  # the readme is there


# --- links ---------------------------------------------------------------------------------------
def test_a_link_inside_the_commit_is_followed_and_the_bump_writes_its_target(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    work = train.work.path
    (work / "shared").mkdir()
    manifest = work / "coupler" / "coupler-core" / "Cargo.toml"
    shutil.move(manifest, work / "shared" / "coupler-core.toml")
    manifest.symlink_to("../../shared/coupler-core.toml")
    train.work.commit_all("coupler-core's manifest lives in shared/")
    train.forge.push(work, ["main"])
    env = train.env()
    planned = cut.plan(env)
    changed = dict(planned.proposals[0].files)
    assert 'version = "0.89.0"' in changed["shared/coupler-core.toml"].decode()
    assert "coupler/coupler-core/Cargo.toml" not in changed
    cut.apply(env, planned)
    head = "refs/heads/ci/bump-to-2.0.0"
    assert train.forge.git.run("ls-tree", head, "coupler/coupler-core/Cargo.toml").startswith("120000 ")
    assert train.forge.git.show_file(head, "shared/coupler-core.toml") == changed["shared/coupler-core.toml"]


@pytest.mark.parametrize("link", ["include/railcar.h", "Cargo.lock", "coupler/coupler-core/Cargo.toml"])
def test_a_link_out_of_the_commit_is_refused(tmp_path: Path, link: str) -> None:
    """The link's target on disk has the very bytes the commit had, so reading it would pass:
    the refusal shows it was not read."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = outside / Path(link).name
    shutil.copy(DEMO / link, target)
    train = build_train(tmp_path)
    path = train.work.path / link
    path.unlink()
    path.symlink_to(target)
    train.work.commit_all("a link out of the repository")
    train.forge.push(train.work.path, ["main"])
    with pytest.raises(ReleaseTrainError) as refused:
        cut.plan(train.env())
    assert f"{link} leads to {target}, outside the repository" in str(refused.value) or (
        f"resolves to {target}, outside the repository" in str(refused.value)
    )
    assert train.forge.git.branches() == ["main"]


# --- committing ----------------------------------------------------------------------------------
def test_a_commit_made_in_the_object_database_is_the_one_git_commit_makes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "bin").mkdir(parents=True)
    (repo / "bin" / "run.sh").write_text("#!/bin/sh\necho 1\n")
    (repo / "bin" / "run.sh").chmod(0o755)
    (repo / "docs").mkdir()
    (repo / "docs" / "a.md").write_text("a\n")
    (repo / "README.md").write_text("readme\n")
    git = committed(repo)
    base = git.rev_parse("HEAD")
    assert base is not None
    files = {
        "bin/run.sh": b"#!/bin/sh\necho 2\n",  # executable stays executable
        "docs/a.md": b"a, changed\n",
        "new/deep/file.txt": b"new\n",  # new directories
        "top.txt": b"top\n",
    }
    message = "Title  \n\n\n\nbody line   \n\n"
    with temporary_worktree(git, base) as checkout:
        for path, data in files.items():
            (checkout.path / path).parent.mkdir(parents=True, exist_ok=True)
            (checkout.path / path).write_bytes(data)
        checkout.run("add", "--all")
        checkout.run("commit", "--quiet", "--file=-", input=message, env=STAMP)
        by_git = checkout.rev_parse("HEAD")
    by_objects = gitobjects.commit_files(git, base, files, message, env=STAMP)
    assert by_objects == by_git
    empty = gitobjects.commit_files(git, base, {}, "Nothing\n", env=STAMP)
    assert git.run("rev-parse", f"{empty}^{{tree}}") == git.run("rev-parse", f"{base}^{{tree}}")


def test_checkout_and_tree_keep_the_settings_where_they_are_in_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DEMO, repo / "sub" / "dir")
    git = committed(repo)
    settings = load_settings(repo / "sub" / "dir")
    env = replace(build_train(tmp_path / "other").env(), settings=settings, git=Git(repo / "sub" / "dir"))
    with branchwork.tree(env, "HEAD") as in_tree:
        assert in_tree.root.as_posix().endswith("/sub/dir")
        assert load_workspace(in_tree).train_version == load_workspace(settings).train_version
    with branchwork.checkout(env, "HEAD") as (checkout, in_checkout):
        assert in_checkout.root == (checkout.path / "sub" / "dir").resolve()
        assert in_checkout.tree is None
    assert git.rev_parse("HEAD") is not None
