"""The local forge on real git repositories: pushes, PRs, real squash and merge commits, tags,
checks, releases and security issues."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from release_train.forges.interface import (
    ZERO_SHA,
    Conflict,
    Forge,
    NotFound,
    NotMergeable,
    PushEvent,
    Release,
    SecurityIssue,
)
from release_train.forges.local import FORGE, LocalForge
from release_train.forges.local_store import store_path
from release_train.infra import bare_merge
from release_train.infra.git import Git, init_repo

MARKER = "[automatically-tag-and-release-this-commit]"


@dataclass
class Site:
    """A working repository whose `origin` is a local forge, and the events the forge reported."""

    forge: LocalForge
    work: Git
    events: list[PushEvent] = field(default_factory=list)

    def commit(self, files: dict[str, str], message: str) -> str:
        for name, text in files.items():
            path = self.work.path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return self.work.commit_all(message)

    def branch(self, name: str, start: str = "main") -> None:
        self.work.checkout(start, new_branch=name)

    def main_sha(self) -> str:
        sha = self.forge.git.rev_parse("refs/heads/main")
        assert sha is not None
        return sha


def make_site(tmp_path: Path, *, require_checks: bool = False) -> Site:
    bare = tmp_path / "origin.git"
    LocalForge.init(bare)
    events: list[PushEvent] = []
    forge = LocalForge(bare, events.append, require_checks=require_checks)
    work = init_repo(tmp_path / "work")
    work.run("remote", "add", "origin", str(bare))
    site = Site(forge, work, events)
    site.commit({"a.txt": "one\ntwo\nthree\n", "README.md": "hello\n"}, "Initial commit")
    forge.push(work.path, ["main"])
    events.clear()
    return site


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path)


def pr_branch(site: Site, name: str, commits: list[tuple[dict[str, str], str]]) -> None:
    site.branch(name)
    for files, message in commits:
        site.commit(files, message)
    site.forge.push(site.work.path, [name])
    site.work.checkout("main")


def test_it_is_a_forge(site: Site) -> None:
    forge: Forge = site.forge  # the Protocol is satisfied (checked by mypy)
    assert forge.remote_url == str(site.forge.bare_path)
    assert store_path(site.forge.bare_path).is_file()
    assert site.forge.git.run("symbolic-ref", "HEAD").strip() == "refs/heads/main"


def test_push_reports_before_and_after(site: Site) -> None:
    old = site.main_sha()
    new = site.commit({"b.txt": "b\n"}, "Add b")
    site.branch("feature")
    feature = site.commit({"c.txt": "c\n"}, "Add c")

    events = site.forge.push(site.work.path, ["main", "feature"])

    expected = [
        PushEvent("refs/heads/feature", ZERO_SHA, feature),
        PushEvent("refs/heads/main", old, new),
    ]
    assert events == expected
    assert site.events == expected  # on_push saw each one
    assert [e for e, source, _ in site.forge.events()][-2:] == expected
    # pushed through `origin`, so the working repository's remote-tracking ref moved too
    assert site.work.rev_parse("refs/remotes/origin/main") == new
    # nothing moved: no events
    assert site.forge.push(site.work.path, ["main"]) == []


def test_open_pr_is_idempotent_and_needs_the_branch(site: Site) -> None:
    with pytest.raises(NotFound, match="branch 'ci/bump' is not on the forge"):
        site.forge.open_pr("ci/bump", "main", "Bump", "body")
    pr_branch(site, "ci/bump", [({"a.txt": "1\n"}, "Bump")])

    first = site.forge.open_pr("ci/bump", "main", "Bump", "body one")
    second = site.forge.open_pr("ci/bump", "main", "Bump to 2", "body two")

    assert first.number == second.number == 1
    assert (second.title, second.body, second.state) == ("Bump to 2", "body two", "open")
    assert site.forge.find_pr("ci/bump", "main") == second
    assert site.forge.find_pr("ci/bump", "release-1.0.0") is None
    assert [pr.number for pr in site.forge.list_prs()] == [1]
    assert site.forge.list_prs(state="merged") == []


def test_open_pr_from_many_threads_gives_one_pr(site: Site) -> None:
    pr_branch(site, "ci/race", [({"a.txt": "1\n"}, "Race")])
    numbers: list[int] = []

    def open_one() -> None:
        # each thread opens its own forge, hence its own database connections
        forge = LocalForge(site.forge.bare_path)
        numbers.append(forge.open_pr("ci/race", "main", "Race", "").number)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert numbers == [1] * 6
    assert len(site.forge.list_prs(state=None)) == 1


def test_squash_merge_of_one_commit_keeps_the_marker_line(site: Site) -> None:
    base_before = site.main_sha()
    pr_branch(site, "ci/release-1.0.0", [({"a.txt": "one\ntwo\nTHREE\n"}, f"Release 1.0.0\n\n{MARKER}\n")])
    pr = site.forge.open_pr("ci/release-1.0.0", "main", "Release 1.0.0", "")
    site.events.clear()

    sha = site.forge.merge_pr(pr.number)

    git = site.forge.git
    assert site.main_sha() == sha
    assert git.message(sha) == f"Release 1.0.0 (#1)\n\n{MARKER}\n\n"
    assert MARKER in git.message(sha).splitlines()
    assert git.run("rev-list", "--parents", "-1", sha).split() == [sha, base_before]
    assert git.show_file(sha, "a.txt") == b"one\ntwo\nTHREE\n"
    assert git.run("log", "-1", "--format=%an|%cn", sha).strip() == "Test Author|release-train local forge"
    assert "ci/release-1.0.0" not in git.branches()  # head deleted, as GitHub's auto-delete
    merged = site.forge.get_pr(pr.number)
    assert (merged.state, merged.merge_commit) == ("merged", sha)
    assert site.events[0] == PushEvent("refs/heads/main", base_before, sha)
    assert site.events[1].ref == "refs/heads/ci/release-1.0.0"
    assert site.events[1].after == ZERO_SHA

    # re-running is a no-op
    site.events.clear()
    assert site.forge.merge_pr(pr.number) == sha
    assert site.main_sha() == sha
    assert site.events == []


def test_squash_of_several_commits_lists_each_message(site: Site) -> None:
    pr_branch(
        site,
        "fix",
        [
            ({"b.txt": "b\n"}, "Add b\n\nWith a body."),
            ({"c.txt": "c\n"}, f"Add c\n\n{MARKER}"),
        ],
    )
    # main moves on meanwhile: the merge must carry both sides
    site.commit({"README.md": "hello again\n"}, "Touch readme")
    site.forge.push(site.work.path, ["main"])
    pr = site.forge.open_pr("fix", "main", "Fix things", "")

    sha = site.forge.merge_pr(pr.number, method="squash")

    message = site.forge.git.message(sha)
    assert message == f"Fix things (#1)\n\nAdd b\n\nWith a body.\n\nAdd c\n\n{MARKER}\n\n"
    assert MARKER in message.splitlines()
    files = site.forge.git.run("ls-tree", "--name-only", sha).split()
    assert files == ["README.md", "a.txt", "b.txt", "c.txt"]
    assert site.forge.git.show_file(sha, "README.md") == b"hello again\n"


def test_merge_commit_has_both_parents(site: Site) -> None:
    base_before = site.main_sha()
    pr_branch(site, "feature", [({"b.txt": "b\n"}, "Add b")])
    head = site.forge.git.rev_parse("refs/heads/feature")
    pr = site.forge.open_pr("feature", "main", "Add the b file", "")
    site.events.clear()

    sha = site.forge.merge_pr(pr.number, method="merge")

    git = site.forge.git
    assert git.run("rev-list", "--parents", "-1", sha).split() == [sha, base_before, head]
    assert git.message(sha) == "Merge pull request #1 from feature\n\nAdd the b file\n\n"
    assert git.show_file(sha, "b.txt") == b"b\n"
    assert site.events[0] == PushEvent("refs/heads/main", base_before, sha)
    assert site.forge.merge_pr(pr.number, method="merge") == sha


def test_conflict_is_refused_naming_the_files_and_changes_nothing(site: Site) -> None:
    pr_branch(site, "left", [({"a.txt": "one\nLEFT\nthree\n", "README.md": "left\n"}, "Left")])
    site.commit({"a.txt": "one\nRIGHT\nthree\n", "README.md": "right\n"}, "Right")
    site.forge.push(site.work.path, ["main"])
    pr = site.forge.open_pr("left", "main", "Left", "")
    main_before, site.events[:] = site.main_sha(), []

    with pytest.raises(NotMergeable, match=r"conflicts in: README\.md, a\.txt") as caught:
        site.forge.merge_pr(pr.number)

    assert "resolve those files" in str(caught.value)
    assert site.main_sha() == main_before
    assert site.forge.get_pr(pr.number).state == "open"
    assert "left" in site.forge.git.branches()
    assert site.events == []


def test_draft_and_closed_prs_are_refused(site: Site) -> None:
    pr_branch(site, "held", [({"b.txt": "b\n"}, "Held fix")])
    pr = site.forge.open_pr("held", "main", "Held", "", draft=True)
    main_before = site.main_sha()

    with pytest.raises(NotMergeable, match="is a draft"):
        site.forge.merge_pr(pr.number)
    assert site.main_sha() == main_before

    assert site.forge.update_pr(pr.number, draft=False).draft is False
    assert site.forge.merge_pr(pr.number) != main_before

    pr_branch(site, "stale", [({"c.txt": "c\n"}, "Stale")])
    stale = site.forge.open_pr("stale", "main", "Stale", "")
    assert site.forge.close_pr(stale.number).state == "closed"
    with pytest.raises(NotMergeable, match="is closed"):
        site.forge.merge_pr(stale.number)
    with pytest.raises(NotFound, match="no pull request #99"):
        site.forge.merge_pr(99)


def test_a_merge_interrupted_after_moving_the_base_is_finished_not_repeated(site: Site) -> None:
    base_before = site.main_sha()
    pr_branch(site, "fix", [({"b.txt": "b\n"}, "Fix")])
    pr = site.forge.open_pr("fix", "main", "Fix", "")
    head = site.forge.git.rev_parse("refs/heads/fix")
    assert head is not None
    # what a crash right after `update-ref` leaves behind: base moved, PR still open
    commit = bare_merge.merge(
        site.forge.git,
        base_before,
        head,
        "squash",
        lambda _: f"Fix (#{pr.number})",
        forge=FORGE,
        date="2026-01-05T00:00:00+00:00",
    ).commit
    assert commit is not None
    site.forge.store.update_pr(pr.number, {"pending_merge": commit})
    assert site.forge.git.update_ref("refs/heads/main", commit, base_before)
    site.events.clear()

    assert site.forge.merge_pr(pr.number) == commit
    assert site.main_sha() == commit
    assert site.forge.get_pr(pr.number).merge_commit == commit
    assert site.events[0] == PushEvent("refs/heads/main", base_before, commit)


def test_tags_identical_and_conflicting(site: Site) -> None:
    first = site.main_sha()
    second = site.commit({"b.txt": "b\n"}, "Second")
    site.forge.push(site.work.path, ["main"])
    site.events.clear()

    assert site.forge.create_tag("v1.0.0", first) is True
    assert site.forge.tags() == {"v1.0.0": first}
    assert site.events == [PushEvent("refs/tags/v1.0.0", ZERO_SHA, first)]

    assert site.forge.create_tag("v1.0.0", first[:10]) is False  # identical: a no-op
    with pytest.raises(Conflict, match="already exists"):
        site.forge.create_tag("v1.0.0", second)
    with pytest.raises(NotFound, match="not on the forge"):
        site.forge.create_tag("v2.0.0", "1" * 40)
    assert site.forge.tags() == {"v1.0.0": first}
    assert len(site.events) == 1


def test_check_states(tmp_path: Path) -> None:
    relaxed = make_site(tmp_path / "relaxed")
    sha = relaxed.main_sha()
    assert relaxed.forge.check_state(sha) == "success"  # nothing recorded counts as green
    relaxed.forge.set_check(sha, "pending")
    assert relaxed.forge.check_state(sha) == "pending"
    relaxed.forge.set_check(sha, "success")
    relaxed.forge.set_check(sha, "failure", context="lint")
    assert relaxed.forge.check_state(sha) == "failure"
    relaxed.forge.set_check(sha, "success", context="lint")
    assert relaxed.forge.check_state(sha[:8]) == "success"

    strict = make_site(tmp_path / "strict", require_checks=True)
    sha = strict.main_sha()
    assert strict.forge.check_state(sha) == "pending"
    strict.forge.set_check(sha, "success")
    assert strict.forge.check_state(sha) == "success"


def test_releases_keep_a_single_latest(site: Site, tmp_path: Path) -> None:
    sha = site.main_sha()
    for tag in ("v1.0.0", "v2.0.0", "v1.0.1"):
        site.forge.create_tag(tag, sha)
    asset = tmp_path / "dist" / "tool.tar.gz"
    asset.parent.mkdir()
    asset.write_bytes(b"archive")

    site.forge.upsert_release(Release("v1.0.0", "1.0.0", "notes", latest=True), [asset])
    site.forge.upsert_release(Release("v2.0.0", "2.0.0", "notes", latest=True))
    site.forge.upsert_release(Release("v1.0.1", "1.0.1", "patch of an old line", latest=False))
    updated = site.forge.upsert_release(Release("v1.0.0", "1.0.0", "better notes"))

    releases = {r.tag: r for r in site.forge.list_releases()}
    assert list(releases) == ["v1.0.0", "v2.0.0", "v1.0.1"]
    assert [tag for tag, r in releases.items() if r.latest] == ["v2.0.0"]
    assert updated.body == "better notes"
    assert updated.assets == ("tool.tar.gz",)  # kept across the update
    assert site.forge.asset_path("v1.0.0", "tool.tar.gz").read_bytes() == b"archive"
    with pytest.raises(NotFound, match="no such tag"):
        site.forge.upsert_release(Release("v9.0.0", "9.0.0", ""))


def test_security_issues_open_and_close(site: Site) -> None:
    assert site.forge.open_security_issues() == []
    issue = SecurityIssue("GHSA-1", "Heap overflow", source="advisory", packages=("wasmtime",))
    site.forge.add_security_issue(issue)
    site.forge.add_security_issue(SecurityIssue("GHSA-2", "Other"))
    assert [i.id for i in site.forge.open_security_issues()] == ["GHSA-1", "GHSA-2"]
    assert site.forge.open_security_issues()[0] == issue

    assert site.forge.close_security_issue("GHSA-1") is True
    assert site.forge.close_security_issue("GHSA-1") is False
    assert [i.id for i in site.forge.open_security_issues()] == ["GHSA-2"]
    with pytest.raises(NotFound):
        site.forge.close_security_issue("nope")


def test_opening_a_missing_forge_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="not a bare git repository") as caught:
        LocalForge(tmp_path / "nowhere.git")
    assert "release-train forge init" in str(caught.value)
