"""Check the workspace without touching a registry: manifests read, the publish set is complete,
no dependency cycle, requirement styles (caret on public, `=` pin on internal), version files agree
with the train version, and `bump major` and `bump patch` would succeed (computed in memory).
On a terminal a progress bar follows the checks. Exits non-zero when any check fails."""

from __future__ import annotations

import argparse

from release_train.cli.common import add_json, add_repo_options, context_from, print_json, settings_from
from release_train.cli.progress import ProgressObserver
from release_train.errors import WorkspaceError


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.verify import verify

    ctx = context_from(args)
    bar = None if args.json else ProgressObserver(ctx.observer, "verifying", plain=False)
    if bar is not None:
        ctx.observer = bar
    try:
        report = verify(settings_from(args), ctx)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "checks": [{"name": c.name, "ok": c.ok, "problems": list(c.problems)} for c in report.checks],
            }
        )
    else:
        for check in report.checks:
            print(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}")
            for problem in check.problems:
                print("      " + problem.replace("\n", "\n      "))
        print("all checks passed" if report.ok else "verify failed")
    return 0 if report.ok else WorkspaceError.exit_code
