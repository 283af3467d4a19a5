"""Propose a release on main, for a train without release branches (`[release] branches = false`,
the shape of bytecodealliance/wasm-tools): one PR to main that bumps every package (major, minor
or patch; default: `[schedule] release-bump`, major unless set; `[[workspace.rule]]` tables apply),
dates the release notes and commits "Release <Project> V" with the release marker on
ci/release-V. Merging it tags vV on main, which publishes the packages and creates the release.

Runs every check of `release-train verify` on main first and refuses with its messages
(--allow-verify-failures proposes anyway, said in the PR body), then the security gate; a patch
release also needs an entry in the notes (--allow-empty-notes) and no semver break of a public
package against the previous release (--allow-breaking). Refuses while another release PR is
open; when main is where the last release was tagged, says there is nothing to release. --dry-run
shows each version line old -> new and the notes change as a diff."""

from __future__ import annotations

import argparse

from release_train.cli.common import flow_env
from release_train.cli.trainflow import add_flow_options, add_release_gates, patch_gates, plan_and_apply


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "operation",
        nargs="?",
        choices=["major", "minor", "patch"],
        help="the bump (default: [schedule] release-bump, major unless set)",
    )
    parser.add_argument(
        "--requested-by", metavar="NAME", help="who asked for the release, named in the PR (optional)"
    )
    add_flow_options(parser)
    add_release_gates(parser, patch="patch: ")


def run(args: argparse.Namespace) -> int:
    from release_train.flows.train import mainline

    env = flow_env(args)
    gates = mainline.Gates(**patch_gates(args))
    operation = args.operation or mainline.scheduled_operation(env.settings)
    planned = mainline.plan(env, operation, gates=gates, requested_by=args.requested_by or "")
    return plan_and_apply(args, env, planned, mainline.apply)
