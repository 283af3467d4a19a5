"""Tag the newest marker commit of a pushed range, when it is safe (CI runs this on every push);
with --held, re-examine every held release instead (CI runs this when checks complete).

Only a commit whose message has the release marker on a line of its own counts; its version must
be new against its first parent's release history; an identical existing tag is success, a tag on
another commit is an error; with checks pending or failing the tag is held.

--held: every marker commit on main or a release branch whose version has no tag yet is looked at
again: tagged once its checks pass; when they failed, the newest later commit of the same branch
that keeps the version and passes is tagged instead (`[release] tag-fix = false` turns that off);
otherwise it stays held, and the checks it waits on are named."""

from __future__ import annotations

import argparse

from release_train.cli.common import flow_env
from release_train.cli.trainflow import add_flow_options, plan_and_apply
from release_train.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--range", metavar="BEFORE..AFTER", help="the pushed range")
    parser.add_argument("--ref", metavar="REF", help="the pushed ref, e.g. refs/heads/main")
    parser.add_argument(
        "--held",
        action="store_true",
        help="re-examine every held release (marker commits whose version has no tag) and tag those now green",
    )
    add_flow_options(parser)


def run(args: argparse.Namespace) -> int:
    if args.held:
        if args.range or args.ref:
            raise UsageError("--held looks at every train branch: give it without --range and --ref")
        from release_train.flows.train import held

        env = flow_env(args)
        return plan_and_apply(args, env, held.plan(env), held.apply)
    if not args.range or not args.ref:
        raise UsageError("tag needs --range BEFORE..AFTER and --ref REF (or --held)")
    from release_train.flows.train import tag

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
