"""The context is a value: a flow that needs another observer makes a new context, which counts
steps with (and records failures for) the command's."""

from __future__ import annotations

import dataclasses

import pytest

from release_train.context import Context
from release_train.errors import InterruptedForTest, RefusedError
from release_train.events import Recorder


def test_a_context_cannot_be_changed_in_place() -> None:
    ctx = Context()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.observer = Recorder()  # type: ignore[misc]


def test_a_context_made_from_another_shares_its_step_count_fault_hook_and_failures() -> None:
    first, second = Recorder(), Recorder()
    ctx = Context(observer=first, fail_after=3)
    ctx.step_done("one")
    other = dataclasses.replace(ctx, observer=second)
    other.step_done("two")
    assert (ctx.steps_done, other.steps_done) == (2, 2)
    with pytest.raises(InterruptedForTest, match=r"after step 3 \(three\)"):
        ctx.step_done("three")
    other.failed(
        "publish reaction to refs/tags/v1.0.0", RefusedError("no"), "release-train publish --tag v1.0.0"
    )
    assert [f.what for f in ctx.failures] == ["publish reaction to refs/tags/v1.0.0"]
    assert second.messages("warn") and not first.messages("warn")  # each says it to its own observer
