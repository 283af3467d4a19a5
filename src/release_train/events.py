"""Progress and events: the library never prints. Flows report to an `Observer`; the CLI renders
events as text lines, rich output, or JSON lines (`--json`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from release_train.values import dataclass, field


@dataclass(frozen=True)
class Event:
    """`kind` is a short machine name (`step`, `skip`, `warn`, `progress`...), `message` is for people."""

    kind: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


Observer = Callable[[Event], None]


def null_observer(event: Event) -> None:
    """Discard events (library default)."""


class Recorder:
    """An observer that keeps every event; used by tests and by `--json` reports."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def messages(self, kind: str | None = None) -> list[str]:
        return [e.message for e in self.events if kind is None or e.kind == kind]
