"""Play a full release month on the bundled example, on this machine, with no credentials.

Builds the Railcar example workspace (two version lines, public and internal crates) with an
embedded local forge and a local Cargo registry in DIR (a new temporary directory by default),
then: the 5th cuts release-1.0.0 and proposes 2.0.0 on main; a fix lands on main and is
backported; the 20th opens the release PRs; merging tags v1.0.0, which publishes every crate in
dependency order and creates the forge release; a patch release follows (v1.0.1); finally a
consumer crate resolves the released version from the registry.

With `--shape main` the train has no release branches (`[release] branches = false`, the shape
of bytecodealliance/wasm-tools): main holds 1.0.0; a fix lands with its note; the 20th's tick
proposes "Release Railcar 2.0.0" to main, merged, tagged v2.0.0, published, released; a second
fix and `release patch` make 2.0.1; a feature lands and the next month's tick makes 3.0.0; a
consumer of railcar-core "2.0" resolves 2.0.1.

With `--python` the branch train's month is played on the bundled Python example instead (the
Trolley uv workspace: three distributions, one internal and pinned, a `__version__` file, a
uv.lock) against the bundled local package index, a real pypiserver on 127.0.0.1: the tag
publishes each distribution (sdist and wheel) in dependency order, and at the end a fresh virtual
environment installs the released `trolley` from that index. It needs the build and upload tools
(`pip install 'release-train[python]'`) and hatchling, the example's build backend, beside
release-train.

With `--forge github` the same month runs against the GitHub stand-in, started in-process on
127.0.0.1 (`[forge] kind = "github"`, with a throwaway token it requires): same PRs, tags and
releases as on the local forge.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", type=Path, help="where to build the demo (default: a new temp dir)")
    parser.add_argument(
        "--forge",
        choices=["local", "github"],
        default="local",
        help="the embedded local forge, or the GitHub stand-in on 127.0.0.1 (default: %(default)s)",
    )
    parser.add_argument(
        "--shape",
        choices=["branches", "main"],
        default="branches",
        help="branches: the month of a train that cuts release branches; main: a train without them "
        "([release] branches = false), two releases and a patch release, each a PR to main "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--python",
        action="store_true",
        help="play the branch train's month on the bundled Python example (a uv workspace), published "
        "to the bundled local package index; a fresh virtual environment installs the result",
    )


def run(args: argparse.Namespace) -> int:
    from release_train.demo import Shape
    from release_train.demo import run as play
    from release_train.errors import UsageError

    if args.python and args.shape != "branches":
        raise UsageError("--python plays the branch train's month", hint="drop --shape, or drop --python")
    root = args.dir or Path(tempfile.mkdtemp(prefix="release-train-demo-"))
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root} is not empty", hint="pass a new or empty directory, or none for a temp dir")
    root.mkdir(parents=True, exist_ok=True)
    shape: Shape = "python" if args.python else args.shape
    play(root.resolve(), lambda line: print(line, flush=True), forge=args.forge, shape=shape)
    return 0
