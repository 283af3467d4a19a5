"""Repository settings of the GitHub stand-in, each met by the forge operation that meets it on
GitHub: squash message defaults, head-branch deletion, required status checks, tag rulesets, no
draft support, `mergeable` computed late, listings that lag behind a write; and the stand-in
refusing requests GitHub refuses (types and enums of the OpenAPI description)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.fixtures.github_forge import START, SleepRecorder, pushed_main

from release_train.context import Context
from release_train.events import Recorder
from release_train.forges.github import GitHubForge
from release_train.forges.interface import Conflict, ForgeError, NotMergeable
from release_train.github_standin import GitHubStandIn
from release_train.infra.clock import FixedClock
from release_train.infra.git import Git

TOKEN = "ghs_settingsTOKEN0123456789"
MARKER = "[automatically-tag-and-release-this-commit]"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(tmp_path, "octo/train", token=TOKEN, clock=FixedClock(START)) as server:
        yield server


@pytest.fixture
def events() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def forge(standin: GitHubStandIn, events: Recorder, clock: SleepRecorder) -> Iterator[GitHubForge]:
    with GitHubForge(
        "octo/train", standin.api_url, TOKEN, ctx=Context(clock=clock, observer=events)
    ) as forge:
        yield forge


@pytest.fixture
def work(tmp_path: Path, forge: GitHubForge) -> Git:
    return pushed_main(tmp_path / "work", forge)


@pytest.fixture
def api(standin: GitHubStandIn) -> Iterator[httpx.Client]:
    """A raw client, as a person's script or the web UI would call GitHub."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"}
    with httpx.Client(base_url=f"{standin.api_url}/repos/octo/train", headers=headers) as client:
        yield client


def release_branch(work: Git, forge: GitHubForge, branch: str = "ci/release-1.0.0") -> str:
    """A bot branch with the release commit (marker on a line of its own) and a second commit, as
    a release PR that picked up a fix: a squash has two messages to keep."""
    work.checkout("main", new_branch=branch)
    (work.path / "RELEASES.md").write_text("## 1.0.0\n\nReleased 2026-11-23.\n")
    work.commit_all(f"Release Train 1.0.0\n\n{MARKER}\n")
    (work.path / "fix.txt").write_text("fix\n")
    sha = work.commit_all("Update vet metadata")
    forge.push(work.path, [f"{branch}:refs/heads/{branch}"])
    work.checkout("main")
    return sha


BODY = f"The release of Train 1.0.0.\n\nMerging it tags the merge commit.\n\n{MARKER}\n"


# --- squash message settings --------------------------------------------------------------------
@pytest.mark.parametrize("setting", ["PR_BODY", "COMMIT_MESSAGES", "BLANK"])
def test_the_tools_merge_keeps_the_marker_whatever_the_squash_message_setting(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, setting: str
) -> None:
    standin.configure(squash_merge_commit_message=setting, squash_merge_commit_title="PR_TITLE")
    release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    sha = forge.merge_pr(pr.number)
    message = Git(standin.git_dir).message(sha)
    assert message.splitlines()[0] == "Release Train 1.0.0 (#1)"
    assert MARKER in message.splitlines()
    assert "Update vet metadata" in message  # every commit message kept whole


@pytest.mark.parametrize(
    ("setting", "kept"), [("PR_BODY", True), ("COMMIT_MESSAGES", True), ("BLANK", False)]
)
def test_a_human_squash_with_the_repositorys_defaults(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, api: httpx.Client, setting: str, kept: bool
) -> None:
    """What the web UI's button does: the repository's default message. BLANK drops the marker;
    PR_BODY keeps it because the release PR's body carries it on a line of its own."""
    standin.configure(squash_merge_commit_message=setting)
    release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    response = api.put(f"/pulls/{pr.number}/merge", json={"merge_method": "squash"})
    assert response.status_code == 200
    message = Git(standin.git_dir).message(response.json()["sha"])
    assert (MARKER in message.splitlines()) is kept
    if setting == "COMMIT_MESSAGES":
        assert "* Release Train 1.0.0" in message  # GitHub's bulleted list of the commits


def test_merge_commit_settings_name_the_title_and_message(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, api: httpx.Client
) -> None:
    standin.configure(merge_commit_title="PR_TITLE", merge_commit_message="PR_BODY")
    release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    sha = api.put(f"/pulls/{pr.number}/merge", json={"merge_method": "merge"}).json()["sha"]
    message = Git(standin.git_dir).message(sha)
    assert message.startswith("Release Train 1.0.0 (#1)\n\nThe release of Train 1.0.0.")
    assert len(Git(standin.git_dir).run("rev-list", "--parents", "-n1", sha).split()) == 3


def test_a_merge_method_the_repository_does_not_allow_is_405(
    work: Git, forge: GitHubForge, standin: GitHubStandIn
) -> None:
    standin.configure(allow_squash_merge=False)
    release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    with pytest.raises(NotMergeable, match="Squash merges are not allowed on this repository"):
        forge.merge_pr(pr.number)
    sha = forge.merge_pr(pr.number, method="merge")
    assert MARKER in Git(standin.git_dir).run("log", "--format=%B", f"{sha}^1..{sha}")  # merged in


