"""Backends declare what they can do; planners check what they need before any step and refuse
with `CapabilityMissing` (exit 10, a hint), never by asking which backend it is."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.fixtures.train import Train, build_train

from release_train.errors import CapabilityMissing
from release_train.flows import security
from release_train.flows.env import FlowEnv
from release_train.flows.publish.plan import plan_commits
from release_train.forges.interface import ForgeCapability
from release_train.forges.local import LocalForge
from release_train.registries.interface import RegistryCapability

ADVISORY = "RUSTSEC-2026-0042"


class NoHeldPrsForge(LocalForge):
    """The local forge on a host without drafts and without a way to hold a PR."""

    capabilities = LocalForge.capabilities - {ForgeCapability.HOLD_PRS}


class ReadOnlyRegistry:
    """A registry mirror: it lists what is published but takes no uploads and yanks nothing."""

    label = "a read-only mirror"
    capabilities: frozenset[RegistryCapability] = frozenset()

    def versions(self, name: str) -> dict[str, object]:
        raise AssertionError("a planner that lacks a capability must not read the registry")


def on_forge(train: Train, forge_type: type[LocalForge]) -> FlowEnv:
    env = train.env()
    forge = forge_type(train.forge.bare_path, env.forge.on_push, clock=env.ctx.clock)  # type: ignore[attr-defined]
    return replace(env, forge=forge)


def world(train: Train) -> tuple[object, ...]:
    """What a step would change: the forge's refs, PRs and push log."""
    return (train.forge.git.refs("refs/"), train.forge.list_prs(state=None), train.forge.events())


def test_security_prepare_refuses_before_any_step_on_a_forge_that_cannot_hold_prs(tmp_path: Path) -> None:
    train = build_train(tmp_path, cuts=1, now="2026-02-05")
    before, said = world(train), len(train.events.events)
    env = on_forge(train, NoHeldPrsForge)

    with pytest.raises(CapabilityMissing) as raised:
        security.prepare(env, ADVISORY, ["supported"])

    assert str(raised.value).startswith(
        "this forge (the local forge at "
    ) and "cannot open pull requests held from merging (drafts), which `security prepare`" in str(
        raised.value
    )
    assert raised.value.exit_code == 10 and raised.value.hint
    assert world(train) == before and env.ctx.steps_done == 0
    assert train.events.events[said:] == []  # not a step, not a warning
    # the same repository on a forge that can: the plan is made (its PRs are drafts)
    planned = security.prepare(on_forge(train, LocalForge), ADVISORY, ["supported"])
    assert planned.steps and all(p.proposal.draft for p in planned.plans)


def test_publish_plan_refuses_a_registry_that_takes_no_uploads(tmp_path: Path) -> None:
    train = build_train(tmp_path)
    commit = train.sha("main")
    assert commit is not None
    from release_train.flows.publish.execute import Tuning
    from release_train.model.pacing import Estimates

    with pytest.raises(CapabilityMissing) as raised:
        plan_commits(train.settings, ReadOnlyRegistry(), [commit], Estimates(), Tuning(), git=train.work)  # type: ignore[arg-type]
    assert str(raised.value).startswith(
        "the registry a read-only mirror cannot upload packages, which publishing this train's releases needs"
    )
