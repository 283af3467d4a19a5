"""Publish every package of a tag in dependency layers, paced to the registry's limits, resumable.

The registry is asked first: versions already there are skipped. The workspace is verified once
(`cargo package --workspace` plus the metadata a registry would refuse), the schedule and its ETA
are printed, then uploads run layer by layer, each dependent once its dependencies are visible in
the index. A crashed or stopped run resumes where it was: run the same command again.

The registry token is read from the environment variable named by `[publish] token-env`.
"""

from __future__ import annotations

import argparse

from release_train.cli.common import (
    TextObserver,
    add_dry_run,
    add_json,
    add_repo_options,
    context_from,
    print_json,
    registry_token,
    settings_from,
    summarized,
)
from release_train.cli.progress import ProgressObserver
from release_train.cli.summary import add_summary


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tag", metavar="TAG", help="the tag to publish (default: the tag of the workspace version)"
    )
    add_dry_run(parser)
    add_json(parser)
    add_repo_options(parser)
    add_summary(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.publish import PublishPlan, publish
    from release_train.registries import open_registry

    settings = settings_from(args)
    ctx = context_from(args)
    observer = None if args.json else ProgressObserver(TextObserver(show_steps=True), "publishing")
    if observer is not None:
        ctx.observer = summarized(observer)
    registry = open_registry(settings, registry_token(settings), clock=ctx.clock)
    try:
        result = publish(settings, registry, ctx, tag=args.tag, dry_run=args.dry_run)
    finally:
        if observer is not None:
            observer.close()
    if args.json:
        print_json(result.to_json())
    elif not isinstance(result, PublishPlan):
        from release_train.cli import summary
        from release_train.model.pacing import format_duration

        done = (
            f"published {len(result.published)} package(s) of {result.plan.tag} in "
            f"{format_duration(result.elapsed)}; {len(result.plan.present)} were already there"
        )
        summary.report([done])
        print(done)
    return 0
