"""Bump every version of the workspace by one operation:

  major    Cargo's breaking bump: X.y.z -> (X+1).0.0, 0.Y.z -> 0.(Y+1).0, 0.0.Z -> 0.0.(Z+1);
           packages named by a [[workspace.rule]] move as their rule says (minor, patch, none)
  minor    X.Y.z -> X.(Y+1).0
  patch    X.Y.Z -> X.Y.(Z+1), a pre-release suffix kept
  rc       X.Y.Z-dev or X.Y.Z -> X.Y.Z-rc.1; -rc.N -> -rc.(N+1)
  drop-rc  X.Y.Z-rc.N -> X.Y.Z
With [release] rc = true, major and minor give X.Y.Z-dev. Packages with publish = false keep a
version they write themselves; those that inherit the workspace version follow it.

Rewrites the packages' own versions, every first-party requirement on a package whose version
changes (an exact one like "1.2.3" or "=1.2.3" follows it; a range like "*" or ">=1, <3" stays
as written when the new version satisfies it), the [[version-file]]s and Cargo.lock, keeping
every other byte. Prints `old -> new` per version line. With --dry-run it prints the same and
writes nothing.

A Python workspace ([[workspace]] kind = "python") is rewritten the same way in PEP 440's
spelling (2.0.0rc1, 2.1.0.dev0): pyproject.toml versions and requirements ("pkg==1.2.3" and
"pkg>=1.2.3,<2" follow their member), __version__ files, and the members' entries of uv.lock.
"""

from __future__ import annotations

import argparse

from release_train.cli.common import add_dry_run, add_json, add_repo_options, print_json, settings_from
from release_train.model.version import Operation


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("operation", choices=[op.value for op in Operation], help="the version operation")
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
    from release_train.flows.train.bump import apply_bump, plan_bump

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
