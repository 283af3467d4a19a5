"""Write a release-train.toml derived from the Cargo workspace here (project name, development
branch, where the train's version comes from, the notes file, a guess of the public packages, the
forge) and, when the repository has no RELEASES.md or CHANGELOG.md, a RELEASES.md from the
bundled template; and with --github the GitHub
Actions workflows under .github/workflows/: the release process (cron on the cut and release days,
or by hand with an `action` choice), the tag job (after CI succeeds on main and release branches),
and publish (on v* tags, crates.io trusted publishing, then the forge release).

Refuses to overwrite an existing file unless --force. Review the result: the public list is a
guess from the requirement styles (exact pins mark internal packages)."""

from __future__ import annotations

import argparse
from pathlib import Path

from release_train.cli.common import add_dry_run, add_json, print_json


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-C", "--repo", type=Path, default=Path(), metavar="DIR", help="the repository root (default: .)"
    )
    parser.add_argument("--github", action="store_true", help="also write the GitHub Actions workflows")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    parser.add_argument(
        "--ci-workflow",
        default="CI",
        metavar="NAME",
        help="the `name:` of your CI workflow, after which the tag job runs (default: CI)",
    )
    add_dry_run(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from release_train.flows import init

    planned = init.plan(args.repo, github=args.github, ci_workflow=args.ci_workflow)
    written: list[str] = []
    if not args.dry_run:
        written = [str(p.relative_to(planned.root)) for p in init.apply(planned, force=args.force)]
    if args.json:
        print_json(
            {
                "dry_run": args.dry_run,
                "derived": asdict(planned.derived),
                "files": [path for path, _ in planned.files],
                "written": written,
            }
        )
        return 0
    lines = planned.describe()
    if args.dry_run:
        lines = ["dry run: nothing will be written", *lines]
        for path, text in planned.files:
            lines += ["", f"--- {path}", text.rstrip()]
    else:
        lines.append(
            "next: review the public list, commit, then run `release-train verify` and `release-train doctor`"
        )
    print("\n".join(lines))
    return 0
