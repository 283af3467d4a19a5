"""Check what a release day needs and say how to fix each miss: the workspace loads, every check
of `release-train verify` (requirements, lock file, what the registry would refuse, version files,
bumps, the notes file), the forge answers, the GitHub token (which variable, its kind, and that the
default GITHUB_TOKEN will not trigger the tag workflows), main and the release branches exist,
whether a release PR merged in GitHub's web UI keeps its marker under the repository's merge
settings, and for each workspace's registry: every publishable package is on it or reported as new,
and a registry token (each registry's variable) or trusted publishing is configured.

Each check prints ok, warn or fail with a fix line; exits 1 when any check fails."""

from __future__ import annotations

import argparse
import os
from datetime import UTC

from release_train.cli.common import (
    add_json,
    add_repo_options,
    context_from,
    forge_from,
    print_json,
    registry_factory,
    settings_from,
)


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.config import Settings
    from release_train.flows.setup import doctor
    from release_train.forges.interface import Forge
    from release_train.infra.git import Git
    from release_train.registries.interface import Registry

    settings = settings_from(args)
    registries = [settings.for_entry(entry).registry_token_env for entry in settings.workspaces]
    names = [*settings.forge.token_env, *registries, "GITHUB_ACTIONS"]
    variables = {name: os.environ[name] for name in names if os.environ.get(name)}

    ctx = context_from(args)

    def forge() -> Forge:
        return forge_from(settings, ctx)

    today = ctx.clock.now().astimezone(UTC).date()
    git = Git(settings.root)

    def registry(own: Settings) -> Registry:  # one [[workspace]] entry's
        return registry_factory(own)()

    report = doctor.run(doctor.Inputs(settings, forge, registry, variables, today, git))
    if args.json:
        print_json(report.to_json())
    else:
        print("\n".join(report.lines))
    return 1 if report.failed else 0
