"""What every flow is handed: the clock, the observer, and the fault-injection hook.

The CLI builds a `Context` (reading `RELEASE_TRAIN_FAIL_AFTER` for tests); flows never read the
environment themselves. A `Context` is a value: a flow that needs another observer or clock makes
a new one (`dataclasses.replace`), which shares the command's step count and failures.
"""

from __future__ import annotations

from typing import Any

from release_train.errors import InterruptedForTest, ReleaseTrainError
from release_train.events import Event, Observer, null_observer
from release_train.infra.clock import Clock, SystemClock
from release_train.values import dataclass, field


@dataclass(frozen=True)
class Failure:
    """Work done on a command's behalf that failed without undoing the command (CI's reaction to
    a push it made: a merge stays merged when its publish fails). The command still exits
    non-zero, with the command that resumes."""

    what: str  # "publish reaction to refs/tags/v1.0.0"
    error: ReleaseTrainError
    resume: str  # the command that resumes it


class StepCount:
    """The apply steps completed so far by a command (and every context made from its own)."""

    def __init__(self) -> None:
        self.done = 0


@dataclass(frozen=True)
class Context:
    clock: Clock = field(default_factory=SystemClock)
    observer: Observer = null_observer
    # Fault injection: after this many completed steps (counted across the whole process), raise
    # `InterruptedForTest` as if the process had been killed there. Tests walk every boundary.
    fail_after: int | None = None
    steps: StepCount = field(default_factory=StepCount, compare=False, repr=False)
    # What failed without stopping the command (a reaction to its push), for its exit code.
    failures: list[Failure] = field(default_factory=list, compare=False, repr=False)

    @property
    def steps_done(self) -> int:
        return self.steps.done

    def emit(self, kind: str, message: str, **data: Any) -> None:
        self.observer(Event(kind, message, data))

    def failed(self, what: str, error: ReleaseTrainError, resume: str) -> None:
        """Record (and warn about) a failure that must not stop the command but must fail it."""
        self.failures.append(Failure(what, error, resume))
        self.emit("warn", f"{what} failed: {error}", resume=resume)  # the error's own hint included

    def step_done(self, name: str) -> None:
        """Mark the end of one apply step; the fault hook may interrupt here."""
        self.steps.done += 1
        if self.fail_after is not None and self.steps_done >= self.fail_after:
            raise InterruptedForTest(f"interrupted after step {self.steps_done} ({name}) by fault injection")
