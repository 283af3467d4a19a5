"""Rate limits, GitHub's error bodies and token redaction, against the stand-in over real HTTP."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from tests.fixtures.github_forge import START, SleepRecorder
from tests.fixtures.serving import banner, value_of

from release_train.context import Context
from release_train.errors import ReleaseTrainError
from release_train.events import Recorder
from release_train.forges.github import GitHubForge, RateLimited
from release_train.forges.interface import Release
from release_train.github_standin import GitHubStandIn
from release_train.infra import proc
from release_train.infra.clock import FixedClock
from release_train.infra.git import Git, init_repo

TOKEN = "ghp_SECRETsecret0123456789abcdefABCDEF"
EPOCH = int(START.timestamp())


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(tmp_path, "octo/train", token=TOKEN, clock=FixedClock(START)) as server:
        yield server


@pytest.fixture
def clock() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def events() -> Recorder:
    return Recorder()


@pytest.fixture
def forge(standin: GitHubStandIn, clock: SleepRecorder, events: Recorder) -> Iterator[GitHubForge]:
    ctx = Context(clock=clock, observer=events)
    with GitHubForge("octo/train", standin.api_url, TOKEN, ctx=ctx) as forge:
        yield forge


def test_primary_limit_waits_until_the_announced_reset(
    forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder, events: Recorder
) -> None:
    standin.exhaust_primary(1, reset_at=EPOCH + 754)
    assert forge.list_prs() == []
    assert clock.sleeps == [754.0]
    assert [r for r in standin.requests if r.startswith("GET /repos/octo/train/pulls")] != []
    assert events.messages("wait") == ["GitHub rate limit: waiting 754 s"]


def test_primary_limit_wait_counts_from_the_clock_not_from_zero(
    forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder
) -> None:
    clock.sleep(100)  # the run has been going for a while
    standin.exhaust_primary(2, reset_at=EPOCH + 160)
    forge.list_prs()
    # first wait: 160 - 100; the second answer still says the same reset, now past: wait briefly
    assert clock.sleeps == [100.0, 60.0, 1.0]


def test_secondary_limit_waits_for_retry_after(
    forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder
) -> None:
    standin.secondary_limit(2, retry_after=37)
    assert forge.list_releases() == []
    assert clock.sleeps == [37.0, 37.0]


@pytest.mark.parametrize("status", [403, 429])
def test_both_limits_answer_with_403_or_429(
    forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder, status: int
) -> None:
    standin.exhaust_primary(1, reset_at=EPOCH + 30, status=status)
    forge.tags()
    standin.secondary_limit(1, retry_after=7, status=status)
    forge.tags()
    assert clock.sleeps == [30.0, 7.0]


def test_secondary_limit_without_headers_backs_off_from_a_minute(
    forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder
) -> None:
    standin.secondary_limit(2, retry_after=None)
    forge.list_prs()
    assert clock.sleeps == [60.0, 120.0]


def test_rate_limit_waits_are_bounded(
    forge: GitHubForge, standin: GitHubStandIn, clock: SleepRecorder
) -> None:
    standin.secondary_limit(50, retry_after=5)
    with pytest.raises(RateLimited, match="after 5 waits") as info:
        forge.list_prs()
    assert clock.sleeps == [5.0] * 5
    assert info.value.hint and "run again" in info.value.hint


def test_every_response_carries_rate_limit_headers_and_github_bodies(standin: GitHubStandIn) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "X-GitHub-Api-Version": "2022-11-28"}
    with httpx.Client(base_url=standin.api_url, headers=headers) as client:
        missing = client.get("/repos/octo/train/pulls/99")
        other_repo = client.get("/repos/someone/else")
        created = client.post("/repos/octo/train/issues", json={"title": "t"})
        unauthenticated = httpx.get(f"{standin.api_url}/repos/octo/train")
        exists = client.post("/repos/octo/train/git/refs", json={"ref": "refs/heads/x", "sha": "0" * 40})
    for response in (missing, other_repo, created, unauthenticated, exists):
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(response.headers)
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/pulls/pulls",
        "status": "404",
    }
    assert other_repo.status_code == 404
    assert created.status_code == 201 and created.headers["location"].endswith("/issues/1")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["message"] == "Requires authentication"
    assert exists.status_code == 422 and exists.json()["message"] == "Object does not exist"
    assert "errors" not in exists.json()


def test_a_wrong_token_is_a_clear_error(standin: GitHubStandIn) -> None:
    with (
        GitHubForge("octo/train", standin.api_url, "wrong-token") as forge,
        pytest.raises(ReleaseTrainError) as info,
    ):
        forge.list_prs()
    assert "401" in str(info.value) and "Bad credentials" in str(info.value)
    assert info.value.hint and "token-env" in info.value.hint


def _all_text(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), "".join(traceback.format_exception(exc))])


def test_the_token_appears_in_no_error_log_or_repr(
    tmp_path: Path, standin: GitHubStandIn, forge: GitHubForge, caplog: pytest.LogCaptureFixture
) -> None:
    """Every request fails, and the failing answer even quotes the Authorization header back."""
    caplog.set_level(logging.DEBUG)
    work = init_repo(tmp_path / "work")
    (work.path / "f").write_text("x")
    sha = work.commit_all("c")
    standin.fail_every_request(500, echo_auth=True)
    asset = tmp_path / "a.bin"
    asset.write_bytes(b"a")
    calls: list[Callable[[], object]] = [
        forge.list_prs,
        lambda: forge.open_pr("topic", "main", "t", "b"),
        lambda: forge.merge_pr(1),
        lambda: forge.update_pr(1, draft=False),
        lambda: forge.check_state(sha),
        forge.tags,
        lambda: forge.create_tag("v1.0.0", sha),
        lambda: forge.upsert_release(Release("v1.0.0", "1.0.0", "n"), [asset]),
        forge.list_releases,
        forge.open_security_issues,
        lambda: forge.remote_url,
        # the paths of issue 11: held PRs, merge settings, checks by name, merges with messages
        lambda: forge.open_pr("topic", "main", "t", "b", draft=True),
        lambda: forge.update_pr(1, draft=True),
        forge.merge_settings,
        lambda: forge.checks(sha),
        lambda: forge.merge_pr(1, method="merge"),
    ]
    texts = []
    for call in calls:
        with pytest.raises(ReleaseTrainError) as info:
            call()
        texts.append(_all_text(info.value))
        assert "500" in str(info.value)
    assert any("Authorization: Bearer ***" in text for text in texts)  # it was there, masked
    everything = "\n".join([*texts, caplog.text, repr(forge), repr(forge.token), str(forge.token)])
    assert TOKEN not in everything


def test_git_pushes_carry_the_token_only_in_the_environment(
    tmp_path: Path, standin: GitHubStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """An https remote that refuses: the git error shown is masked, and the URL has no token."""
    caplog.set_level(logging.DEBUG)
    work = init_repo(tmp_path / "work")
    (work.path / "f").write_text("x")
    work.commit_all("c")
    remote = f"{standin.api_url}/octo/train.git"
    with GitHubForge("octo/train", standin.api_url, TOKEN, git_remote_url=remote) as forge:
        assert forge.remote_url == remote
        with pytest.raises(ReleaseTrainError) as info:
            forge.push(work.path, ["main"])
    text = _all_text(info.value) + caplog.text
    assert "ls-remote" in text or "push" in text
    assert TOKEN not in text
    assert "x-access-token" not in text
    assert TOKEN not in Git(work.path).run("config", "--list")


def configured_repo(path: Path, standin: GitHubStandIn) -> Git:
    """A repository whose release-train.toml names the stand-in as its GitHub, `main` pushed."""
    repo = init_repo(path)
    (repo.path / "release-train.toml").write_text(
        f'[project]\nrepository = "octo/train"\n[forge]\nkind = "github"\napi-url = "{standin.api_url}"\n'
    )
    repo.commit_all("config")
    repo.run("remote", "add", "origin", str(standin.git_dir))
    repo.run("push", "--quiet", "origin", "main")
    return repo


@pytest.mark.parametrize(
    "command",
    [["releases"], ["tag", "--held"], ["doctor"], ["status"], ["pr", "merge", "1"], ["pr", "draft", "1"]],
)
def test_cli_never_prints_the_token(tmp_path: Path, standin: GitHubStandIn, command: list[str]) -> None:
    """The whole program, token in the environment, every request failing: not in stdout, stderr
    or any file the run leaves (temporary files, and crash logs in the state directory). The commands
    include the paths of issue 11: held releases, doctor's merge settings, merges with their
    messages, held PRs."""
    repo = configured_repo(tmp_path / "repo", standin)
    standin.fail_every_request(500, echo_auth=True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {
        "GITHUB_TOKEN": TOKEN,
        "RELEASE_TRAIN_TOKEN": TOKEN,
        "TMPDIR": str(scratch),
        "XDG_STATE_HOME": str(scratch / "state"),
        "HOME": os.environ["HOME"],
    }
    done = proc.run(
        [sys.executable, "-m", "release_train", *command, "-C", str(repo.path)], env=env, check=False
    )
    assert done.returncode != 0
    assert "error:" in done.stderr or "fail" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    for path in scratch.rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text(errors="replace")


def test_held_prs_and_held_releases_never_show_the_token(tmp_path: Path, standin: GitHubStandIn) -> None:
    """The new success paths print what they did (a PR held by prefix and label, a held release
    re-examined); the token is in none of it."""
    repo = configured_repo(tmp_path / "repo", standin)
    repo.checkout("main", new_branch="topic")
    (repo.path / "f").write_text("x")
    repo.commit_all("Release\n\n[automatically-tag-and-release-this-commit]\n")
    repo.run("push", "--quiet", "origin", "topic")
    standin.configure(drafts=False)
    env = {"RELEASE_TRAIN_TOKEN": TOKEN, "HOME": os.environ["HOME"], "TMPDIR": str(tmp_path)}
    outputs = []
    for command in (
        ["pr", "open", "--head", "topic", "--base", "main", "--title", "t", "--draft"],
        ["pr", "ready", "1"],
        ["tag", "--held"],
        ["status"],
        ["doctor"],
    ):
        done = proc.run(
            [sys.executable, "-m", "release_train", *command, "-C", str(repo.path)], env=env, check=False
        )
        outputs.append(done.stdout + done.stderr)
    assert "[HOLD]" in outputs[0] and "no draft PRs" in outputs[0]
    assert TOKEN not in "\n".join(outputs)


def test_cli_standin_serves_until_ctrl_c(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "release_train", "github-standin", "--dir", str(tmp_path / "gh")]
    command += ["--repository", "octo/railcar", "--port", "0", "--token-env", "STANDIN_TOKEN"]
    env = {**os.environ, "STANDIN_TOKEN": TOKEN}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as child:
        lines = banner(child)
        api = value_of(lines, "api-url:")
        with GitHubForge("octo/railcar", api, TOKEN) as forge:
            assert forge.remote_url == str(tmp_path / "gh" / "railcar.git")
            assert forge.list_prs() == []
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=10) == 0
    assert TOKEN not in "".join(lines)
    assert (tmp_path / "gh" / "railcar.git" / "HEAD").is_file()
