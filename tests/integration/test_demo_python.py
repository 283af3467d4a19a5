"""`release-train demo --python`: the branch train's month on the bundled Python example, against
the bundled local package index (a real pypiserver). It ends with the tags, every distribution's
sdist and wheel at both releases on the index, main moved to the next major in every file, and a
fresh virtual environment that installed the released top package from the index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from release_train.cli import main
from release_train.infra.git import Git

DISTRIBUTIONS = ("trolley", "trolley-core", "trolley-util")


def test_the_python_month(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "demo"
    assert main(["demo", "--python", str(root)]) == 0
    out = capsys.readouterr().out
    assert "A fresh virtual environment installed trolley~=1.0.0: 1.0.1, from the local index." in out
    assert "trolley.total_load(30, 50) = 70" in out

    origin = Git(root / "origin.git")
    assert {"v1.0.0", "v1.0.1"} <= set(origin.run("tag", "--list").split())
    stored = sorted(p.name for p in (root / "index" / "packages").iterdir())
    for version in ("1.0.0", "1.0.1"):
        for name in DISTRIBUTIONS:
            stem = name.replace("-", "_")
            assert f"{stem}-{version}.tar.gz" in stored
            assert f"{stem}-{version}-py3-none-any.whl" in stored
    assert len(stored) == 12  # each file once

    # main moved to 2.0.0: the __version__ file, the pins, the range, uv.lock
    trolley = origin.show_file("refs/heads/main", "packages/trolley/pyproject.toml")
    assert (
        trolley is not None and b'"trolley-core>=2.0.0,<3"' in trolley and b'"trolley-util==2.0.0"' in trolley
    )
    module = origin.show_file("refs/heads/main", "packages/trolley/src/trolley/__init__.py")
    assert module is not None and b'__version__ = "2.0.0"' in module
    lock = origin.show_file("refs/heads/main", "uv.lock")
    assert lock is not None and b'name = "trolley-util"\nversion = "2.0.0"' in lock

    assert main(["releases", "--json", "-C", str(root / "work")]) == 0
    releases = {r["tag"]: r for r in json.loads(capsys.readouterr().out)}
    assert releases["v1.0.1"]["latest"] is True


def test_python_and_main_shape_do_not_mix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--python", "--shape", "main", str(tmp_path / "d")]) == 2
    assert "--python plays the branch train's month" in capsys.readouterr().err
