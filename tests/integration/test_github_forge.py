"""The GitHub forge against the local stand-in, over real HTTP on 127.0.0.1 and a real bare
repository: PRs, merges, drafts, pagination, tags, releases, checks and security issues."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fixtures.github_forge import START, pushed_main

from release_train.context import Context
from release_train.events import Recorder
from release_train.forges.github import GitHubForge
from release_train.forges.interface import ZERO_SHA, Conflict, NotMergeable, PushEvent, Release
from release_train.github_standin import GitHubStandIn
from release_train.infra.clock import FixedClock
from release_train.infra.git import Git

TOKEN = "ghs_standinTOKEN0123456789"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(tmp_path, "octo/train", token=TOKEN, clock=FixedClock(START)) as server:
        yield server


@pytest.fixture
def pushes() -> list[PushEvent]:
    return []


@pytest.fixture
def forge(standin: GitHubStandIn, pushes: list[PushEvent]) -> Iterator[GitHubForge]:
    ctx = Context(clock=FixedClock(START), observer=Recorder())
    with GitHubForge("octo/train", standin.api_url, TOKEN, on_push=pushes.append, ctx=ctx) as forge:
        yield forge


@pytest.fixture
def work(tmp_path: Path, forge: GitHubForge) -> Git:
    return pushed_main(tmp_path / "work", forge)


def branch_with_commit(git: Git, forge: GitHubForge, branch: str, message: str, base: str = "main") -> str:
    git.checkout(base, new_branch=branch)
    (git.path / f"{branch.replace('/', '-')}.txt").write_text(f"{message}\n")
    sha = git.commit_all(message)
    forge.push(git.path, [f"{branch}:refs/heads/{branch}"])
    git.checkout(base)
    return sha


def test_remote_comes_from_the_repository_and_pushes_are_events(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, pushes: list[PushEvent]
) -> None:
    assert forge.remote_url == str(standin.git_dir)
    main = work.rev_parse("main")
    assert pushes == [PushEvent("refs/heads/main", ZERO_SHA, main or "")]
    assert forge.push(work.path, ["main"]) == []  # nothing moved, nothing reported


def test_open_pr_is_idempotent_and_finds_by_head_and_base(work: Git, forge: GitHubForge) -> None:
    branch_with_commit(work, forge, "ci/bump-to-2.0.0", "Bump to 2.0.0")
    pr = forge.open_pr("ci/bump-to-2.0.0", "main", "Bump to 2.0.0", "first body")
    assert (pr.number, pr.state, pr.head, pr.base) == (1, "open", "ci/bump-to-2.0.0", "main")
    again = forge.open_pr("ci/bump-to-2.0.0", "main", "Bump to 2.0.0", "second body")
    assert again.number == pr.number
    assert forge.get_pr(pr.number).body == "second body"
    assert forge.find_pr("ci/bump-to-2.0.0", "main") == again
    assert forge.find_pr("ci/bump-to-2.0.0", "release-1.0.0") is None
    assert [p.number for p in forge.list_prs()] == [1]


def test_a_422_already_exists_from_a_racing_run_is_success(
    work: Git, forge: GitHubForge, standin: GitHubStandIn
) -> None:
    branch_with_commit(work, forge, "ci/release-1.0.0", "Release 1.0.0")
    # Another run created the PR between our look and our create: simulate by making the look
    # miss (the list answers from before), which leaves GitHub's 422 as the only signal.
    first = forge.open_pr("ci/release-1.0.0", "main", "Release 1.0.0", "body")
    original = forge.find_pr
    calls: list[int] = []

    def stale_then_real(head: str, base: str, *, state: str | None = "open") -> object:
        calls.append(1)
        return None if len(calls) == 1 else original(head, base)

    forge.find_pr = stale_then_real  # type: ignore[assignment,method-assign]
    again = forge.open_pr("ci/release-1.0.0", "main", "Release 1.0.0", "body")
    assert again.number == first.number
    assert any(r.startswith("POST /repos/octo/train/pulls") for r in standin.requests[-4:])


def test_merge_is_a_real_squash_and_emits_the_push(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, pushes: list[PushEvent]
) -> None:
    marker = "[automatically-tag-and-release-this-commit]"
    branch_with_commit(work, forge, "ci/release-1.0.0", f"Release 1.0.0\n\n{marker}")
    before = Git(standin.git_dir).rev_parse("main")
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release 1.0.0", "body")
    sha = forge.merge_pr(pr.number)
    bare = Git(standin.git_dir)
    assert bare.rev_parse("main") == sha
    assert bare.message(sha).splitlines()[0] == "Release 1.0.0 (#1)"
    assert marker in bare.message(sha).splitlines()
    assert bare.log(f"{sha}^@", "%H") and bare.run("rev-list", "--parents", "-n1", sha).split()[1:] == [
        before
    ]
    assert pushes[-1] == PushEvent("refs/heads/main", before or "", sha)
    merged = forge.get_pr(pr.number)
    assert (merged.state, merged.merge_commit) == ("merged", sha)
    assert forge.merge_pr(pr.number) == sha  # a re-run changes nothing
    assert forge.find_pr("ci/release-1.0.0", "main", state="merged") == merged


def test_merge_refuses_a_draft_until_it_is_marked_ready(work: Git, forge: GitHubForge) -> None:
    branch_with_commit(work, forge, "ci/fix", "Fix")
    pr = forge.open_pr("ci/fix", "main", "Fix", "held", draft=True)
    assert pr.draft
    with pytest.raises(NotMergeable, match="draft"):
        forge.merge_pr(pr.number)
    assert forge.update_pr(pr.number, draft=False).draft is False
    assert forge.update_pr(pr.number, draft=True).draft is True
    ready = forge.update_pr(pr.number, title="Fix it", draft=False)
    assert (ready.title, ready.draft) == ("Fix it", False)
    forge.merge_pr(pr.number, method="merge")
    assert forge.get_pr(pr.number).state == "merged"


def test_merge_conflict_is_not_mergeable(work: Git, forge: GitHubForge) -> None:
    work.checkout("main", new_branch="ci/conflict")
    (work.path / "README.md").write_text("theirs\n")
    work.commit_all("Theirs")
    forge.push(work.path, ["ci/conflict:refs/heads/ci/conflict"])
    work.checkout("main")
    (work.path / "README.md").write_text("ours\n")
    work.commit_all("Ours")
    forge.push(work.path, ["main"])
    pr = forge.open_pr("ci/conflict", "main", "Conflict", "")
    with pytest.raises(NotMergeable, match="PR #1 conflicts with main") as refused:
        forge.merge_pr(pr.number)
    assert "resolve the conflicts" in str(refused.value.hint)


def test_lists_follow_link_pagination(work: Git, forge: GitHubForge, standin: GitHubStandIn) -> None:
    for n in range(105):
        standin.add_issue(f"RUSTSEC-2026-{n:04d}: something in dep{n}")
    standin.add_issue("RUSTSEC-2026-9999 was fixed", state="closed")
    standin.add_issue("unrelated open issue")
    found = forge.open_security_issues()
    assert len(found) == 105
    assert found[0].id == "RUSTSEC-2026-0000" and found[0].source == "issue"
    pages = [r for r in standin.requests if r.startswith("GET /search/issues")]
    assert len(pages) == 2 and "page=2" in pages[1] and "per_page=100" in pages[1]


def test_security_advisories_in_triage_and_draft_page_by_cursor(
    work: Git, forge: GitHubForge, standin: GitHubStandIn
) -> None:
    for n in range(101):
        standin.add_advisory(f"triage {n}", packages=("wasmtime",))
    standin.add_advisory("drafted", state="draft", ghsa_id="GHSA-draf-tdra-ftdr")
    standin.add_advisory("done", state="published")
    found = [i for i in forge.open_security_issues() if i.source == "advisory"]
    assert len(found) == 102
    assert found[0].packages == ("wasmtime",)
    assert found[-1].id == "GHSA-draf-tdra-ftdr"
    assert any("after=" in r for r in standin.requests)


def test_tags_through_the_refs_api(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, pushes: list[PushEvent]
) -> None:
    main = work.rev_parse("main") or ""
    other = branch_with_commit(work, forge, "topic", "Other")
    assert forge.create_tag("v1.0.0", main) is True
    assert pushes[-1] == PushEvent("refs/tags/v1.0.0", ZERO_SHA, main)
    assert forge.create_tag("v1.0.0", main) is False  # 422 "Reference already exists", identical
    with pytest.raises(Conflict, match="already exists"):
        forge.create_tag("v1.0.0", other)
    assert forge.tags() == {"v1.0.0": main}


def test_annotated_tags_are_peeled(work: Git, forge: GitHubForge, standin: GitHubStandIn) -> None:
    main = work.rev_parse("main") or ""
    work.run("tag", "-a", "v2.0.0", "-m", "annotated", "main")
    forge.push(work.path, ["refs/tags/v2.0.0"])
    assert forge.tags() == {"v2.0.0": main}
    assert forge.create_tag("v2.0.0", main) is False
    other = branch_with_commit(work, forge, "topic", "Other")
    with pytest.raises(Conflict):
        forge.create_tag("v2.0.0", other)


def test_releases_create_update_assets_and_latest(work: Git, forge: GitHubForge, tmp_path: Path) -> None:
    main = work.rev_parse("main") or ""
    for tag in ("v2.0.0", "v1.0.1", "v3.0.0-rc.1"):
        forge.create_tag(tag, main)
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "train.tar.gz").write_bytes(b"first build")
    notes = Release("v2.0.0", "2.0.0", "## 2.0.0\nnotes", latest=True)
    made = forge.upsert_release(notes, [dist / "train.tar.gz"])
    assert (made.tag, made.latest, made.draft, made.assets) == ("v2.0.0", True, False, ("train.tar.gz",))
    # the patch of an older line comes later but never takes "latest"
    old_line = forge.upsert_release(Release("v1.0.1", "1.0.1", "patch", latest=True))
    assert old_line.latest is False
    rc = forge.upsert_release(Release("v3.0.0-rc.1", "3.0.0-rc.1", "rc", prerelease=True, latest=True))
    assert (rc.prerelease, rc.latest) == (True, False)
    # update in place: new notes, the asset replaced (same name), a second asset added
    (dist / "train.tar.gz").write_bytes(b"second build")
    (dist / "train.zip").write_bytes(b"zip")
    updated = forge.upsert_release(
        Release("v2.0.0", "2.0.0", "better notes", latest=True), [dist / "train.tar.gz", dist / "train.zip"]
    )
    assert (updated.body, updated.assets) == ("better notes", ("train.tar.gz", "train.zip"))
    releases = {r.tag: r for r in forge.list_releases()}
    assert len(releases) == 3
    assert [t for t, r in releases.items() if r.latest] == ["v2.0.0"]
    assert releases["v3.0.0-rc.1"].prerelease


def test_unchanged_assets_are_not_uploaded_again(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, tmp_path: Path
) -> None:
    forge.create_tag("v1.0.0", work.rev_parse("main") or "")
    asset = tmp_path / "a.bin"
    asset.write_bytes(b"same")
    forge.upsert_release(Release("v1.0.0", "1.0.0", "n", latest=True), [asset])
    forge.upsert_release(Release("v1.0.0", "1.0.0", "n", latest=True), [asset])
    uploads = [r for r in standin.requests if r.startswith("POST /uploads/")]
    assert len(uploads) == 1 and "name=a.bin" in uploads[0]


def test_a_draft_release_is_found_by_listing(work: Git, forge: GitHubForge) -> None:
    forge.create_tag("v1.0.0", work.rev_parse("main") or "")
    draft = forge.upsert_release(Release("v1.0.0", "1.0.0", "draft notes", draft=True, latest=True))
    assert draft.draft and not draft.latest
    published = forge.upsert_release(Release("v1.0.0", "1.0.0", "final", latest=True))
    assert (published.draft, published.latest, published.body) == (False, True, "final")
    assert len(forge.list_releases()) == 1


@pytest.mark.parametrize(
    ("statuses", "runs", "expected"),
    [
        ([], [], "pending"),
        ([("ci", "success")], [], "success"),
        ([], [("test", "completed", "success"), ("lint", "completed", "skipped")], "success"),
        ([("ci", "pending")], [("test", "completed", "success")], "pending"),
        ([], [("test", "in_progress", None)], "pending"),
        ([("ci", "failure")], [("test", "completed", "success")], "failure"),
        ([], [("test", "completed", "timed_out")], "failure"),
        ([("ci", "pending"), ("ci", "success")], [], "success"),  # the latest per context counts
        ([], [("test", "completed", "failure"), ("test", "completed", "success")], "success"),
    ],
)
def test_check_state_combines_statuses_and_check_runs(
    work: Git,
    standin: GitHubStandIn,
    statuses: list[tuple[str, str]],
    runs: list[tuple[str, str, str | None]],
    expected: str,
) -> None:
    forge = GitHubForge("octo/train", standin.api_url, TOKEN, require_checks=True)
    sha = work.rev_parse("main") or ""
    for context, state in statuses:
        standin.set_status(sha, state, context)
    for name, status, conclusion in runs:
        standin.add_check_run(sha, name, status, conclusion)
    assert forge.check_state(sha) == expected


def test_no_checks_at_all_is_green_unless_checks_are_required(work: Git, standin: GitHubStandIn) -> None:
    sha = work.rev_parse("main") or ""
    assert GitHubForge("octo/train", standin.api_url, TOKEN).check_state(sha) == "success"
    assert (
        GitHubForge("octo/train", standin.api_url, TOKEN, require_checks=True).check_state(sha) == "pending"
    )


def test_latest_only_when_asked_and_highest_whatever_the_tag_pattern(work: Git, forge: GitHubForge) -> None:
    main = work.rev_parse("main") or ""
    for tag in ("railcar-v2.0.0", "railcar-v10.0.0", "railcar-v2.0.1"):
        forge.create_tag(tag, main)
    assert forge.upsert_release(Release("railcar-v2.0.0", "2.0.0", "n", latest=False)).latest is False
    assert forge.upsert_release(Release("railcar-v10.0.0", "10.0.0", "n", latest=True)).latest is True
    assert forge.upsert_release(Release("railcar-v2.0.1", "2.0.1", "n", latest=True)).latest is False
    assert [r.tag for r in forge.list_releases() if r.latest] == ["railcar-v10.0.0"]
