"""Print every resolved setting and where it came from (default, the config file, or a --set flag)."""

from __future__ import annotations

import argparse

from release_train.cli.common import add_json, add_repo_options, print_json, settings_from
from release_train.config import describe


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    rows = describe(settings)
    if args.json:
        print_json(
            {
                "root": str(settings.root),
                "config_file": str(settings.config_file) if settings.config_file else None,
                "settings": [{"key": k, "value": v, "source": s} for k, v, s in rows],
            }
        )
        return 0
    where = settings.config_file or "no configuration file (all defaults)"
    print(f"# configuration: {where}")
    width = max(len(k) for k, _, _ in rows)
    for key, value, source in rows:
        print(f"{key.ljust(width)} = {value!r}  # {source}")
    return 0
