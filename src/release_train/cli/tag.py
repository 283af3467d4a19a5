"""Tag the newest marker commit of a pushed range, when it is safe (CI runs this on every push).

Only a commit whose message has the release marker on a line of its own counts; its version must
be new against its first parent's release history; an identical existing tag is success, a tag on
another commit is an error; with checks pending or failing the tag is held."""

from __future__ import annotations

import argparse

from release_train.cli.common import flow_env
from release_train.cli.trainflow import add_flow_options, plan_and_apply
from release_train.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--range", required=True, metavar="BEFORE..AFTER", help="the pushed range")
    parser.add_argument("--ref", required=True, metavar="REF", help="the pushed ref, e.g. refs/heads/main")
    add_flow_options(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows import tag

    before, sep, after = args.range.partition("..")
    if not sep or not after:
        raise UsageError(f"--range {args.range!r}: expected BEFORE..AFTER (two commits)")
    env = flow_env(args)
    for name, rev in (("BEFORE", before), ("AFTER", after)):
        if rev.strip("0") and env.git.rev_parse(rev) is None:
            env.git.fetch("origin")
            if env.git.rev_parse(rev) is None:
                raise UsageError(f"--range: {name} {rev!r} is not a commit of this repository")
    before_sha = env.git.rev_parse(before) if before.strip("0") else before
    after_sha = env.git.rev_parse(after) or after
    planned = tag.plan(env, before=before_sha or before, after=after_sha, ref=args.ref)
    return plan_and_apply(args, env, planned, tag.apply)
