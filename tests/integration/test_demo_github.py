"""The demo month on the GitHub stand-in leaves what it leaves on the local forge: the same PRs
(in order), the same tags on equal trees, the same releases (latest on v1.0.1) and the same
crates on the registry; the consumer resolves 1.0.1 either way."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from release_train.cli import main
from release_train.demo import ForgeKind, Month, run
from release_train.demo.actor import FORGE_TOKEN, FORGE_TOKEN_ENV
from release_train.forges.interface import PullRequest
from release_train.infra.git import Git

pytestmark = pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")

BACKPORT = re.compile(r"backport-([0-9a-f]+)-")
CONFIG = "release-train.toml"


def play(root: Path, forge: ForgeKind, lines: list[str]) -> Month:
    month = run(root, lines.append, forge=forge)
    assert month.resolved == "1.0.1"
    return month


def pr_row(pr: PullRequest, origin: Git) -> tuple[str, str, str, str]:
    """Title, head, base, state. A backport head names the fix by its short sha, which differs
    between forges (each commits its merges as itself), so the fix is named by its subject."""

    def fix(m: re.Match[str]) -> str:
        return f"backport-[{origin.message(m[1]).splitlines()[0]}]-"

    return pr.title, BACKPORT.sub(fix, pr.head), pr.base, pr.state


def content(origin: Git, rev: str) -> dict[str, str]:
    """Path -> blob of a commit, without release-train.toml: its [forge] section names the forge
    and the stand-in's port (and [publish] the registry's), the one file meant to differ."""
    listing = origin.run("ls-tree", "-r", rev).splitlines()
    blobs = {line.split("\t", 1)[1]: line.split()[2] for line in listing}
    blobs.pop(CONFIG)
    return blobs


def test_the_month_on_github_matches_the_local_forge(tmp_path: Path) -> None:
    token_before = os.environ.get(FORGE_TOKEN_ENV)
    local_lines: list[str] = []
    github_lines: list[str] = []
    local = play(tmp_path / "local", "local", local_lines)
    github = play(tmp_path / "github", "github", github_lines)
    local_origin, github_origin = (
        Git(tmp_path / "local" / "origin.git"),
        Git(tmp_path / "github" / "origin.git"),
    )

    # PRs: the same ones, in the same order, merged the same way
    local_prs = [pr_row(pr, local_origin) for pr in local.prs]
    assert [pr_row(pr, github_origin) for pr in github.prs] == local_prs
    assert [pr.number for pr in github.prs] == [pr.number for pr in local.prs]
    assert ("Release Railcar 1.0.1", "ci/bump-to-1.0.1", "release-1.0.0", "merged") in local_prs
    assert {pr.state for pr in github.prs} == {"merged"}

    # tags: the same names, on commits with the same files
    assert sorted(github.tags) == sorted(local.tags) == ["v1.0.0", "v1.0.1"]
    for tag in local.tags:
        assert content(github_origin, github.tags[tag]) == content(local_origin, local.tags[tag])

    # releases: the same tags, names, notes and flags; latest on v1.0.1
    def releases(month: Month) -> list[tuple[str, str, bool, bool, str]]:
        return [(r.tag, r.name, r.latest, r.prerelease, r.body) for r in month.releases]

    assert releases(github) == releases(local)
    assert [(r.tag, r.latest) for r in github.releases] == [("v1.0.0", False), ("v1.0.1", True)]
    assert "### Fixed" in github.releases[1].body

    # the registry got the same crates and versions
    assert github.published == local.published
    assert "1.0.1" in github.published["railcar-core"]

    # what the maintainer sees: the token never shows, and the environment is put back
    assert not any(FORGE_TOKEN in line for line in github_lines)
    assert any("git push origin main" in line for line in github_lines)
    assert any("forge init" in line for line in local_lines)
    assert os.environ.get(FORGE_TOKEN_ENV) == token_before


def test_the_forge_option_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["demo", str(tmp_path), "--forge", "gitlab"])
    assert refused.value.code == 2
    assert "invalid choice: 'gitlab'" in capsys.readouterr().err
    (tmp_path / "something").write_text("x")
    assert main(["demo", str(tmp_path), "--forge", "github"]) == 2
    assert "not empty" in capsys.readouterr().err
