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

from release_train.cli.common import (
    TextObserver,
    add_dry_run,
    add_json,
    add_repo_options,
    context_from,
    forge_from,
    print_json,
    registry_factory,
    settings_from,
    summarized,
)
from release_train.cli.progress import ProgressObserver
from release_train.cli.summary import add_summary
from release_train.values import replace


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tag", metavar="TAG", help="the tag to publish (default: the tag of the workspace version)"
    )
    add_dry_run(parser)
    add_json(parser)
    add_repo_options(parser)
    add_summary(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.publish.apply import publish
    from release_train.flows.publish.finish import finish
    from release_train.flows.publish.survey import resolve_tag
    from release_train.infra.git import Git

    settings = settings_from(args)
    ctx = context_from(args)
    observer = None if args.json else ProgressObserver(TextObserver(show_steps=True), "publishing")
    if observer is not None:
        ctx = replace(ctx, observer=summarized(observer))
    registry = registry_factory(settings, ctx.clock)()
    # The forge release ends the publish: a forge that cannot be opened stops us before any upload.
    forge = forge_from(settings, ctx)
    git = Git(settings.root)
    tag, _ = resolve_tag(settings, git, args.tag)
    try:
        if args.dry_run:
            plan = publish(settings, registry, ctx, [tag], git=git, dry_run=True)
            ctx.emit("plan", f"then create or update the forge release of {tag}")
        else:
            finished = finish(settings, forge, registry, ctx, tag, git=git)
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
    from release_train.cli import summary
    from release_train.model.pacing import format_duration

    report, release = finished.report, finished.release
    done = (
        f"published {len(report.published)} package(s) of {finished.tag} in "
        f"{format_duration(report.elapsed)}; {len(report.plan.present)} were already there"
    )
    released = f"forge release {release.name or release.tag}" + (f": {release.url}" if release.url else "")
    summary.report([done, released])
    print(done)
    print(released)
    return 0
