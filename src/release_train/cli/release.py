"""Propose the release PR on the latest release branch (scheduled on the 20th).

Runs every check of `release-train verify` on the branch first and refuses with its messages
(--allow-verify-failures proposes anyway, said in the PR body). Dates the release notes
(RELEASES.md: `Unreleased.` -> `Released YYYY-MM-DD.`; Keep a Changelog: the Unreleased section
becomes `## [V] - YYYY-MM-DD` under a fresh one) and commits "Release <Project> V" with the
release marker on ci/release-V, PR to release-V, listing the packages the tag will publish;
merging it tags vV. When main's notes still have a section for V, the same date goes to main as a
second PR. --dry-run shows every notes change as a diff. A train without release branches
([release] branches = false) refuses and names `release-train release`."""

from __future__ import annotations

import argparse

from release_train.cli.common import flow_env
from release_train.cli.trainflow import add_flow_options, add_release_gates, plan_and_apply, release_gates


def configure(parser: argparse.ArgumentParser) -> None:
    add_flow_options(parser)
    add_release_gates(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.train import release

    env = flow_env(args)
    return plan_and_apply(args, env, release.plan(env, **release_gates(args)), release.apply)
