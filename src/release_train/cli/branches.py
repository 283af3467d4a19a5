"""List every release branch: version, release date (the date of its first tag's commit), LTS or
not, the last supported day under `[support]`, and whether it is still supported on --now.

A line whose major is divisible by `lts-every` (default 12) is LTS, supported `lts-months` (24)
months from its release; others `months` (2). A line not released yet is supported.
"""

from __future__ import annotations

import argparse
from datetime import UTC
from typing import TYPE_CHECKING

from release_train.cli.common import add_json, add_now, add_repo_options, flow_env, print_json

if TYPE_CHECKING:
    from release_train.flows.lines import Line


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_now(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.lines import release_lines

    env = flow_env(args)
    now = env.ctx.clock.now().astimezone(UTC)
    lines = release_lines(env, env.settings, now)
    if args.json:
        print_json({"now": now.isoformat(), "branches": [line.to_json() for line in lines]})
        return 0
    if not lines:
        print(f"no release branches on the origin (pattern {env.settings.branches.release!r})")
        return 0
    render_lines(lines, title=f"release branches on {now.date().isoformat()}")
    return 0


def render_lines(lines: list[Line], *, title: str) -> None:
    """The release lines as a rich table (shared with `status`)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in ("branch", "latest tag", "released", "LTS", "supported until", "supported"):
        table.add_column(column, no_wrap=True)
    for line in lines:
        table.add_row(
            line.branch,
            line.latest_tag or "-",
            line.release_date.isoformat() if line.release_date else "not yet",
            "LTS" if line.lts else "",
            line.supported_until.isoformat() if line.supported_until else "-",
            "yes" if line.supported else "no",
        )
    Console(soft_wrap=True).print(table)
