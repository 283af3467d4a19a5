"""CI summaries: while a flow command runs, record what it did; when it ends (also by an error),
write the Markdown summary (`render/summary.py`) where it was asked for: appended to the file
`$GITHUB_STEP_SUMMARY` names (GitHub Actions shows it on the run's page), and to `--summary FILE`
(replaced). Commands that take `--summary` are the flows and publish.

The recorder is the command's, set by the runner for the length of one command (a context
variable, so the demo's nested commands each get their own): the observer is teed into it
(`tee`), and the flow commands hand it their plan and report (`plan`, `report`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.values import dataclass, field

if TYPE_CHECKING:
    from release_train.events import Event, Observer
    from release_train.render.summary import Timed

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def add_summary(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help=f"write a Markdown summary of the run to FILE (also appended to ${STEP_SUMMARY_ENV} when set)",
    )


@dataclass
class Recorder:
    command: str
    started: float = field(default_factory=time.monotonic)
    plan_lines: tuple[str, ...] = ()
    report_lines: tuple[str, ...] = ()
    events: list[Timed] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        from release_train.render.summary import Timed

        self.events.append(Timed(event, time.monotonic() - self.started))


_CURRENT: ContextVar[Recorder | None] = ContextVar("release_train_summary", default=None)


def tee(observer: Observer) -> Observer:
    """`observer`, also feeding the running command's recorder (if it records)."""
    recorder = _CURRENT.get()
    if recorder is None:
        return observer

    def both(event: Event) -> None:
        recorder(event)
        observer(event)

    return both


def plan(lines: Sequence[str]) -> None:
    """The flow's plan, as `--dry-run` prints it."""
    recorder = _CURRENT.get()
    if recorder is not None:
        recorder.plan_lines = tuple(lines)


def report(lines: Sequence[str]) -> None:
    """What the flow did, as it prints it."""
    recorder = _CURRENT.get()
    if recorder is not None:
        recorder.report_lines = tuple(lines)


@dataclass
class Ending:
    """How the command ended; the runner fills it in."""

    exit_code: int = 0
    failure: str = ""
    hint: str = ""


@contextmanager
def recording(name: str, argv: Sequence[str], args: argparse.Namespace) -> Iterator[Ending]:
    """Record the command while it runs when a summary is wanted; write it when it ends."""
    targets = _targets(args)
    ending = Ending()
    if not targets:
        yield ending
        return
    import shlex

    recorder = Recorder(shlex.join(["release-train", name, *argv]))
    token = _CURRENT.set(recorder)
    try:
        yield ending
    finally:
        _CURRENT.reset(token)
        _write(recorder, ending, targets)


def _targets(args: argparse.Namespace) -> list[tuple[Path, bool]]:
    """(file, append?) for each place the summary goes."""
    if not hasattr(args, "summary"):
        return []
    targets = [(args.summary, False)] if args.summary else []
    step = os.environ.get(STEP_SUMMARY_ENV)
    if step:
        targets.append((Path(step), True))
    return targets


def _write(recorder: Recorder, ending: Ending, targets: list[tuple[Path, bool]]) -> None:
    from release_train.render.summary import RunRecord, summary_markdown

    text = summary_markdown(
        RunRecord(
            recorder.command,
            recorder.plan_lines,
            recorder.report_lines,
            tuple(recorder.events),
            ending.exit_code,
            ending.failure,
            ending.hint,
        )
    )
    for path, append in targets:
        try:
            with path.open("a" if append else "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:  # a summary that cannot be written must not hide the run's result
            print(f"warning: cannot write the summary to {path}: {exc.strerror}", file=sys.stderr)
