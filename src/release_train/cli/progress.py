"""A progress bar for long work (publish, verify): rich on a terminal, quiet or plain lines
otherwise. Flows emit `progress` events with `done` and `total`; this renders them."""

from __future__ import annotations

import sys
from typing import Any

from release_train.events import Event, Observer


class ProgressObserver:
    """Prints plan events on stdout, progress events as a rich progress bar on a terminal (off a
    terminal: plain lines, or nothing when `plain` is off), and every other event as the text
    observer `text` does. Call `close()` when the work ends."""

    def __init__(self, text: Observer, label: str, *, plain: bool = True) -> None:
        self._text = text
        self._label = label
        self._plain = plain  # off a terminal: a line per step (publish) or nothing (verify)
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, event: Event) -> None:
        if event.kind == "plan":
            print(event.message, flush=True)
        elif event.kind == "progress":
            self._progress(event)
        else:
            self._text(event)

    def _progress(self, event: Event) -> None:
        done, total = int(event.data.get("done", 0)), int(event.data.get("total", 0))
        if not sys.stderr.isatty():
            if self._plain:
                print(f"  [{done}/{total}] {event.message}", file=sys.stderr, flush=True)
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn(self._label),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
            )
            self._bar.start()
            self._task = self._bar.add_task("", total=total)
        self._bar.update(self._task, completed=done, description=event.message)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
