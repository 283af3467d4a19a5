"""Publish every package of a tag in dependency layers, paced to the registry's limits, resumable.

The registry is asked first: versions already there are skipped. The workspace is verified once
(`cargo package --workspace` plus the metadata a registry would refuse), the schedule and its ETA
are printed, then uploads run layer by layer, each dependent once its dependencies are visible in
the index. Then the forge release of the tag is created (or updated in place), with the tag's
section of the release notes. A crashed or stopped run resumes where it was: run the same command
again; it also finishes a release that a failed publish reaction left half-done (`status` lists
those).

The registry token is read from the environment variable named by `[publish] token-env`.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from release_train.cli.common import (
    TextObserver,
    add_dry_run,
    add_json,
    add_repo_options,
    context_from,
    forge_from,
    print_json,
    settings_from,
)
from release_train.events import Event, Observer


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tag", metavar="TAG", help="the tag to publish (default: the tag of the workspace version)"
    )
    add_dry_run(parser)
    add_json(parser)
    add_repo_options(parser)


class ProgressObserver:
    """Prints the schedule on stdout, a rich progress bar on a terminal (plain lines otherwise),
    and every other event as the plain text observer does."""

    def __init__(self, text: Observer) -> None:
        self._text = text
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
            print(f"  [{done}/{total}] {event.message}", file=sys.stderr, flush=True)
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("publishing"),
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


def run(args: argparse.Namespace) -> int:
    from release_train.flows.publish import publish, resolve_tag
    from release_train.flows.release_finish import finish
    from release_train.infra.git import Git
    from release_train.registries import open_registry

    settings = settings_from(args)
    ctx = context_from(args)
    observer = None if args.json else ProgressObserver(TextObserver(show_steps=True))
    if observer is not None:
        ctx.observer = observer
    token = os.environ.get(settings.publish.token_env) or None
    registry = open_registry(settings, token, clock=ctx.clock)
    # The forge release ends the publish: a forge that cannot be opened stops us before any upload.
    forge = forge_from(settings, ctx.clock)
    tag, _ = resolve_tag(settings, Git(settings.root), args.tag)
    try:
        if args.dry_run:
            plan = publish(settings, registry, ctx, tag=tag, dry_run=True)
            ctx.emit("plan", f"then create or update the forge release of {tag}")
        else:
            finished = finish(settings, forge, registry, ctx, tag)
    finally:
        if observer is not None:
            observer.close()
    if args.dry_run:
        if args.json:
            print_json(plan.to_json())
        return 0
    if args.json:
        print_json(finished.to_json())
        return 0
    from release_train.model.pacing import format_duration

    report, release = finished.report, finished.release
    print(
        f"published {len(report.published)} package(s) of {report.plan.tag} in "
        f"{format_duration(report.elapsed)}; {len(report.plan.present)} were already there"
    )
    print(f"forge release {release.name or release.tag}" + (f": {release.url}" if release.url else ""))
    return 0
