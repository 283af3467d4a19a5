"""Prepare, inspect and ship a security release across the supported release lines (a train
without release branches, [release] branches = false: the next patch release of main, its one
line; --to names main or supported).

release-train security prepare --advisory ID [--to supported | --to BRANCH...]
    open the patch-release PRs of every target line at once, as drafts (held until the fix is
    merged), and say which lines' notes name the advisory yet
release-train security status --advisory ID [--json]
    per line: fix merged (the notes on the branch name the advisory), notes (the PR carries
    them), PR ready (not a draft), checks, and whether the line is ready
release-train security release --advisory ID
    refuse unless every line is ready (listing why); else mark the PRs ready and, on the local
    forge, merge them, oldest line first, so that every line is tagged; then publish all the
    new tags in ONE paced run (shared rate limits, one schedule, one ETA, a journal per tag:
    run it again to resume) and make the forge releases oldest first ("latest" stays on the
    newest line)
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from release_train.cli.common import flow_env, print_json
from release_train.cli.trainflow import add_flow_options, plan_and_apply

if TYPE_CHECKING:
    from release_train.flows.security import LineStatus


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    prepare = sub.add_parser("prepare", help="open the held patch PRs on every target line")
    prepare.add_argument(
        "--to",
        action="append",
        default=None,
        metavar="BRANCH",
        help="a release branch (repeatable), or `supported` (the default)",
    )
    prepare.add_argument("--requested-by", metavar="NAME", help="who asked, named in the PRs")
    status = sub.add_parser("status", help="per line: fix merged, notes, PR ready, checks")
    release = sub.add_parser("release", help="mark the PRs ready and merge them together")
    for command in (prepare, release):
        command.add_argument(
            "--allow-breaking", action="store_true", help="release even when the API check finds a break"
        )
    for command in (prepare, status, release):
        command.add_argument("--advisory", required=True, metavar="ID", help="e.g. RUSTSEC-2026-0042")
        add_flow_options(command)


def run(args: argparse.Namespace) -> int:
    from release_train.flows import security

    env = flow_env(args)
    if args.action == "prepare":
        who = args.requested_by or env.git.run("config", "user.name", check=False).strip()
        planned = security.prepare(
            env, args.advisory, args.to or ["supported"], requested_by=who, allow_breaking=args.allow_breaking
        )
        return plan_and_apply(args, env, planned, security.apply_prepare)
    if args.action == "release":
        registry = env.open_registry  # the CLI's: opened (token included) once every line is ready
        released = security.release_plan(
            env, args.advisory, allow_breaking=args.allow_breaking, registry=registry
        )
        return plan_and_apply(
            args, env, released, lambda e, p: security.release_apply(e, p, registry=registry)
        )
    lines = security.status(env, args.advisory)
    if args.json:
        print_json(
            {
                "advisory": args.advisory,
                "ready": bool(lines) and all(line.ready for line in lines),
                "lines": [line.to_json() for line in lines],
            }
        )
        return 0
    print("\n".join(_table(args.advisory, lines)))
    return 0


def _table(advisory: str, lines: tuple[LineStatus, ...]) -> list[str]:
    if not lines:
        return [f"no PR carries {advisory}: run `release-train security prepare --advisory {advisory}`"]
    rows = [("line", "PR", "fix merged", "notes", "PR ready", "checks", "ready")]
    problems: list[str] = []
    for line in lines:
        data = line.to_json()
        rows.append(
            (
                line.branch,
                f"#{line.pr} {line.state}",
                _yes(line.fix_merged),
                _yes(line.notes),
                _yes(data["pr_ready"]),
                line.checks or "-",
                _yes(line.ready),
            )
        )
        problems += [f"  {line.branch}: {problem}" for problem in line.problems]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = [f"security release {advisory}:"]
    out += [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    ready = all(line.ready for line in lines)
    out.append("every line is ready: `security release` can go" if ready else "not ready:")
    return out + problems


def _yes(value: object) -> str:
    return "yes" if value else "no"
