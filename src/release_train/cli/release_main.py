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
from release_train.cli.trainflow import (
    add_allow_open_advisories,
    add_allow_verify_failures,
    add_flow_options,
    plan_and_apply,
)


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
    add_allow_open_advisories(parser)
    add_allow_verify_failures(parser)
    parser.add_argument(
        "--allow-empty-notes",
        action="store_true",
        help="patch: propose the release even when the notes have no entry for it",
    )
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="patch: propose the release even when the API check finds a semver break (said in the PR body)",
    )


def run(args: argparse.Namespace) -> int:
    from release_train.flows.train import mainline

    env = flow_env(args)
    gates = mainline.Gates(
        allow_open_advisories=args.allow_open_advisories,
        allow_verify_failures=args.allow_verify_failures,
        allow_empty_notes=args.allow_empty_notes,
        allow_breaking=args.allow_breaking,
    )
    operation = args.operation or mainline.scheduled_operation(env.settings)
    planned = mainline.plan(env, operation, gates=gates, requested_by=args.requested_by or "")
    return plan_and_apply(args, env, planned, mainline.apply)
