"""Cut release-V from main and propose the major bump on main (scheduled on the 5th).

Runs every check of `release-train verify` on main first and refuses with its messages
(--allow-verify-failures proposes anyway, said in the PR body). Pushes main as release-V, commits
"Bump <Project> to V'" with the reset release notes on ci/bump-to-V' and opens its PR to main,
listing each version line old -> new (rc train: also the first release candidate's PR to
release-V). The notes reset keeps every line it does not own (RELEASES.md: the top section moves
to the branch; Keep a Changelog: Unreleased becomes `## [V] - Unreleased` under a fresh one);
--dry-run shows it as a diff. Running it again does only what is missing.

A train without release branches ([release] branches = false) cuts none: cut refuses (exit 6)
and names `release-train release`."""

from __future__ import annotations

import argparse

from release_train.cli.common import flow_env
from release_train.cli.trainflow import add_flow_options, add_release_gates, plan_and_apply, release_gates


def configure(parser: argparse.ArgumentParser) -> None:
    add_flow_options(parser)
    add_release_gates(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.train import cut

    env = flow_env(args)
    return plan_and_apply(args, env, cut.plan(env, **release_gates(args)), cut.apply)