def test_rebase_replays_each_commit(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, api: httpx.Client
) -> None:
    head = release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    sha = api.put(f"/pulls/{pr.number}/merge", json={"merge_method": "rebase"}).json()["sha"]
    origin = Git(standin.git_dir)
    assert origin.log(f"{sha}~2..{sha}", "%s") == ["Update vet metadata", "Release Train 1.0.0"]
    assert origin.run("rev-parse", f"{sha}^{{tree}}") == work.run("rev-parse", f"{head}^{{tree}}")


# --- head-branch deletion ----------------------------------------------------------------------
@pytest.mark.parametrize("delete", [True, False])
def test_head_branch_deletion_on_merge(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, delete: bool
) -> None:
    standin.configure(delete_branch_on_merge=delete)
    head = release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    forge.merge_pr(pr.number)
    kept = Git(standin.git_dir).rev_parse("refs/heads/ci/release-1.0.0")
    assert kept == (None if delete else head)
    merged = forge.find_pr("ci/release-1.0.0", "main", state="merged")
    assert merged is not None and merged.number == pr.number


# --- required status checks --------------------------------------------------------------------
def test_required_checks_refuse_the_merge_until_green(
    work: Git, forge: GitHubForge, standin: GitHubStandIn
) -> None:
    standin.configure(required_checks=("ci",))
    head = release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    with pytest.raises(NotMergeable, match='Required status check "ci" is expected') as refused:
        forge.merge_pr(pr.number)
    assert "wait until the required checks pass" in str(refused.value.hint)
    standin.add_check_run(head, "ci", "in_progress")
    with pytest.raises(NotMergeable, match='"ci" is in progress'):
        forge.merge_pr(pr.number)
    standin.complete_check_run(head, "ci", "failure")
    with pytest.raises(NotMergeable, match='"ci" is failing'):
        forge.merge_pr(pr.number)
    standin.add_check_run(head, "ci", "completed", "success")
    assert forge.merge_pr(pr.number) == Git(standin.git_dir).rev_parse("main")


# --- tag rulesets ------------------------------------------------------------------------------
def test_a_tag_ruleset_refuses_the_token_unless_it_may_bypass(
    work: Git, forge: GitHubForge, standin: GitHubStandIn
) -> None:
    sha = work.rev_parse("main")
    assert sha is not None
    standin.configure(tag_rules=("v*",))
    with pytest.raises(ForgeError, match="Cannot create ref due to creations being restricted") as refused:
        forge.create_tag("v1.0.0", sha)
    assert "bypass list" in str(refused.value.hint)
    assert forge.tags() == {}
    assert forge.create_tag("other-1", sha)  # outside the pattern
    standin.configure(bypass_tag_rules=True)
    assert forge.create_tag("v1.0.0", sha)
    assert forge.tags()["v1.0.0"] == sha


# --- draft support ------------------------------------------------------------------------------
def test_without_drafts_a_pr_is_held_by_prefix_and_label(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, api: httpx.Client, events: Recorder
) -> None:
    standin.configure(drafts=False)
    release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY, draft=True)
    assert (pr.draft, pr.title, pr.labels) == (True, "Release Train 1.0.0", ("release-train: hold",))
    on_github = api.get(f"/pulls/{pr.number}").json()
    assert (on_github["draft"], on_github["title"]) == (False, "[HOLD] Release Train 1.0.0")
    assert any(
        "no draft PRs" in e.message and "[HOLD]" in e.message for e in events.events if e.kind == "warn"
    )
    assert forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY).number == pr.number
    assert api.get(f"/pulls/{pr.number}").json()["title"] == "[HOLD] Release Train 1.0.0"
    with pytest.raises(NotMergeable, match="is held"):
        forge.merge_pr(pr.number)

    ready = forge.update_pr(pr.number, draft=False)
    assert (ready.draft, ready.title, ready.labels) == (False, "Release Train 1.0.0", ())
    assert api.get(f"/pulls/{pr.number}").json()["title"] == "Release Train 1.0.0"
    held = forge.update_pr(pr.number, draft=True)  # GraphQL refuses: held the same way
    assert (held.draft, api.get(f"/pulls/{pr.number}").json()["draft"]) == (True, False)
    forge.update_pr(pr.number, draft=False)
    assert MARKER in Git(standin.git_dir).message(forge.merge_pr(pr.number)).splitlines()


def test_a_draft_refused_is_422_as_github_says_it(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, api: httpx.Client
) -> None:
    standin.configure(drafts=False)
    release_branch(work, forge)
    response = api.post(
        "/pulls", json={"head": "ci/release-1.0.0", "base": "main", "title": "t", "draft": True}
    )
    assert response.status_code == 422
    assert response.json()["message"] == "Draft pull requests are not supported in this repository."


