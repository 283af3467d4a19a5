"""The embedded local forge: a bare git repository acting as `origin`, plus its store beside it.

  release-train forge init PATH [--from REPO]     create the forge (PATH and PATH.forge.sqlite3)
  release-train forge checks SHA [STATE]          show or set a commit's check state
  release-train forge advisory add|close|list     open or close security issues (they block releases)
  release-train forge events                      the push-event log (what CI would have seen)

Every command but `init` finds the forge from `[forge] path` (relative to the repository root).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from release_train.cli.common import (
    add_json,
    add_repo_options,
    context_from,
    forge_from,
    print_json,
    settings_from,
)
from release_train.errors import UsageError
from release_train.forges.interface import ForgeRecords, records_of
from release_train.forges.local import LocalForge


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = sub.add_parser("init", help="create a local forge at PATH (a bare repository and its store)")
    init.add_argument(
        "path", type=Path, metavar="PATH", help="the bare repository to create, e.g. ../origin.git"
    )
    init.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="REPO",
        help="also point REPO's origin at the forge and push its branches and tags",
    )

    checks = sub.add_parser("checks", help="show or set the check state of a commit")
    checks.add_argument("sha", metavar="SHA")
    checks.add_argument("state", nargs="?", choices=["success", "failure", "pending"])
    checks.add_argument("--context", default="ci", help="name of the check (default: ci)")
    add_repo_options(checks)

    advisory = sub.add_parser("advisory", help="open, close or list security issues")
    adv = advisory.add_subparsers(dest="advisory_action", required=True, metavar="ACTION")
    add = adv.add_parser("add", help="open (or reopen) a security issue")
    add.add_argument("--id", required=True, dest="issue_id")
    add.add_argument("--title", required=True)
    add.add_argument("--package", action="append", default=[], dest="packages", help="repeatable")
    add.add_argument("--url", default="")
    add.add_argument("--source", default="advisory", help="issue, advisory or advisory-db")
    close = adv.add_parser("close", help="close a security issue")
    close.add_argument("issue_id", metavar="ID")
    listing = adv.add_parser("list", help="list the open security issues")
    add_json(listing)
    for p in (add, close, listing):
        add_repo_options(p)

    events = sub.add_parser("events", help="print the push-event log")
    add_json(events)
    add_repo_options(events)


def run(args: argparse.Namespace) -> int:
    if args.action == "init":
        return _init(args.path, args.source)
    forge = _local_forge(args)
    if args.action == "checks":
        return _checks(forge, args)
    if args.action == "advisory":
        return _advisory(forge, args)
    return _events(forge, args)


def _local_forge(args: argparse.Namespace) -> ForgeRecords:
    forge = forge_from(settings_from(args), context_from(args))
    return records_of(forge, needed_by=f"`release-train forge {args.action}`")


def _init(path: Path, source: Path | None) -> int:
    forge = LocalForge.init(path)
    print(f"local forge at {forge.remote_url}")
    print(f"  store: {forge.store_file}")
    if source is not None:
        from release_train.infra.git import Git

        repo = Git(source.resolve())
        if repo.ok("remote", "get-url", "origin"):
            repo.run("remote", "set-url", "origin", forge.remote_url)
        else:
            repo.run("remote", "add", "origin", forge.remote_url)
        events = forge.push(repo.path, ["refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*"])
        print(f"  {repo.path}: origin -> the forge; pushed {len(events)} refs")
    print(f'configure it with:\n  [forge]\n  kind = "local"\n  path = "{path}"')
    return 0


def _checks(forge: ForgeRecords, args: argparse.Namespace) -> int:
    if args.state is not None:
        forge.set_check(args.sha, args.state, context=args.context)
    print(forge.check_state(args.sha))
    return 0


def _advisory(forge: ForgeRecords, args: argparse.Namespace) -> int:
    from release_train.forges.interface import SecurityIssue

    action = args.advisory_action
    if action == "add":
        forge.add_security_issue(
            SecurityIssue(args.issue_id, args.title, args.url, args.source, tuple(args.packages))
        )
        print(f"opened {args.issue_id}: {args.title}")
    elif action == "close":
        closed = forge.close_security_issue(args.issue_id)
        print(f"closed {args.issue_id}" if closed else f"{args.issue_id} was already closed")
    elif action == "list":
        issues = forge.open_security_issues()
        if args.json:
            from dataclasses import asdict

            print_json([asdict(issue) for issue in issues])
        for issue in [] if args.json else issues:
            packages = f" ({', '.join(issue.packages)})" if issue.packages else ""
            print(f"{issue.id}  {issue.title}{packages}")
    else:  # argparse guarantees one of the above
        raise UsageError(f"unknown advisory action {action!r}")
    return 0


def _events(forge: ForgeRecords, args: argparse.Namespace) -> int:
    rows = forge.events()
    if args.json:
        print_json(
            [
                {"ref": e.ref, "before": e.before, "after": e.after, "source": source, "time": at}
                for e, source, at in rows
            ]
        )
        return 0
    for event, source, at in rows:
        print(f"{at}  {source:<6} {event.ref}  {event.before[:12]}..{event.after[:12]}")
    return 0
