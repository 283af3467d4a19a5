"""List the packages of the workspace in publish order (dependencies first): version,
public or internal, and whether each is published. Unpublished packages are listed last.
A package that a [[workspace.rule]] moves otherwise under `bump major` says so: "(rule: minor)";
one whose version is written elsewhere says where: "(version in src/pkg/__init__.py)", or "(version
from the tag (hatch-vcs): not written by a bump)" for a Python distribution whose version the tag
sets."""

from __future__ import annotations

import argparse

from release_train.cli.common import add_json, add_repo_options, print_json, settings_from


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_options(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from release_train.workspaces import load_workspace

    settings = settings_from(args)
    ws = load_workspace(settings)
    ordered = ws.publish_order()
    ordered += sorted((p for p in ws.packages if not p.publish), key=lambda p: p.name)
    rows = [
        {
            "name": p.name,
            "version": ws.spelled(p),
            "visibility": "public" if p.public else "internal",
            "publish": p.publish,
            "major": p.on_major,  # what `bump major` does to it: major, minor, patch or none
            "directory": str(p.directory.relative_to(ws.root))
            if p.directory.is_relative_to(ws.root)
            else str(p.directory),
        }
        | ({"version_source": p.version_source} if p.version_source else {})
        for p in ordered
    ]
    if args.json:
        print_json({"root": str(ws.root), "train_version": str(ws.train_version), "packages": rows})
        return 0
    print(f"train version {ws.train_version}; {len(ws.publishable())} of {len(rows)} packages are published")
    width = max((len(p.name) for p in ordered), default=4)
    vwidth = max((len(ws.spelled(p)) for p in ordered), default=7)
    for n, p in enumerate(ordered, start=1):
        order = f"{n:>3}" if p.publish else "  -"
        visibility = "public" if p.public else "internal"
        published = "published" if p.publish else "not published"
        rule = f"  (rule: {p.major_rule})" if p.major_rule != "major" else ""
        source = f"  (version {_source(p.version_source)})" if p.version_source else ""
        print(
            f"{order}  {p.name.ljust(width)}  {ws.spelled(p).ljust(vwidth)}  {visibility:<8}  {published}{rule}{source}"
        )
    return 0


def _source(where: str) -> str:
    """ "from the tag (hatch-vcs): left to it" or "in src/pkg/__init__.py"."""
    if where.startswith(("the tag", "Cargo.toml")):
        return f"from {where}: not written by a bump"
    return f"in {where}"