# --- mergeable computed late --------------------------------------------------------------------
def test_mergeable_null_on_the_first_look_is_asked_again(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder
) -> None:
    standin.configure(lazy_mergeable=True)
    release_branch(work, forge)
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    gets = len([r for r in standin.requests if r == f"GET /repos/octo/train/pulls/{pr.number}"])
    forge.merge_pr(pr.number)
    looks = [r for r in standin.requests if r == f"GET /repos/octo/train/pulls/{pr.number}"]
    assert len(looks) - gets == 2 and clock.sleeps == [0.5]


def test_a_conflict_found_after_the_null_is_reported_as_a_conflict(
    work: Git, forge: GitHubForge, standin: GitHubStandIn
) -> None:
    standin.configure(lazy_mergeable=True)
    release_branch(work, forge)
    (work.path / "RELEASES.md").write_text("## 1.0.0\n\nUnreleased.\n")
    work.commit_all("Notes on main")
    forge.push(work.path, ["main"])
    pr = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    with pytest.raises(NotMergeable, match="conflicts with main"):
        forge.merge_pr(pr.number)


# --- check runs of other apps -------------------------------------------------------------------
def test_an_app_check_run_still_in_progress_keeps_the_merge_commit_pending(
    work: Git, forge: GitHubForge, standin: GitHubStandIn
) -> None:
    standin.configure(app_checks=(("CI", "completed", "success"), ("lint", "in_progress", None)))
    release_branch(work, forge)
    sha = forge.merge_pr(forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY).number)
    assert forge.check_state(sha) == "pending"
    assert forge.checks(sha) == {"CI": "success", "lint": "pending"}
    standin.complete_check_run(sha, "lint", "success")
    assert forge.check_state(sha) == "success"


# --- read after write ---------------------------------------------------------------------------
def test_a_pr_that_exists_but_is_not_listed_yet_is_looked_for_again(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder
) -> None:
    release_branch(work, forge)
    standin.lag(reads=3)  # the first look, and the two after the 422, miss it
    with GitHubForge("octo/train", standin.api_url, TOKEN) as other:
        first = other.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    again = forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    assert again.number == first.number
    assert clock.sleeps == [0.5, 1.0]


def test_a_pr_never_listed_after_already_exists_is_a_conflict_after_bounded_looks(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder
) -> None:
    release_branch(work, forge)
    standin.lag(reads=100)
    with GitHubForge("octo/train", standin.api_url, TOKEN) as other:
        other.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    with pytest.raises(Conflict, match="already exists"):
        forge.open_pr("ci/release-1.0.0", "main", "Release Train 1.0.0", BODY)
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]


def test_a_tag_that_exists_but_reads_404_is_read_again(
    work: Git, forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder
) -> None:
    sha = work.rev_parse("main")
    assert sha is not None
    standin.lag(reads=1)  # the read after the 422 misses it
    with GitHubForge("octo/train", standin.api_url, TOKEN) as other:
        assert other.create_tag("v1.0.0", sha)
    assert forge.create_tag("v1.0.0", sha) is False  # already there: success, not a conflict
    assert clock.sleeps == [0.5]


# --- what the stand-in refuses, as GitHub does ---------------------------------------------------
def test_bodies_of_the_wrong_type_or_outside_the_enum_are_422(
    work: Git, forge: GitHubForge, api: httpx.Client
) -> None:
    sha = work.rev_parse("main")
    forge.create_tag("v1.0.0", sha or "")
    refused = api.post("/releases", json={"tag_name": "v1.0.0", "make_latest": True})
    assert refused.status_code == 422
    assert (
        refused.json()["message"] == "Invalid request.\n\nFor 'properties/make_latest', true is not a string."
    )
    refused = api.post("/releases", json={"tag_name": "v1.0.0", "make_latest": "yes"})
    assert "is not one of" in refused.json()["message"]
    assert api.post("/releases", json={"tag_name": "v1.0.0", "draft": "false"}).status_code == 422
    assert api.put("/pulls/1/merge", json={"merge_method": "fast-forward"}).status_code == 422
    assert (
        api.patch(
            str(api.base_url).rstrip("/"), json={"squash_merge_commit_message": "EVERYTHING"}
        ).status_code
        == 422
    )
    assert api.post("/releases", json={"tag_name": "v1.0.0", "make_latest": "legacy"}).status_code == 201


def test_query_parameters_outside_their_enum_are_422(api: httpx.Client, work: Git) -> None:
    refused = api.get("/pulls", params={"state": "merged"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"resource": "PullRequest", "field": "state", "code": "invalid", "value": "merged"}
    ]
    assert api.get("/pulls", params={"state": "all", "direction": "sideways"}).status_code == 422
    assert api.get("/security-advisories", params={"per_page": "0"}).status_code == 422
    assert api.get("/pulls", params={"state": "all"}).status_code == 200


def test_the_merge_settings_are_read_and_patched_through_the_repository(
    standin: GitHubStandIn, forge: GitHubForge, api: httpx.Client
) -> None:
    assert (
        api.patch(str(api.base_url).rstrip("/"), json={"squash_merge_commit_message": "BLANK"}).status_code
        == 200
    )
    settings = forge.merge_settings()
    assert settings["squash_merge_commit_message"] == "BLANK"
    assert settings["allow_squash_merge"] is True
