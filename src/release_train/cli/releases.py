"""List the forge's releases: tag, name, whether it is the "latest" one or a pre-release, and its
assets. `--json` prints a list of objects (tag, name, body, prerelease, latest, draft, assets, url)."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from release_train.cli.common import (
    add_json,
    add_repo_options,
    context_from,
    forge_from,
    print_json,
    settings_from,
)


def configure(parser: argparse.ArgumentParser) -> None:
    add_json(parser)
    add_repo_options(parser)


def run(args: argparse.Namespace) -> int:
    releases = forge_from(settings_from(args), context_from(args)).list_releases()
    if args.json:
        print_json([{**asdict(r), "assets": list(r.assets)} for r in releases])
        return 0
    if not releases:
        print("no releases")
        return 0
    for release in releases:
        flags = [
            f
            for f, on in (
                ("latest", release.latest),
                ("pre-release", release.prerelease),
                ("draft", release.draft),
            )
            if on
        ]
        shown = f"  [{', '.join(flags)}]" if flags else ""
        assets = f"  assets: {', '.join(release.assets)}" if release.assets else ""
        print(f"{release.tag}  {release.name}{shown}{assets}")
    return 0
