"""The train at a glance: the version on main, each release branch with its latest tag and
support window (a train without release branches: main's releases, one line per major.minor
series, the newest supported until the next release), the open bot PRs, the next cut and release
dates, and anything blocking a release: open security issues, bot PRs held as drafts, held
releases, and releases left unfinished (a recent or supported tag whose packages are not all in the
registry, or whose forge release is missing), each with the command that finishes it; and where
each recent tag of a supported line stands (packages in the registry, forge release). A table for
people; --json for machines; --html DIR writes the same facts as a self-contained page
(DIR/index.html) with the release lines drawn as a timeline; --svg FILE writes only the timeline
(for a README).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.cli.common import add_json, add_now, add_repo_options, flow_env, print_json

if TYPE_CHECKING:
    from release_train.flows.train.status import Status


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_now(parser)
    add_json(parser)
    parser.add_argument(
        "--html", type=Path, metavar="DIR", help="also write the dashboard page to DIR/index.html"
    )
    parser.add_argument("--svg", type=Path, metavar="FILE", help="also write the timeline to FILE (SVG)")


def run(args: argparse.Namespace) -> int:
    from release_train.flows.train.status import gather

    env = flow_env(args)
    status = gather(env)
    if args.json:
        print_json(status.to_json())
    else:
        render(status)
    write_pictures(status, env.settings.project_name, html_dir=args.html, svg_file=args.svg)
    return 0


def write_pictures(status: Status, project: str, *, html_dir: Path | None, svg_file: Path | None) -> None:
    """Write the page and the timeline the options ask for, each atomically."""
    if html_dir is None and svg_file is None:
        return
    from release_train import __version__
    from release_train.infra.fs import atomic_write
    from release_train.render.page import dashboard_html
    from release_train.render.timeline import timeline_svg

    files: list[tuple[Path, str]] = []
    if html_dir is not None:
        html_dir.mkdir(parents=True, exist_ok=True)
        page = dashboard_html(status, project=project, generator=f"release-train {__version__}")
        files.append((html_dir / "index.html", page))
    if svg_file is not None:
        files.append((svg_file, timeline_svg(status, project=project)))
    for path, text in files:
        path.touch()  # a new file gets the usual mode (umask), which the atomic write keeps
        atomic_write(path, text.encode())
        print(f"wrote {path}", file=sys.stderr)


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
        render_lines(
            list(status.lines),
            title="release branches" if status.branches else status.lines_noun,
            first="branch" if status.branches else "series",
        )
    else:
        console.print("no release branches yet" if status.branches else f"no {status.lines_noun} yet")
    if status.bot_prs:
        prs = Table(title="open bot PRs", title_justify="left")
        for column in ("PR", "head", "base", "title", "state"):
            prs.add_column(column, no_wrap=column != "title")
        for pr in status.bot_prs:
            prs.add_row(f"#{pr.number}", pr.head, pr.base, pr.title, "draft" if pr.draft else "open")
        console.print(prs)
    else:
        console.print("no open bot PRs")
    _render_tags(status)
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


def _render_tags(status: Status) -> None:
    """The recent tags of the supported lines: packages in the registry, forge release."""
    from rich.console import Console
    from rich.table import Table

    checked = [t for t in status.tags if t.checked]
    if not checked:
        return
    table = Table(title="recent tags", title_justify="left")
    for column in ("tag", "line", "date", "published", "forge release", "missing"):
        table.add_column(column, no_wrap=column != "missing")
    for t in checked:
        published = f"unknown ({t.unknown})" if t.unknown else f"{len(t.published)}/{len(t.packages)}"
        release = "present" if t.forge_release else "missing"
        table.add_row(t.tag, t.branch, str(t.date or ""), published, release, ", ".join(t.missing) or "-")
    Console(soft_wrap=True).print(table)
