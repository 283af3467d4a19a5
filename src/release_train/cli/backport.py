"""Cherry-pick a commit or a merged PR onto release branches, one PR per branch.

REF is a commit sha, or a merged PR number (12, #12 or pr12). Each target gets the change
cherry-picked with -x on ci/backport-<id>-to-<branch> and a PR titled "[<line>] <title>" that
links the original. A branch that has the change already (same patch id) is skipped and said.
A conflict opens a DRAFT PR carrying the conflict markers (or, with --no-conflict-pr, none) and
the command exits non-zero naming the files and how to resolve them; other targets still proceed.

  release-train backport 42 --to supported
  release-train backport 1a2b3c4d5e --to release-12.0.0 --to release-13.0.0 --dry-run
"""

from __future__ import annotations

import argparse

from release_train.cli.common import flow_env
from release_train.cli.trainflow import add_flow_options, plan_and_apply


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ref", metavar="COMMIT|PR", help="a commit sha, or a merged PR number (12, #12, pr12)"
    )
    parser.add_argument(
        "--to",
        action="append",
        required=True,
        metavar="BRANCH",
        help="a release branch (repeatable, or comma-separated), or `supported` for every supported line",
    )
    parser.add_argument(
        "--no-conflict-pr",
        dest="conflict_pr",
        action="store_false",
        help="on a conflict, open no draft PR (still exits non-zero with the files in conflict)",
    )
    add_flow_options(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.lines import backport

    env = flow_env(args)
    planned = backport.plan(env, args.ref, args.to, conflict_pr=args.conflict_pr)
    return plan_and_apply(args, env, planned, backport.apply, failure=backport.conflict_error)
