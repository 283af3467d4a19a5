"""The train at a glance: the version on main, each release branch with its latest tag and
support window, the open bot PRs, the next cut and release dates, and anything blocking a release:
open security issues, bot PRs held as drafts, and releases left unfinished (a recent or supported
tag whose packages are not all in the registry, or whose forge release is missing), each with the
command that finishes it. A table for people; --json for machines.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from release_train.cli.common import add_json, add_now, add_repo_options, flow_env, print_json

if TYPE_CHECKING:
    from release_train.flows.status import Status


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_now(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.status import gather

    status = gather(flow_env(args))
    if args.json:
        print_json(status.to_json())
    else:
        render(status)
    return 0


def render(status: Status) -> None:
    from rich.console import Console
    from rich.table import Table

    from release_train.cli.branches import render_lines

    console = Console(soft_wrap=True)
    day = status.now.strftime("%Y-%m-%d %H:%M UTC")
    console.print(f"[bold]{status.main}[/bold] is at {status.main_version or 'an unknown version'}  ({day})")
    for problem in status.problems:
        console.print(f"[yellow]warning:[/yellow] {problem}")
    if status.lines:
        render_lines(list(status.lines), title="release branches")
    else:
        console.print("no release branches yet")
    if status.bot_prs:
        prs = Table(title="open bot PRs", title_justify="left")
        for column in ("PR", "head", "base", "title", "state"):
            prs.add_column(column, no_wrap=column != "title")
        for pr in status.bot_prs:
            prs.add_row(f"#{pr.number}", pr.head, pr.base, pr.title, "draft" if pr.draft else "open")
        console.print(prs)
    else:
        console.print("no open bot PRs")
    for slot in status.upcoming:
        console.print(f"next {slot.event}: {slot.at.strftime('%Y-%m-%d %H:%M UTC')}")
    if status.blockers:
        console.print("[bold red]blocking:[/bold red]")
        for blocker in status.blockers:
            console.print(
                f"  - {blocker.text}" + (f" ({blocker.url})" if blocker.url else ""), highlight=False
            )
    else:
        console.print("nothing blocking")
