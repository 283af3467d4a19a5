"""`release-train status` on a real train: main's version, the release branches with their tags
and support windows, open bot PRs, the next dates, and what blocks a release."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.train import Train, build_train, registry_for

from release_train.cli import main
from release_train.cli.reactions import Reactions
from release_train.flows import tick
from release_train.forges.interface import SecurityIssue
from release_train.forges.local import LocalForge


def merge(train: Train, head: str, base: str) -> str:
    """Merge like `Train.merge`, but with the merge commit dated by the train's clock, so release
    dates (the date of the first tag's commit) follow the scenario rather than the wall clock."""
    ctx = train.ctx()
    handler = Reactions(train.settings, ctx, registry_for(train.settings, ctx))
    forge = LocalForge(train.forge.bare_path, handler, clock=ctx.clock)
    handler.bind(forge)
    return forge.merge_pr(train.pr(head, base).number)


def tick_at(train: Train, now: str) -> None:
    env = train.at(now).env()
    tick.apply(env, tick.plan(env))


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Train:
    """Railcar 12.0.0 (an LTS line) cut on Dec 5 and released on Dec 20, 13.0.0 cut on Jan 5 and
    its release PR held as a draft, an open security issue."""
    train = build_train(tmp_path_factory.mktemp("status"), major=12, now="2026-11-02")
    tick_at(train, "2026-12-05T00:05:00Z")
    merge(train, "ci/bump-to-13.0.0", "main")
    tick_at(train, "2026-12-20T00:05:00Z")
    merge(train, "ci/release-12.0.0", "release-12.0.0")  # the tag reaction tags v12.0.0
    tick_at(train, "2027-01-05T00:05:00Z")
    merge(train, "ci/bump-to-14.0.0", "main")
    tick_at(train, "2027-01-20T00:05:00Z")
    pr = train.pr("ci/release-13.0.0", "release-13.0.0")
    train.forge.update_pr(pr.number, draft=True)
    train.forge.add_security_issue(
        SecurityIssue("RUSTSEC-2027-0001", "use after free in coupler", "https://example.invalid/1")
    )
    return train


def status_json(train: Train, capsys: pytest.CaptureFixture[str], now: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["status", "-C", str(train.work.path), "--json", "--now", now]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def test_status_json(released: Train, capsys: pytest.CaptureFixture[str]) -> None:
    assert "v12.0.0" in released.forge.tags()
    data = status_json(released, capsys, "2027-01-21T10:00:00Z")
    assert set(data) == {
        "now",
        "main",
        "shape",
        "release_branches",
        "bot_prs",
        "next",
        "blocking",
        "problems",
        "tags",
    }
    assert data["shape"] == "branches"
    assert data["now"] == "2027-01-21T10:00:00+00:00"
    assert data["main"] == {"branch": "main", "version": "14.0.0"}
    assert data["release_branches"] == [
        {
            "branch": "release-12.0.0",
            "version": "12.0.0",
            "latest_tag": "v12.0.0",
            "release_date": "2026-12-20",
            "lts": True,
            "supported_until": "2028-12-20",
            "supported": True,
        },
        {
            "branch": "release-13.0.0",
            "version": "13.0.0",
            "latest_tag": None,
            "release_date": None,
            "lts": False,
            "supported_until": None,
            "supported": True,
        },
    ]
    prs = [(pr["number"], pr["head"], pr["base"], pr["draft"]) for pr in data["bot_prs"]]
    # PRs 1-3 (bump to 13, release 12, bump to 14) are merged; main's notes no longer carry a
    # section for the released version once the bump is merged, so no date PR to main was needed
    assert prs == [(4, "ci/release-13.0.0", "release-13.0.0", True)]
    assert data["next"] == {"cut": "2027-02-05T00:00:00+00:00", "release": "2027-02-20T00:00:00+00:00"}
    assert data["blocking"] == [
        {
            "kind": "security-issue",
            "text": "open security issue RUSTSEC-2027-0001: use after free in coupler",
            "url": "https://example.invalid/1",
        },
        {
            "kind": "draft-pr",
            "text": "PR #4 (ci/release-13.0.0 -> release-13.0.0) is a draft: Release Railcar 13.0.0",
            "url": data["bot_prs"][0]["url"],
        },
        # This train's registry is not configured, so v12.0.0 was tagged but never published
        {
            "kind": "unfinished-release",
            "text": "release v12.0.0 is unfinished: its forge release is missing; its packages could not "
            "be checked ([publish] registry = 'local' needs [publish] index, the local server's index "
            "URL); finish it with: release-train publish --tag v12.0.0",
            "url": "",
            "command": "release-train publish --tag v12.0.0",
        },
    ]
    assert data["problems"] == []
    # The train publishes nowhere (no registry index configured): the tag's packages are unknown,
    # and its forge release was never made.
    [tag] = data["tags"]
    assert (tag["tag"], tag["branch"], tag["date"], tag["checked"]) == (
        "v12.0.0",
        "release-12.0.0",
        "2026-12-20",
        True,
    )
    assert tag["forge_release"] is False
    assert tag["missing"] == ["forge release"]
    assert tag["unknown"].startswith("the registry is not configured")


def test_status_table_for_people(released: Train, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["status", "-C", str(released.work.path), "--now", "2027-01-21"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "main is at 14.0.0  (2027-01-21 00:00 UTC)"
    row = next(line for line in out.splitlines() if "release-12.0.0" in line and "v12.0.0" in line)
    assert "2026-12-20" in row and "LTS" in row and "2028-12-20" in row
    assert "next cut: 2027-02-05 00:00 UTC" in out
    assert "next release: 2027-02-20 00:00 UTC" in out
    assert "blocking:" in out
    assert (
        "  - open security issue RUSTSEC-2027-0001: use after free in coupler (https://example.invalid/1)"
        in out
    )
    assert "is a draft: Release Railcar 13.0.0" in out


def test_status_of_a_fresh_train(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = build_train(tmp_path, major=3, now="2026-11-02")
    data = status_json(train, capsys, "2026-11-23T08:00:00Z")
    assert data["main"] == {"branch": "main", "version": "3.0.0"}
    assert data["release_branches"] == []
    assert data["bot_prs"] == []
    assert data["blocking"] == []
    assert data["next"] == {"cut": "2026-12-05T00:00:00+00:00", "release": "2026-12-20T00:00:00+00:00"}
    capsys.readouterr()
    assert main(["status", "-C", str(train.work.path), "--now", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "no release branches yet" in out
    assert "no open bot PRs" in out
    assert "nothing blocking" in out
