"""A small train on the GitHub stand-in through `open_forge` with `[forge] kind = "github"`: cut,
merge the bump, release-latest, merge the release PR, and the tag reaction tags the merge commit
through the refs API, exactly as on the local forge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fixtures.train import MARKER, github_workspace

from release_train.config import load_settings
from release_train.context import Context
from release_train.events import Recorder
from release_train.flows.env import FlowEnv
from release_train.flows.reactions import TAG_FLOW, Reactions
from release_train.flows.train import cut, release
from release_train.forges import open_forge
from release_train.forges.github import GitHubForge
from release_train.forges.interface import PushEvent
from release_train.github_standin import GitHubStandIn
from release_train.infra.clock import FixedClock, parse_now
from release_train.infra.git import Git

TOKEN = "ghs_trainTOKEN"


class TagOnly(Reactions):
    """CI without publishing: pushes to main and release branches run `tag`."""

    def flows_for(self, event: PushEvent) -> list[str]:
        return [flow for flow in super().flows_for(event) if flow == TAG_FLOW]


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn(tmp_path / "github", "octo/railcar", token=TOKEN) as server:
        yield server


def env_at(work: Git, when: str, events: Recorder) -> FlowEnv:
    settings = load_settings(work.path)
    ctx = Context(clock=FixedClock(parse_now(when)), observer=events)
    handler = TagOnly(settings, ctx)
    forge = open_forge(settings, ctx, handler, token=TOKEN)
    assert isinstance(forge, GitHubForge)
    handler.bind(forge)
    return FlowEnv(settings, work, forge, ctx)


def test_cut_release_and_tag_on_the_github_standin(tmp_path: Path, standin: GitHubStandIn) -> None:
    events = Recorder()
    work = github_workspace(tmp_path, standin)
    env = env_at(work, "2026-12-05", events)
    env.forge.push(work.path, ["main"])
    assert work.rev_parse("refs/remotes/origin/main") == work.rev_parse("main")  # pushed via origin
    origin = Git(standin.git_dir)

    cut.apply(env, cut.plan(env))
    assert origin.rev_parse("refs/heads/release-1.0.0") == work.rev_parse("main")
    bump = env.forge.find_pr("ci/bump-to-2.0.0", "main")
    assert bump is not None and bump.title == "Bump Railcar to 2.0.0"
    again = cut.apply(env, cut.plan(env))  # a re-run finds everything in place
    assert [o.status for o in again.outcomes] == ["skipped"] * len(again.outcomes)
    env.forge.merge_pr(bump.number)
    assert env.forge.tags() == {}  # the bump carries no marker

    env = env_at(work, "2026-12-20", events)
    planned = release.plan(env)
    release.apply(env, planned)
    pr = env.forge.find_pr("ci/release-1.0.0", "release-1.0.0")
    assert pr is not None and pr.title == "Release Railcar 1.0.0"
    merged = env.forge.merge_pr(pr.number)

    assert MARKER in origin.message(merged).splitlines()
    assert env.forge.tags() == {"v1.0.0": merged}
    assert origin.rev_parse("refs/tags/v1.0.0") == merged
    assert any(r.startswith("POST /repos/octo/railcar/git/refs") for r in standin.requests)
    assert len(env.forge.list_prs(state=None)) == 2
