"""The shared shape of every flow: a `Plan` (a value that lists each step) and a `Report`.

`plan(env)` observes the world and changes nothing; `describe()` is what `--dry-run` prints.
`apply(env, plan)` walks the same steps; each step observes first and does only what is missing,
then records an `Outcome` through `Progress`, which also reports the event and marks the step
boundary for the fault-injection hook (`Context.step_done`), so every boundary can be interrupted
and re-run in tests.
"""

from __future__ import annotations

from typing import Any, Literal

from release_train.context import Context
from release_train.values import dataclass, field

Status = Literal["done", "skipped", "held"]


@dataclass(frozen=True)
class Step:
    """One thing a flow would do. `name` is stable (tests and events use it); `text` is for people."""

    name: str
    kind: str  # "branch", "commit", "pr", "tag"
    text: str
    details: tuple[str, ...] = ()  # indented lines under the step: a PR body, a commit message
    facts: dict[str, Any] = field(default_factory=dict)  # the same, structured, for --json

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "text": self.text,
            "details": list(self.details),
            **self.facts,
        }


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Base of every flow's plan. Subclasses add the facts their `apply` needs."""

    flow: str
    summary: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()  # facts worth saying that are not steps ("nothing to tag: ...")

    def describe(self) -> list[str]:
        lines = [self.summary, *self.notes]
        for number, step in enumerate(self.steps, 1):
            lines.append(f"{number}. {step.text}")
            lines.extend(f"     {detail}" for detail in step.details)
        if not self.steps:
            lines.append("nothing to do")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "summary": self.summary,
            "notes": list(self.notes),
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True)
class Outcome:
    step: str
    status: Status
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    flow: str
    outcomes: tuple[Outcome, ...]
    notes: tuple[str, ...] = ()

    @property
    def lines(self) -> list[str]:
        marks = {"done": "+", "skipped": "=", "held": "!"}
        return [*self.notes, *(f"{marks[o.status]} {o.message}" for o in self.outcomes)]

    def status_of(self, step: str) -> Status | None:
        return next((o.status for o in self.outcomes if o.step == step), None)

    def data(self, step: str) -> dict[str, Any]:
        return next((o.data for o in self.outcomes if o.step == step), {})

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "notes": list(self.notes),
            "outcomes": [
                {"step": o.step, "status": o.status, "message": o.message, **o.data} for o in self.outcomes
            ],
        }


class Progress:
    """Records outcomes while a plan is applied; each record is one step boundary."""

    def __init__(self, ctx: Context, plan: Plan) -> None:
        self._ctx = ctx
        self._plan = plan
        self._outcomes: list[Outcome] = []

    def record(self, step: Step, status: Status, message: str, **data: Any) -> None:
        self._outcomes.append(Outcome(step.name, status, message, data))
        self._ctx.emit(
            {"done": "step", "skipped": "skip", "held": "warn"}[status], message, step=step.name, **data
        )
        self._ctx.step_done(f"{self._plan.flow}:{step.name}")

    def done(self, step: Step, message: str, **data: Any) -> None:
        self.record(step, "done", message, **data)

    def skipped(self, step: Step, message: str, **data: Any) -> None:
        self.record(step, "skipped", message, **data)

    def report(self) -> Report:
        return Report(self._plan.flow, tuple(self._outcomes), self._plan.notes)
