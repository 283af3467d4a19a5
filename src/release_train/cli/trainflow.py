"""What the train commands (cut, release-latest, release-rc, release-patch, tag) share: the
options, building the `FlowEnv` (settings, the working repository, the forge with CI's reactions
bound), and printing a plan (`--dry-run`) or a report, as text or JSON."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypedDict, TypeVar

from release_train.cli import summary
from release_train.cli.common import (
    add_dry_run,
    add_json,
    add_now,
    add_repo_options,
    print_json,
)
from release_train.errors import ReleaseTrainError
from release_train.flows.env import FlowEnv
from release_train.flows.plan import Plan, Report

P = TypeVar("P", bound=Plan)


def add_flow_options(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_dry_run(parser)
    add_now(parser)
    add_json(parser)
    summary.add_summary(parser)


def add_allow_open_advisories(parser: argparse.ArgumentParser) -> None:
    """The security gate's override, for the commands that propose a release."""
    parser.add_argument(
        "--allow-open-advisories",
        action="store_true",
        help="propose the release even when security issues or advisories are open (recorded in the PR body)",
    )


def add_allow_verify_failures(parser: argparse.ArgumentParser) -> None:
    """The verify gate's override, for the commands that propose."""
    parser.add_argument(
        "--allow-verify-failures",
        action="store_true",
        help="propose even when `release-train verify` finds problems on the branch (recorded in the PR body)",
    )


def add_release_gates(parser: argparse.ArgumentParser, *, patch: str | None = None) -> None:
    """The overrides of the gates a release proposal passes; with `patch` also those of a patch
    release's (notes entry, semver), their help prefixed by `patch` ("" when it always applies)."""
    add_allow_open_advisories(parser)
    add_allow_verify_failures(parser)
    if patch is None:
        return
    parser.add_argument(
        "--allow-empty-notes",
        action="store_true",
        help=f"{patch}propose the release even when the notes have no entry for the new version",
    )
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help=f"{patch}propose the release even when the API check finds a semver break (said in the PR body)",
    )


class GateOverrides(TypedDict):
    """The keyword arguments of the flows' `plan` that override a gate."""

    allow_open_advisories: bool
    allow_verify_failures: bool


class PatchGateOverrides(GateOverrides):
    allow_empty_notes: bool
    allow_breaking: bool


def release_gates(args: argparse.Namespace) -> GateOverrides:
    """The overrides `add_release_gates` added, as given."""
    return GateOverrides(
        allow_open_advisories=args.allow_open_advisories, allow_verify_failures=args.allow_verify_failures
    )


def patch_gates(args: argparse.Namespace) -> PatchGateOverrides:
    """The overrides `add_release_gates(..., patch=...)` added, as given."""
    return PatchGateOverrides(
        **release_gates(args), allow_empty_notes=args.allow_empty_notes, allow_breaking=args.allow_breaking
    )


def plan_and_apply(
    args: argparse.Namespace,
    env: FlowEnv,
    planned: P,
    apply: Callable[[FlowEnv, P], Report],
    *,
    failure: Callable[[P, Report], ReleaseTrainError | None] | None = None,
) -> int:
    """`--dry-run`: print the plan. Otherwise apply it and print what was done; then raise the
    error `failure` finds in the report, if any (the report is shown before the command fails)."""
    summary.plan(planned.describe())
    if args.dry_run:
        if args.json:
            print_json({"dry_run": True, "plan": planned.to_json()})
        else:
            print("\n".join(["dry run: nothing will be changed", *planned.describe()]))
        return 0
    report = apply(env, planned)
    summary.report([planned.summary, *report.lines])
    if args.json:
        print_json({"dry_run": False, "plan": planned.to_json(), "report": report.to_json()})
    else:
        print("\n".join([planned.summary, *report.lines]))
    error = failure(planned, report) if failure is not None else None
    if error is not None:
        raise error
    return 0
