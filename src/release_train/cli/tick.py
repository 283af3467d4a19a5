"""Do whatever the `[schedule]` says is due now: cut on the 5th, release on the 20th (by default).

Before anything new, a release an earlier run left unfinished (its tag exists, but not all of its
packages are in the registry or its forge release is missing) is finished, and said so.

A scheduled event is due when it fires on today's UTC date at or before now. Each completed slot is
recorded on the forge as refs/release-train/ticks/<event>-<date>, so a second tick the same day
does nothing new and says so. When nothing is due, exits 0 and says when the next event is.
Mark a slot as handled by hand:  git push origin HEAD:refs/release-train/ticks/cut-2026-12-05

A train without release branches ([release] branches = false) has only the release: it proposes
the release PR to main, bumped by [schedule] release-bump (major unless set); a cut that falls
today is reported as nothing to do.
"""

from __future__ import annotations

import argparse

from release_train.cli import summary
from release_train.cli.common import (
    add_dry_run,
    add_json,
    add_now,
    add_repo_options,
    flow_env,
    print_json,
)
from release_train.cli.summary import add_summary


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_now(parser)
    add_dry_run(parser)
    add_json(parser)
    add_summary(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.train import tick

    env = flow_env(args)
    plan = tick.plan(env, with_subplans=args.dry_run)
    summary.plan(plan.describe())
    if args.dry_run:
        if args.json:
            print_json({"dry_run": True, "plan": plan.to_json()})
        else:
            print("\n".join(plan.describe()))
        return 0
    report = tick.apply(env, plan)
    summary.report(report.lines)
    if args.json:
        print_json({"dry_run": False, **report.to_json()})
    else:
        print("\n".join(report.lines))
    return 0
