"""Propose the next release candidate on the latest release branch (rc train only).

Bumps V-rc.N to V-rc.N+1 and commits "Release <Project> V-rc.N+1" with the release marker on
ci/bump-to-V-rc.N+1, PR to the release branch; merging it tags the candidate. Refuses when
`release-train verify` finds problems on the branch (--allow-verify-failures: propose anyway)."""

from __future__ import annotations

import argparse

from release_train.cli.common import flow_env
from release_train.cli.trainflow import add_allow_verify_failures, add_flow_options, plan_and_apply


def configure(parser: argparse.ArgumentParser) -> None:
    add_flow_options(parser)
    add_allow_verify_failures(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.train import release

    env = flow_env(args)
    return plan_and_apply(
        args, env, release.plan_rc(env, allow_verify_failures=args.allow_verify_failures), release.apply
    )
