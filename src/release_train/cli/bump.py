"""Bump every version of the workspace: `major`, `patch`, `rc` or `drop-rc`.

Rewrites the packages' own versions, every first-party requirement, the [[version-file]]s and
Cargo.lock, keeping every other byte. Prints `old -> new` per version line. With --dry-run it
prints the same and writes nothing.
"""

from __future__ import annotations

import argparse

from release_train.cli.common import add_dry_run, add_json, add_repo_options, print_json, settings_from


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "operation", choices=["major", "patch", "rc", "drop-rc"], help="the version operation"
    )
    add_repo_options(parser)
    add_dry_run(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    import gc

    # A bump is a short process that builds a large acyclic tree of small objects (every parsed
    # manifest); the cycle collector's repeated passes over it free nothing and cost a tenth of a
    # large bump (bench/bump.py). Switched back on after, for callers that live on (tests).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    from release_train.flows.bump import apply_bump, plan_bump

    settings = settings_from(args)
    plan = plan_bump(settings, args.operation)
    if not args.dry_run:
        apply_bump(plan)
    if args.json:
        files = [
            str(p.relative_to(plan.root)) if p.is_relative_to(plan.root) else str(p)
            for p in plan.changed_paths()
        ]
        print_json(
            {
                "operation": plan.operation.value,
                "dry_run": bool(args.dry_run),
                "old_version": str(plan.old_version),
                "new_version": str(plan.new_version),
                "lines": [{"line": label, "old": old, "new": new} for label, old, new in plan.lines],
                "files": files,
            }
        )
        return 0
    width = max((len(label) for label, _, _ in plan.lines), default=0)
    for label, old, new in plan.lines:
        print(f"{label.ljust(width)}  {old} -> {new}")
    verb = "would change" if args.dry_run else "changed"
    count = len(plan.files)
    print(f"{verb} {count} file{'s' if count != 1 else ''}" + (" (dry run)" if args.dry_run else ""))
    return 0
