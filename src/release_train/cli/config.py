"""Print every resolved setting and where it came from (default, the config file, or a --set flag).

With --reference: every key of the configuration, its default, what it does and an example of
each section (Markdown), whatever this repository sets."""

from __future__ import annotations

import argparse

from release_train.cli.common import add_json, add_repo_options, print_json, settings_from
from release_train.config import describe


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_json(parser)
    parser.add_argument(
        "--reference",
        action="store_true",
        help="print the configuration reference: every key, its default, its meaning, an example",
    )


def run(args: argparse.Namespace) -> int:
    if args.reference:
        from release_train.config_reference import reference

        print(reference(), end="")
        return 0
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
