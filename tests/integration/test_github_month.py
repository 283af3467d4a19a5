"""Months on the GitHub stand-in with the repository settings real projects have (issue 11):

- the default squash message set to PR_BODY or BLANK: release PRs merged through the tool are
  tagged and published all the same; a person's merge with GitHub's default message under BLANK
  loses the marker, which `doctor` warned about;
- a second check run still in progress on the marker commit: held, then tagged once it completes;
- CI failing on the marker commit and fixed by a later commit: `status` shows it held, then the
  fix is tagged;
- no draft PRs: `security prepare` opens held PRs and `security release` finishes;
- required status checks, a tag ruleset, head branches kept after merging: each met by the command
  that meets it on GitHub.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.fixtures.crates import cargo_available
from tests.fixtures.github_train import REGISTRY_TOKEN, TOKEN, GitHubTrain
from tests.fixtures.publishing import use_isolated_cargo
from tests.fixtures.train import MARKER

from release_train.cli import main
from release_train.flows import security
from release_train.flows.train import held, release, status, tag, tick
from release_train.forges.interface import PushEvent
from release_train.github_standin import GitHubStandIn
from release_train.registries.local_cargo import RegistryServer

ADVISORY = "RUSTSEC-2026-0042"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(tmp_path / "github", "octo/railcar", token=TOKEN) as server:
        yield server


def held_texts(gh: GitHubTrain) -> list[str]:
    return [b.text for b in status.gather(gh.env()).blockers if b.kind == "held-release"]


@pytest.mark.cargo
@pytest.mark.skipif(not cargo_available(), reason="needs cargo")
@pytest.mark.parametrize("setting", ["PR_BODY", "BLANK"])
def test_a_month_merged_through_the_tool_tags_and_publishes_whatever_the_squash_message(
    tmp_path: Path, standin: GitHubStandIn, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    # and `mergeable` computed late, as GitHub does after each push
    standin.configure(
        squash_merge_commit_message=setting, squash_merge_commit_title="PR_TITLE", lazy_mergeable=True
    )
    use_isolated_cargo(monkeypatch, tmp_path)
    with RegistryServer(tmp_path / "registry", token=REGISTRY_TOKEN) as registry:
        gh = GitHubTrain.start(tmp_path, standin, registry.index_url)
        gh.cut_and_merge_bump()
        merged = gh.release_and_merge()
        published = registry.published()

    message = gh.origin.message(merged)
    assert message.splitlines()[0] == "Release Railcar 1.0.0 (#2)"
    assert MARKER in message.splitlines()
    forge = gh.env().forge
    assert forge.tags() == {"v1.0.0": merged}
    assert [(r.tag, r.latest) for r in forge.list_releases()] == [("v1.0.0", True)]
    assert published["railcar-core"] == ["1.0.0"]
    assert published["railcar"] == ["1.0.0"]
    assert not [w for w in gh.warnings() if "failed" in w]


def test_a_human_merge_with_the_default_blank_message_loses_the_marker_as_doctor_warned(
    tmp_path: Path,
    standin: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    standin.configure(squash_merge_commit_message="BLANK")
    gh = GitHubTrain.start(tmp_path, standin)
    monkeypatch.setenv("RELEASE_TRAIN_TOKEN", TOKEN)
    main(["doctor", "-C", str(gh.work.path), "--json"])
    warned = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}["merge settings"]
    assert warned["status"] == "warn" and "loses the release marker" in warned["message"]
    assert TOKEN not in json.dumps(warned)

    gh.cut_and_merge_bump()
    number = gh.open_release()
    before = gh.origin.rev_parse("release-1.0.0")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{standin.api_url}/repos/octo/railcar/pulls/{number}/merge"
    merged = httpx.put(url, json={"merge_method": "squash"}, headers=headers).json()["sha"]
    assert MARKER not in gh.origin.message(merged)

    env = gh.env()
    event = PushEvent("refs/heads/release-1.0.0", before or "", merged)
    report = tag.run_reaction(env, event)  # what CI runs on the push
    assert report.notes == (
        "not tagging: no commit in the range carries the release marker on a line of its own",
    )
    assert env.forge.tags() == {}


def test_a_pending_second_check_run_holds_the_tag_until_it_completes(
    tmp_path: Path, standin: GitHubStandIn
) -> None:
    standin.configure(app_checks=(("CI", "completed", "success"), ("lint", "in_progress", None)))
    gh = GitHubTrain.start(tmp_path, standin)
    gh.cut_and_merge_bump()
    merged = gh.release_and_merge()
    assert gh.env().forge.tags() == {}
    assert any(
        w.startswith(f"held: checks pending on {merged[:10]}; v1.0.0 not created") for w in gh.warnings()
    )
    assert held_texts(gh) == [
        f"v1.0.0 on release-1.0.0 is held: checks pending on the marker commit {merged[:10]}: lint"
    ]

    env = gh.env("2026-12-21T00:00:00Z")  # nothing due; the run is still going: it stays held
    report = tick.apply(env, tick.plan(env))
    assert [(label, [o.status for o in r.outcomes]) for label, r in report.flows] == [
        ("held releases", ["held"])
    ]

    standin.complete_check_run(merged, "lint", "success")
    env = gh.env("2026-12-22T00:00:00Z")
    report = tick.apply(env, tick.plan(env))
    assert any(f"+ tagged {merged[:10]} as v1.0.0" in line for line in report.lines)
    assert env.forge.tags() == {"v1.0.0": merged}
    assert held_texts(gh) == []


def test_ci_failing_on_the_marker_commit_is_tagged_on_the_later_fix(
    tmp_path: Path, standin: GitHubStandIn
) -> None:
    gh = GitHubTrain.start(tmp_path, standin)
    gh.cut_and_merge_bump()
    standin.configure(
        app_checks=(("test (windows)", "completed", "failure"), ("test (linux)", "completed", "success"))
    )
    merged = gh.release_and_merge()
    assert gh.env().forge.tags() == {}
    assert held_texts(gh) == [
        f"v1.0.0 on release-1.0.0 is held: checks failed on the marker commit {merged[:10]}: test (windows)"
    ]

    # the fix: a PR into the release branch, merged through the tool, CI green on its merge
    standin.configure(app_checks=(("test (windows)", "completed", "success"),))
    env = gh.env()
    gh.work.run("fetch", "--quiet", "origin")
    gh.work.checkout("origin/release-1.0.0", new_branch="fix-windows")
    (gh.work.path / "README.md").write_text("Fixed test expectations on Windows.\n")
    gh.work.commit_all("Fix test expectations on Windows")
    env.forge.push(gh.work.path, ["fix-windows:refs/heads/fix-windows"])
    gh.work.checkout("main")
    pr = env.forge.open_pr("fix-windows", "release-1.0.0", "Fix test expectations on Windows", "")
    fix = env.forge.merge_pr(pr.number)
    assert env.forge.tags() == {}  # the fix's push carries no marker
    assert len(held_texts(gh)) == 1  # still held: `status` shows it until it is re-examined

    report = held.apply(env, held.plan(env))
    assert env.forge.tags() == {"v1.0.0": fix}
    assert report.lines == [
        f"+ tagged {fix[:10]} as v1.0.0 instead of the marker commit {merged[:10]}: checks failed on the "
        f"marker commit, and {fix[:10]} is the newest later commit of 1.0.0 on release-1.0.0 whose checks pass"
    ]
    assert held_texts(gh) == []


def test_security_release_without_drafts_holds_by_prefix_and_label_then_finishes(
    tmp_path: Path, standin: GitHubStandIn
) -> None:
    standin.configure(drafts=False)
    gh = GitHubTrain.start(tmp_path, standin)
    gh.cut_and_merge_bump()
    gh.release_and_merge()
    env = gh.env("2026-12-22T00:00:00Z")
    security.apply_prepare(env, security.prepare(env, ADVISORY, ["release-1.0.0"]))

    pr = env.forge.find_pr("ci/bump-to-1.0.1", "release-1.0.0")
    assert pr is not None and (pr.draft, pr.title) == (True, "Release Railcar 1.0.1")
    raw = httpx.get(
        f"{standin.api_url}/repos/octo/railcar/pulls/{pr.number}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
    assert (raw["draft"], raw["title"]) == (False, "[HOLD] Release Railcar 1.0.1")
    assert [label["name"] for label in raw["labels"]] == ["release-train: hold"]
    assert any("no draft PRs" in w for w in gh.warnings())
    blocking = [b.text for b in status.gather(env).blockers if b.kind == "draft-pr"]
    assert blocking == [
        f"PR #{pr.number} (ci/bump-to-1.0.1 -> release-1.0.0) is held ([HOLD], no drafts here): Release Railcar 1.0.1"
    ]

    notes = gh.origin.show_file("refs/heads/release-1.0.0", "RELEASES.md")
    assert notes is not None
    fixed = f"## 1.0.1\n\nUnreleased.\n\n### Fixed\n\n* Out-of-bounds read ({ADVISORY}).\n\n{'-' * 80}\n\n"
    gh.land("release-1.0.0", {"RELEASES.md": fixed + notes.decode()}, f"Fix {ADVISORY}")
    (line,) = security.status(env, ADVISORY)
    assert (line.draft, line.fix_merged, line.ready) == (True, True, True)

    env = gh.env("2026-12-23T00:00:00Z")
    security.release_apply(env, security.release_plan(env, ADVISORY))
    ready = env.forge.get_pr(pr.number)
    assert (ready.draft, ready.title, ready.labels) == (False, "Release Railcar 1.0.1", ())
    merged = env.forge.merge_pr(pr.number)
    assert env.forge.tags()["v1.0.1"] == merged


def test_required_checks_refuse_pr_merge_until_the_head_is_green(
    tmp_path: Path,
    standin: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gh = GitHubTrain.start(tmp_path, standin)
    gh.cut_and_merge_bump()
    standin.configure(required_checks=("CI",))
    number = gh.open_release()
    monkeypatch.setenv("RELEASE_TRAIN_TOKEN", TOKEN)
    capsys.readouterr()
    assert main(["pr", "merge", str(number), "-C", str(gh.work.path)]) == 7
    err = capsys.readouterr().err
    assert 'Required status check "CI" is expected' in err and "wait until the required checks pass" in err
    head = gh.origin.rev_parse("refs/heads/ci/release-1.0.0")
    assert head is not None
    standin.add_check_run(head, "CI", "completed", "success")
    # merged and tagged; the train has no registry, so the tag's publish reaction fails the command
    assert main(["pr", "merge", str(number), "-C", str(gh.work.path)]) == 3
    assert "resume with: release-train publish --tag v1.0.0" in capsys.readouterr().err
    merged = gh.origin.rev_parse("refs/heads/release-1.0.0")
    assert gh.env().forge.tags() == {"v1.0.0": merged}
    assert TOKEN not in capsys.readouterr().err


def test_a_tag_ruleset_says_how_to_let_the_token_through_and_tag_held_tags_it_then(
    tmp_path: Path, standin: GitHubStandIn
) -> None:
    gh = GitHubTrain.start(tmp_path, standin)
    gh.cut_and_merge_bump()
    standin.configure(tag_rules=("v*",))
    merged = gh.release_and_merge()
    refused = [w for w in gh.warnings() if w.startswith("tag reaction to refs/heads/release-1.0.0 failed")]
    assert len(refused) == 1 and "Cannot create ref due to creations being restricted" in refused[0]
    assert "bypass list" in refused[0]
    env = gh.env()
    assert env.forge.tags() == {}
    assert held_texts(gh) == [
        f"v1.0.0 on release-1.0.0 is held: checks passed on {merged[:10]}: ready to tag"
    ]

    standin.configure(bypass_tag_rules=True)  # the maintainer adds the app to the bypass list
    held.apply(env, held.plan(env))
    assert env.forge.tags() == {"v1.0.0": merged}


def test_head_branches_kept_after_merging_do_not_make_a_rerun_open_them_again(
    tmp_path: Path, standin: GitHubStandIn
) -> None:
    standin.configure(delete_branch_on_merge=False, app_checks=(("CI", "in_progress", None),))
    gh = GitHubTrain.start(tmp_path, standin)
    gh.cut_and_merge_bump()
    merged = gh.release_and_merge()  # held: CI still running, so release-latest is not done yet
    assert gh.origin.rev_parse("refs/heads/ci/release-1.0.0") is not None  # kept by the setting

    env = gh.env()
    planned = release.plan(env)  # a second run of the 20th's release
    report = release.apply(env, planned)
    assert {o.status for o in report.outcomes} == {"skipped"}
    assert [pr.number for pr in env.forge.list_prs(state=None) if pr.head == "ci/release-1.0.0"] == [2]
    assert gh.origin.rev_parse("refs/heads/release-1.0.0") == merged


@pytest.mark.parametrize("limit", ["secondary", "primary"])
def test_the_forges_rate_limit_waits_are_on_the_commands_stderr(
    tmp_path: Path,
    standin: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    limit: str,
) -> None:
    """The GitHub forge works under the command's context: what it waits for, and why, is the
    command's output (a secondary limit: 429 with `retry-after`; a primary one: 403 with
    `x-ratelimit-remaining: 0` and a reset a moment from now, so the wait is the one-second floor)."""
    gh = GitHubTrain.start(tmp_path, standin)
    monkeypatch.setenv("RELEASE_TRAIN_TOKEN", TOKEN)
    capsys.readouterr()

    def limited() -> None:
        if limit == "secondary":
            standin.secondary_limit(1, retry_after=1, status=429)
        else:
            standin.exhaust_primary(1, reset_at=int(time.time()), status=403)

    limited()  # a command that only reads the forge
    assert main(["releases", "-C", str(gh.work.path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "no releases\n"
    assert captured.err == "GitHub rate limit: waiting 1 s\n"

    limited()  # a command whose forge runs the push reactions, with JSON events
    assert main(["pr", "list", "--json", "-C", str(gh.work.path)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    waits = [json.loads(line) for line in captured.err.splitlines()]
    assert waits == [{"event": "wait", "message": "GitHub rate limit: waiting 1 s", "seconds": 1.0}]
    assert TOKEN not in captured.err


def test_pr_close_on_github_is_refused_as_a_missing_capability_with_the_way_round(
    tmp_path: Path,
    standin: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gh = GitHubTrain.start(tmp_path, standin)
    gh.cut_and_merge_bump()
    number = gh.open_release()
    monkeypatch.setenv("RELEASE_TRAIN_TOKEN", TOKEN)
    capsys.readouterr()
    assert main(["pr", "close", str(number), "-C", str(gh.work.path)]) == 10
    err = capsys.readouterr().err
    assert "cannot close pull requests, which `release-train pr close` needs" in err
    assert f"hint: close it on the forge itself (on GitHub: the web UI or `gh pr close {number}`)" in err
    assert gh.env().forge.get_pr(number).state == "open"
