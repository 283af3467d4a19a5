"""cut on real repositories: the release branch, the bump commit, the notes reset and the PR."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.train import MARKER, build_train

from release_train.errors import RefusedError
from release_train.flows.gates.verify_gate import VerifyFailed
from release_train.flows.train import cut
from release_train.model.notes import NotesError

DASHES = "-" * 80


def test_cut_branches_main_and_proposes_the_major_bump(tmp_path: Path) -> None:
    train = build_train(tmp_path, now="2026-12-05")
    main_before = train.sha("main")
    notes_before = train.file("main")
    env = train.env()

    report = cut.apply(env, cut.plan(env))

    assert train.sha("release-1.0.0") == main_before
    assert train.sha("main") == main_before  # main moves only when the PR is merged
    assert train.file("release-1.0.0") == notes_before
    head = train.sha("ci/bump-to-2.0.0")
    assert head is not None
    assert train.message(head).strip() == "Bump Railcar to 2.0.0"
    assert train.forge.git.rev_parse(f"{head}^1") == main_before
    assert 'version = "2.0.0"' in train.file("ci/bump-to-2.0.0", "Cargo.toml")
    assert "#define RAILCAR_VERSION_MAJOR 2" in train.file("ci/bump-to-2.0.0", "include/railcar.h")
    assert train.file("ci/bump-to-2.0.0") == (
        f"## 2.0.0\n\nUnreleased.\n\n### Added\n\n### Changed\n\n### Fixed\n\n{DASHES}\n\n"
        "Release notes for previous releases of Railcar can be found on the respective\n"
        "release branches of the Railcar repository.\n\n<!-- ARCHIVE_START -->\n"
        "* [1.0.x](release-1.0.0:RELEASES.md)\n"
    )
    pr = train.pr("ci/bump-to-2.0.0", "main")
    assert (pr.title, pr.state) == ("Bump Railcar to 2.0.0", "open")
    assert "was cut on 2026-12-05 as the branch `release-1.0.0`" in pr.body
    assert "Release notes for 1.0.0 go in `RELEASES.md` on `release-1.0.0`" in pr.body
    assert "The release PR for 1.0.0 will be opened on 2026-12-20" in pr.body
    assert "Fixes land on `main` first and are then backported to `release-1.0.0`" in pr.body
    assert report.lines == [
        f"+ pushed release-1.0.0 at {(main_before or '')[:10]}",
        "+ pushed ci/bump-to-2.0.0: Bump Railcar to 2.0.0",
        f"+ opened PR #{pr.number} ci/bump-to-2.0.0 -> main: Bump Railcar to 2.0.0",
    ]
    # no tag: the cut makes no release
    assert train.forge.tags() == {}


def test_cut_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    env = train.env()
    cut.apply(env, cut.plan(env))
    refs = train.forge.git.refs("refs/")
    second = cut.apply(env, cut.plan(env))
    assert train.forge.git.refs("refs/") == refs
    assert [o.status for o in second.outcomes] == ["skipped"] * 3
    assert len(train.forge.list_prs(state=None)) == 1


def test_dry_run_describes_every_branch_commit_and_pr_and_changes_nothing(tmp_path: Path) -> None:
    train = build_train(tmp_path, now="2026-12-05")
    refs = train.forge.git.refs("refs/")
    lines = cut.plan(train.env()).describe()
    assert lines[0] == "cut Railcar 1.0.0 from main: release-1.0.0, then main -> 2.0.0"
    assert lines[1].startswith("1. push main (") and lines[1].endswith(") as release-1.0.0")
    assert lines[2].startswith("2. commit 'Bump Railcar to 2.0.0' on ci/bump-to-2.0.0 from main")
    assert "changes: Cargo.lock, Cargo.toml, RELEASES.md" in lines[3]
    assert "3. open a PR ci/bump-to-2.0.0 -> main: 'Bump Railcar to 2.0.0'" in lines
    assert train.forge.git.refs("refs/") == refs
    assert train.forge.list_prs(state=None) == []
    assert train.work.run("worktree", "list").count("\n") == 1  # the temporary worktrees are gone


def test_two_cuts_archive_newest_first(tmp_path: Path) -> None:
    train = build_train(tmp_path, major=9, cuts=2)
    assert train.branches() == ["main", "release-10.0.0", "release-9.0.0"]
    notes = train.file("main")
    assert notes.startswith("## 11.0.0\n\nUnreleased.\n")
    assert notes.endswith(
        "<!-- ARCHIVE_START -->\n* [10.0.x](release-10.0.0:RELEASES.md)\n* [9.0.x](release-9.0.0:RELEASES.md)\n"
    )
    assert notes.count(DASHES) == 1


def test_rc_train_also_proposes_the_first_candidate(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    toml = train.work.path / "release-train.toml"
    toml.write_text(toml.read_text() + "\n[release]\nrc = true\n")
    train.work.commit_all("Use the rc train")
    train.forge.push(train.work.path, ["main"])
    from release_train.config import load_settings

    train.settings = load_settings(train.work.path)
    env = train.env()
    planned = cut.plan(env)
    cut.apply(env, planned)

    # main is 1.0.0 (no suffix): the branch is release-1.0.0, main goes to 2.0.0-dev
    assert train.pr("ci/bump-to-2.0.0-dev", "main").title == "Bump Railcar to 2.0.0-dev"
    rc = train.pr("ci/bump-to-1.0.0-rc.1", "release-1.0.0")
    assert rc.title == "Release Railcar 1.0.0-rc.1"
    head = train.sha("ci/bump-to-1.0.0-rc.1")
    assert head is not None
    assert MARKER in train.message(head).splitlines()
    assert train.forge.git.rev_parse(f"{head}^1") == train.sha("release-1.0.0")
    assert 'version = "1.0.0-rc.1"' in train.file("ci/bump-to-1.0.0-rc.1", "Cargo.toml")


def test_a_dirty_working_copy_is_neither_read_nor_touched(tmp_path: Path) -> None:
    """The flows read the origin's commits and commit in git's object database: work in
    progress in the checkout is not part of a cut (as unpushed commits are not), and it stays."""
    train = build_train(tmp_path)
    (train.work.path / "scratch.txt").write_text("work in progress\n")
    manifest = train.work.path / "Cargo.toml"
    edited = manifest.read_text().replace("[workspace]", "# local edit\n[workspace]", 1)
    manifest.write_text(edited)
    env = train.env()
    planned = cut.plan(env)
    cut.apply(env, planned)
    assert "release-1.0.0" in train.branches()
    assert "# local edit" not in train.file("ci/bump-to-2.0.0", "Cargo.toml")
    assert (train.work.path / "scratch.txt").read_text() == "work in progress\n"
    assert manifest.read_text() == edited


def test_refuses_missing_notes_or_a_missing_archive(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    notes = train.file("main")
    train.land("main", {"RELEASES.md": notes.replace("<!-- ARCHIVE_START -->\n", "")}, "Drop the archive")
    refs = train.forge.git.refs("refs/")
    # the verify gate refuses first, with verify's message (file, line, fix)
    with pytest.raises(
        VerifyFailed, match=r"RELEASES\.md:11: the notes file has no `<!-- ARCHIVE_START -->`"
    ):
        cut.plan(train.env())
    # overridden, the notes edit itself still cannot be made
    with pytest.raises(NotesError, match=r"RELEASES\.md on main has no `<!-- ARCHIVE_START -->` line"):
        cut.plan(train.env(), allow_verify_failures=True)
    train.land("main", {"RELEASES.md": None}, "Drop the notes")
    refs = train.forge.git.refs("refs/")
    with pytest.raises(VerifyFailed, match=r"RELEASES\.md: the notes file does not exist"):
        cut.plan(train.env())
    with pytest.raises(RefusedError, match=r"main has no RELEASES\.md"):
        cut.plan(train.env(), allow_verify_failures=True)
    assert train.forge.git.refs("refs/") == refs
    assert train.forge.list_prs(state=None) == []
