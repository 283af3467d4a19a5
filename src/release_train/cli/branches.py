"""List every release branch: version, release date (the date of its first tag's commit), LTS or
not, the last supported day under `[support]`, and whether it is still supported on --now.

A line whose major is divisible by `lts-every` (default 12) is LTS, supported `lts-months` (24)
months from its release; others `months` (2). A line not released yet is supported.

A train without release branches (`[release] branches = false`) lists main's releases instead,
one line per major.minor series; the newest is supported until the next scheduled release.
"""

from __future__ import annotations

import argparse
from datetime import UTC
from typing import TYPE_CHECKING

from release_train.cli.common import add_json, add_now, add_repo_options, flow_env, print_json

if TYPE_CHECKING:
    from datetime import datetime

    from release_train.flows.env import FlowEnv
    from release_train.flows.lines.release_lines import Line


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_now(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.lines.release_lines import release_lines

    env = flow_env(args)
    now = env.ctx.clock.now().astimezone(UTC)
    if not env.settings.release.branches:
        return _main_releases(args, env.settings.branches.main, env, now)
    lines = release_lines(env, env.settings, now)
    if args.json:
        print_json({"now": now.isoformat(), "branches": [line.to_json() for line in lines]})
        return 0
    if not lines:
        print(f"no release branches on the origin (pattern {env.settings.branches.release!r})")
        return 0
    render_lines(lines, title=f"release branches on {now.date().isoformat()}")
    return 0


def _main_releases(args: argparse.Namespace, main: str, env: FlowEnv, now: datetime) -> int:
    """A train without release branches: main's releases, one line per major.minor series."""
    from release_train.flows.lines.main_lines import next_release_day, releases_on_main

    lines = releases_on_main(env, env.settings, next_release_day(env.settings, now))
    if args.json:
        print_json({"now": now.isoformat(), "branches": [], "releases_on_main": [x.to_json() for x in lines]})
        return 0
    print(f"this train has no release branches ([release] branches = false); its releases on {main}:")
    if lines:
        render_lines(lines, title=f"releases on {main} on {now.date().isoformat()}", first="series")
    else:
        print("none yet")
    return 0


def render_lines(lines: list[Line], *, title: str, first: str = "branch") -> None:
    """The release lines as a rich table (shared with `status`); `first` names the first column."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in (first, "latest tag", "released", "LTS", "supported until", "supported"):
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
