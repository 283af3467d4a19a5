"""Find every problem a release would hit, before anything is proposed or tagged, without a
registry or a forge: manifests read, the publish set is complete, no dependency cycle; every
first-party requirement is satisfied by its member's version; Cargo.lock lists each member at its
manifest version; what the registry would refuse (description, license or license-file, a readme
that does not exist, a package over 10 MiB); version files agree with the train version; `bump
major` and `bump patch` would succeed; the notes file exists in a shape the flows accept (checked
as on a release branch when the checkout is on one, else as on main).

The package size is estimated from the git-tracked files of each package (their sizes with the
tar overhead; only a package over the limit by that count is compressed in memory), so verify
never packages anything; `publish` measures the real .crate files. cut, release-latest,
release-rc and release-patch run the same checks and refuse with the same messages. Each problem
names file, line and fix; on a terminal a progress bar follows the checks; exits non-zero
when any check fails."""

from __future__ import annotations

import argparse

from release_train.cli.common import add_json, add_repo_options, context_from, print_json, settings_from
from release_train.cli.progress import ProgressObserver
from release_train.errors import WorkspaceError
from release_train.values import replace


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.flows.gates.verify import verify
    from release_train.infra.git import Git

    ctx = context_from(args)
    bar = None if args.json else ProgressObserver(ctx.observer, "verifying", plain=False)
    if bar is not None:
        ctx = replace(ctx, observer=bar)
    try:
        settings = settings_from(args)
        report = verify(settings, ctx, branch=Git(settings.root).current_branch() or "")
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
