"""`release-train demo --shape main`: the month of a train without release branches. Two
releases and a patch release, each a PR to main that is merged, tagged on main, published and
released; no release branch is ever made; the dashboard shows main's releases; the same month
on the GitHub stand-in leaves the same PRs, tags, releases and crates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from release_train.cli import main
from release_train.demo import Month, run
from release_train.infra.git import Git

pytestmark = pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")


def summary(month: Month) -> dict[str, object]:
    return {
        "prs": [(pr.title, pr.head, pr.base, pr.state) for pr in month.prs],
        "tags": sorted(month.tags),
        "releases": [(r.tag, r.name, r.latest, r.body) for r in month.releases],
        "published": month.published,
        "resolved": month.resolved,
    }


def test_the_month_without_release_branches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines: list[str] = []
    local = run(tmp_path / "local", lines.append, shape="main")

    assert summary(local)["prs"] == [
        ("Fix slipping couplings", "fix-coupling", "main", "merged"),
        ("Release Railcar 2.0.0", "ci/release-2.0.0", "main", "merged"),
        ("Fix uneven brake release", "fix-brakes", "main", "merged"),
        ("Release Railcar 2.0.1", "ci/release-2.0.1", "main", "merged"),
        ("Report coupler load", "coupler-load", "main", "merged"),
        ("Release Railcar 3.0.0", "ci/release-3.0.0", "main", "merged"),
    ]
    origin = Git(tmp_path / "local" / "origin.git")
    assert origin.branches() == ["main"]
    for tag in ("v2.0.0", "v2.0.1", "v3.0.0"):  # every tag on main's first-parent line
        assert origin.ok("merge-base", "--is-ancestor", local.tags[tag], "refs/heads/main")
    assert [(r.tag, r.latest) for r in local.releases] == [
        ("v2.0.0", False),
        ("v2.0.1", False),
        ("v3.0.0", True),
    ]
    assert local.releases[1].body == "Released 2026-12-22.\n\n### Fixed\n\n* Brakes release evenly.\n"
    assert local.published["railcar-core"] == ["2.0.0", "2.0.1", "3.0.0"]
    assert local.published["coupler-core"] == ["0.89.0", "0.89.1", "0.90.0"]
    assert local.resolved == "2.0.1"
    out = capsys.readouterr().out  # what the commands printed
    assert "+ release for 2026-12-20 done: 2.0.0 on main, PR #2; recorded as" in out
    assert "patch release Railcar 2.0.1 on main (from 2.0.0), dated 2026-12-22" in out
    assert any("no release branches: every release is a PR to main" in line for line in lines)
    page = (tmp_path / "local" / "dashboard" / "index.html").read_text()
    assert "<h2>Releases on main</h2>" in page

    github_lines: list[str] = []
    github = run(tmp_path / "github", github_lines.append, forge="github", shape="main")
    assert summary(github) == summary(local)


def test_the_shape_option_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["demo", str(tmp_path), "--shape", "trunk"])
    assert refused.value.code == 2
    assert "invalid choice: 'trunk'" in capsys.readouterr().err
