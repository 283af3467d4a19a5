"""Issue 10, item 9: a branch is a release branch only when its name is the configured pattern
(`release-{version}`) exactly, with a plain MAJOR.MINOR.PATCH in it. `release-2.0.0-alt` (a
pre-release-looking suffix) and friends are not release branches for any flow: the release
lines (`branches`, `status`, backport's `--to supported`), release-latest (and so `tick`),
release-patch, backport's `--to BRANCH`, `tag`, the push reactions and `doctor`."""

from __future__ import annotations

import re

import pytest
from tests.fixtures.train import MARKER, Train, build_train

from release_train.errors import RefusedError
from release_train.flows.lines import patch, targets
from release_train.flows.lines.release_lines import release_lines, supported
from release_train.flows.reactions import TAG_FLOW, Reactions
from release_train.flows.setup import doctor
from release_train.flows.train import release, tag
from release_train.forges.interface import ZERO_SHA, PushEvent

IMPOSTORS = ["release-2.0.0-alt", "release-1.0.0-alt", "release-3.0.0+build", "release-04.0.0", "release-5.0"]


@pytest.fixture
def train(tmp_path_factory: pytest.TempPathFactory) -> Train:
    """release-1.0.0 cut (main at 2.0.0), and branches that only look like release branches,
    pushed to the origin from main."""
    train = build_train(tmp_path_factory.mktemp("names"), cuts=1)
    main = train.sha("main")
    train.forge.push(train.work.path, [f"{main}:refs/heads/{name}" for name in IMPOSTORS])
    assert set(IMPOSTORS) <= set(train.branches())
    return train


def test_only_the_exact_pattern_makes_a_release_line(train: Train) -> None:
    env = train.env()
    assert [line.branch for line in release_lines(env, env.settings, train.now)] == ["release-1.0.0"]
    assert [line.branch for line in supported(env, env.settings, train.now)] == ["release-1.0.0"]
    checks = doctor.branch_checks(env.settings, env.git, env.forge)
    assert any(c.message == "1 match 'release-{version}', latest release-1.0.0" for c in checks)


def test_release_latest_picks_the_real_latest_branch(train: Train) -> None:
    env = train.env()
    assert release.latest_branch(env)[0] == "release-1.0.0"  # not release-2.0.0-alt or release-5.0
    assert release.plan(env).branch == "release-1.0.0"


@pytest.mark.parametrize("name", IMPOSTORS)
def test_patch_and_backport_refuse_a_branch_that_only_looks_like_one(train: Train, name: str) -> None:
    env = train.env()
    with pytest.raises(RefusedError, match=re.escape(f"'{name}' is not a release branch")):
        patch.plan(env, branch=name)
    with pytest.raises(RefusedError, match=re.escape(f"'{name}' is not a release branch")):
        targets.resolve(env, [name])


def test_a_marker_commit_on_a_lookalike_branch_is_not_tagged(train: Train) -> None:
    before = train.sha("release-2.0.0-alt")
    assert before is not None
    after = train.land("release-2.0.0-alt", {"NOTE.md": "x\n"}, f"Release Railcar 2.0.0\n\n{MARKER}\n")
    assert train.forge.tags() == {}  # the push reaction did not tag it
    planned = tag.plan(train.env(), before=before, after=after, ref="refs/heads/release-2.0.0-alt")
    assert planned.notes == ("not tagging: release-2.0.0-alt is neither main nor a release branch",)
    reactions = Reactions(train.settings, train.ctx())
    assert reactions.flow_for(PushEvent("refs/heads/release-2.0.0-alt", before, after)) is None
    assert reactions.flow_for(PushEvent("refs/heads/release-1.0.0", ZERO_SHA, after)) == TAG_FLOW
