"""The publish engine: plan, execute, checks, journal, forge release."""

from __future__ import annotations

from typing import Any


def run_reaction(*args: Any, **kwargs: Any) -> Any:
    """The reaction to a new tag (see `plan.run_reaction`)."""
    from release_train.flows.publish.plan import run_reaction as react

    return react(*args, **kwargs)
