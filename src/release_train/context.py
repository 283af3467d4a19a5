"""What every flow is handed: the clock, the observer, and the fault-injection hook.

The CLI builds a `Context` (reading `RELEASE_TRAIN_FAIL_AFTER` for tests); flows never read the
environment themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from release_train.errors import InterruptedForTest, ReleaseTrainError
from release_train.events import Event, Observer, null_observer
from release_train.infra.clock import Clock, SystemClock


@dataclass(frozen=True)
class Failure:
    """Work done on a command's behalf that failed without undoing the command (CI's reaction to
    a push it made: a merge stays merged when its publish fails). The command still exits
    non-zero, with the command that resumes."""

    what: str  # "publish reaction to refs/tags/v1.0.0"
    error: ReleaseTrainError
    resume: str  # the command that resumes it


@dataclass
class Context:
    clock: Clock = field(default_factory=SystemClock)
    observer: Observer = null_observer
    # Fault injection: after this many completed steps (counted across the whole process), raise
    # `InterruptedForTest` as if the process had been killed there. Tests walk every boundary.
    fail_after: int | None = None
    steps_done: int = 0
    # While true, the forge's new-tag reaction does not publish: a flow that merges several
    # lines (the security release) publishes all their tags itself, paced as one schedule.
    defer_publish: bool = False
    failures: list[Failure] = field(default_factory=list)

    def emit(self, kind: str, message: str, **data: Any) -> None:
        self.observer(Event(kind, message, data))

    def failed(self, what: str, error: ReleaseTrainError, resume: str) -> None:
        """Record (and warn about) a failure that must not stop the command but must fail it."""
        self.failures.append(Failure(what, error, resume))
        self.emit("warn", f"{what} failed: {error}", resume=resume)  # the error's own hint included

    def step_done(self, name: str) -> None:
        """Mark the end of one apply step; the fault hook may interrupt here."""
        self.steps_done += 1
        if self.fail_after is not None and self.steps_done >= self.fail_after:
            raise InterruptedForTest(f"interrupted after step {self.steps_done} ({name}) by fault injection")
