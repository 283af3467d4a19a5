"""The README's first command: the demo plays the month and ends with tags, published crates and
forge releases in place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.fixtures.demo_month import demo_month

from release_train.cli import main
from release_train.infra.git import Git

pytestmark = pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")


def test_demo_plays_the_month(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root, out = demo_month(tmp_path_factory)
    assert 'resolved railcar-core = "1.0" to 1.0.1' in out
    assert f"{root / 'dashboard' / 'index.html'}    the release dashboard" in out

    tags = Git(root / "origin.git").run("tag", "--list").split()
    assert {"v1.0.0", "v1.0.1"} <= set(tags)
    assert "release-1.0.0" in Git(root / "origin.git").branches()

    assert main(["releases", "--json", "-C", str(root / "work")]) == 0
    releases = {r["tag"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(releases) >= {"v1.0.0", "v1.0.1"}
    assert releases["v1.0.1"]["latest"] is True
    assert releases["v1.0.0"]["latest"] is False
    assert "### Fixed" in releases["v1.0.1"]["body"]


def test_demo_refuses_a_non_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "something").write_text("x")
    assert main(["demo", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
