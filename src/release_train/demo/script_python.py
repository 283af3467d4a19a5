"""The month on the bundled Python example (`demo --python`): the Trolley uv workspace, published
to the bundled local package index (a real pypiserver on 127.0.0.1).

The days are the branch train's (`script.py`): the cut on the 5th (main moves to 2.0.0: every
`pyproject.toml`, the `__version__` file, the `==` pins, the compatible range and `uv.lock`), a
fix backported, the release PR on the 20th whose merge tags v1.0.0 and publishes the three
distributions in dependency order (sdist and wheel each), a patch release v1.0.1. Then a fresh
virtual environment installs `trolley~=1.0.0` from the local index alone: 1.0.1, with the
`trolley-core` and `trolley-util` it requires.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from release_train.demo.actor import DEMO_TOKEN, Demo
from release_train.infra import proc

EXAMPLE = Path(__file__).resolve().parent / "example_python"
LIB = "packages/trolley-core/src/trolley_core/__init__.py"
TOKEN_ENV = "PYPI_TOKEN"  # noqa: S105 (the variable's name, not a secret)
TOP = "trolley"  # the package the consumer installs
CONSUMER = "1.0.0"  # it asks for `trolley~=1.0.0` and must get
RESOLVES = "1.0.1"


@contextmanager
def index(root: Path) -> Iterator[tuple[str, Callable[[], dict[str, list[str]]]]]:
    """The local package index for the month; yields its simple API's URL and what it holds."""
    from release_train.registries.local_pypi import PypiServer

    with PypiServer(root / "index", token=DEMO_TOKEN) as server:
        yield server.index_url, lambda: _published(server.data_dir / "packages")


def _published(packages: Path) -> dict[str, list[str]]:
    """Distribution -> versions, from the wheels the index stores (`name-version-...whl`)."""
    found: dict[str, set[str]] = {}
    for wheel in packages.glob("*.whl"):
        name, version = wheel.name.split("-")[:2]
        found.setdefault(name.replace("_", "-"), set()).add(version)
    return {name: sorted(versions) for name, versions in sorted(found.items())}


def consume(demo: Demo, index_url: str, requirement: str = CONSUMER) -> str:
    """A fresh virtual environment installs `trolley~=<requirement>` from the local index only
    (pip isolated from any configuration, no cache) and imports it; the version it got."""
    venv = demo.root / "consumer-venv"
    demo.say(f"\n$ python -m venv {venv} && pip install --index-url {index_url} '{TOP}~={requirement}'")
    proc.run([sys.executable, "-m", "venv", str(venv)])
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    pip = [str(python), "-m", "pip", "--isolated", "--disable-pip-version-check", "--no-cache-dir"]
    proc.run([*pip, "install", "--quiet", "--index-url", index_url, f"{TOP}~={requirement}"], timeout=300)
    shown = proc.run(
        [str(python), "-c", f"import {TOP}; print({TOP}.__version__, {TOP}.total_load(30, 50))"]
    ).stdout.split()
    demo.say(f"{TOP} {shown[0]} is installed; trolley.total_load(30, 50) = {shown[1]}")
    return shown[0]
