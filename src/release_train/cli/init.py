"""Write a release-train.toml derived from the Cargo workspace here (project name, development
branch, where the train's version comes from, the notes file, a guess of the public packages, the
forge) and, when the repository has no RELEASES.md or CHANGELOG.md, a RELEASES.md from the
bundled template; and with --github the GitHub
Actions workflows under .github/workflows/: the release process (cron on the cut and release days,
or by hand with an `action` choice), the tag job (after CI succeeds on main and release branches,
and again for releases held on pending checks), and publish (on v* tags, crates.io trusted
publishing, then the forge release).

The workflows install exactly this version of release-train (or --install REQUIREMENT), pin every action
to a commit, keep no credentials in their checkouts and grant each job only what it needs. init
reads the workflows already in .github/workflows/: it names the CI the tag job waits for (those
run on push or pull_request that run tests, preferring those that run for pushes to the main and
release branches; --ci-workflow overrides) and says why, and warns about workflows that already
publish or release on their own.

Refuses to overwrite an existing file unless --force. Review the result: the public list is a
guess from the requirement styles (exact pins mark internal packages)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_train.cli.common import add_dry_run, add_json, print_json

if TYPE_CHECKING:
    from release_train.flows.setup.init_workflows import WorkflowPlan


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-C", "--repo", type=Path, default=Path(), metavar="DIR", help="the repository root (default: .)"
    )
    parser.add_argument("--github", action="store_true", help="also write the GitHub Actions workflows")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    parser.add_argument(
        "--ci-workflow",
        action="append",
        default=[],
        metavar="NAME",
        help="the `name:` of a CI workflow after which the tag job runs (repeatable; "
        "default: found in .github/workflows)",
    )
    parser.add_argument(
        "--install",
        metavar="REQUIREMENT",
        help="what the workflows pip install, e.g. git+https://github.com/OWNER/release-train@COMMIT "
        "(kept as [github] install; default: release-train==this version)",
    )
    add_dry_run(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from release_train.flows.setup import init

    planned = init.plan(args.repo, github=args.github, ci_workflows=args.ci_workflow, install=args.install)
    written: list[str] = []
    if not args.dry_run:
        written = [str(p.relative_to(planned.root)) for p in init.apply(planned, force=args.force)]
    if args.json:
        print_json(
            {
                "dry_run": args.dry_run,
                "derived": asdict(planned.derived),
                "workflows": _workflows_json(planned.workflows),
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


def _workflows_json(workflows: WorkflowPlan | None) -> dict[str, Any] | None:
    """What init chose for the workflows (their text is in `files`)."""
    from dataclasses import asdict

    if workflows is None:
        return None
    return {
        "install": workflows.install,
        "ci": asdict(workflows.ci),
        "release_warnings": list(workflows.release_warnings),
    }
