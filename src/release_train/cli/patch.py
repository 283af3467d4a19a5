"""Propose a patch release on a release branch.

Refuses unless --branch names a release branch whose notes have an entry for the new version
(RELEASES.md: a `## V.p+1` section; Keep a Changelog: under Unreleased) and `release-train verify`
passes on it (--allow-verify-failures proposes anyway, said in the PR body).
Bumps the patch version, dates its notes, and commits "Release <Project> V.p+1" with the release
marker on ci/bump-to-V.p+1, PR to that branch naming who asked; merging it tags the release.
A train without release branches ([release] branches = false) refuses: its patch releases are
`release-train release patch`."""

from __future__ import annotations

import argparse
import os

from release_train.cli.common import flow_env
from release_train.cli.trainflow import add_flow_options, add_release_gates, patch_gates, plan_and_apply
from release_train.infra.git import Git


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--branch",
        required=True,
        metavar="BRANCH",
        help="the release branch, e.g. release-2.0.0; `supported` (or a comma list) opens one PR per line",
    )
    parser.add_argument(
        "--requested-by",
        metavar="NAME",
        help="who asked for the release, named in the PR (default: your git user.name)",
    )
    add_flow_options(parser)
    add_release_gates(parser, patch="")


def _requester(git: Git) -> str:
    name = git.run("config", "user.name", check=False).strip()
    return name or os.environ.get("GITHUB_ACTOR") or os.environ.get("USER") or ""


def run(args: argparse.Namespace) -> int:
    from release_train.flows.lines import patch

    env = flow_env(args)
    who = args.requested_by or _requester(env.git)
    gates = patch_gates(args)
    if args.branch == "supported" or "," in args.branch:
        from release_train.flows.lines import patch_lines

        lines = patch_lines.plan(env, [args.branch], requested_by=who, **gates)
        return plan_and_apply(args, env, lines, patch_lines.apply)
    planned = patch.plan(env, branch=args.branch, requested_by=who, **gates)
    return plan_and_apply(args, env, planned, patch.apply)
