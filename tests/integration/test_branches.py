"""`release-train branches` and `flows.lines` on a real repository whose origin is a local forge:
numeric order, release dates from the first final tag, LTS lines, the exact day a line expires."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from release_train.cli import main
from release_train.config import load_settings
from release_train.flows.lines.release_lines import release_lines, supported
from release_train.forges.local import LocalForge
from release_train.infra.git import Git, init_repo


class Lines:
    """A repository with release branches and tags whose commits carry chosen dates."""

    def __init__(self, root: Path) -> None:
        self.bare = root / "origin.git"
        LocalForge.init(self.bare)
        self.work = init_repo(root / "work")
        self.work.run("remote", "add", "origin", str(self.bare))
        (self.work.path / "release-train.toml").write_text(
            '[forge]\nkind = "local"\npath = "../origin.git"\n'
        )
        self.commit("Initial commit", "2025-01-01T12:00:00Z")
        self.work.run("push", "--quiet", "origin", "main")

    def commit(self, message: str, when: str, branch: str | None = None) -> str:
        if branch is not None:
            self.work.checkout(branch)
        stamp = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        self.work.run("add", "--all")
        self.work.run("commit", "--quiet", "--allow-empty", "-m", message, env=stamp)
        sha = self.work.rev_parse("HEAD")
        assert sha is not None
        return sha

    def cut(self, version: str, when: str) -> None:
        """Branch release-VERSION from main and push it."""
        self.work.checkout("main")
        self.commit(f"work towards {version}", when)
        self.work.run("branch", f"release-{version}")
        self.work.run("push", "--quiet", "origin", "main", f"release-{version}")

    def release(self, version: str, branch: str, when: str) -> None:
        """A release commit on `branch`, tagged v<version>, both pushed."""
        sha = self.commit(f"Release {version}", when, branch)
        self.work.run("tag", f"v{version}", sha)
        self.work.run("push", "--quiet", "origin", branch, f"v{version}")
        self.work.checkout("main")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Lines:
    """Shared by the tests of this module: they read the origin, which none of them changes."""
    repo = Lines(tmp_path_factory.mktemp("lines"))
    repo.cut("9.0.0", "2026-01-05T00:10:00Z")
    repo.release("9.0.0", "release-9.0.0", "2026-01-20T00:30:00Z")
    repo.cut("10.0.0", "2026-02-05T00:10:00Z")
    repo.release("10.0.0", "release-10.0.0", "2026-02-20T09:00:00Z")
    # a patch a month later does not move the release date of the line
    repo.release("10.0.1", "release-10.0.0", "2026-03-18T09:00:00Z")
    repo.cut("11.0.0", "2026-03-05T00:10:00Z")
    repo.release("11.0.0", "release-11.0.0", "2026-03-20T23:59:59Z")
    repo.cut("12.0.0", "2026-04-05T00:10:00Z")
    # an LTS line: its rc comes first and does not count as the release
    repo.release("12.0.0-rc.1", "release-12.0.0", "2026-04-10T00:00:00Z")
    repo.release("12.0.0", "release-12.0.0", "2026-04-20T01:00:00Z")
    repo.cut("13.0.0", "2026-05-05T00:10:00Z")  # cut, not released yet
    return repo


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(list(argv)) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def test_branches_json_lists_every_line_in_numeric_order(
    repo: Lines, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(capsys, "branches", "-C", str(repo.work.path), "--json", "--now", "2026-05-10T12:00:00Z")
    assert data["now"] == "2026-05-10T12:00:00+00:00"
    assert data["branches"] == [
        {
            "branch": "release-9.0.0",
            "version": "9.0.0",
            "latest_tag": "v9.0.0",
            "release_date": "2026-01-20",
            "lts": False,
            "supported_until": "2026-03-20",
            "supported": False,
        },
        {
            "branch": "release-10.0.0",
            "version": "10.0.0",
            "latest_tag": "v10.0.1",
            "release_date": "2026-02-20",
            "lts": False,
            "supported_until": "2026-04-20",
            "supported": False,
        },
        {
            "branch": "release-11.0.0",
            "version": "11.0.0",
            "latest_tag": "v11.0.0",
            "release_date": "2026-03-20",  # 23:59:59 UTC is still the 20th
            "lts": False,
            "supported_until": "2026-05-20",
            "supported": True,
        },
        {
            "branch": "release-12.0.0",
            "version": "12.0.0",
            "latest_tag": "v12.0.0",
            "release_date": "2026-04-20",
            "lts": True,
            "supported_until": "2028-04-20",
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


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-05-20T00:00:00Z", ["release-11.0.0", "release-12.0.0", "release-13.0.0"]),
        ("2026-05-20T23:59:59Z", ["release-11.0.0", "release-12.0.0", "release-13.0.0"]),  # the last day
        ("2026-05-21T00:00:00Z", ["release-12.0.0", "release-13.0.0"]),  # expired at midnight UTC
        ("2028-04-20T12:00:00Z", ["release-12.0.0", "release-13.0.0"]),  # the LTS line's last day
        ("2028-04-21T00:00:00Z", ["release-13.0.0"]),
    ],
)
def test_supported_lines_on_the_boundaries(repo: Lines, now: str, expected: list[str]) -> None:
    settings = load_settings(repo.work.path)
    moment = datetime.fromisoformat(now)
    assert [line.branch for line in supported(repo.work, settings, moment)] == expected


def test_lines_are_read_from_the_origin_not_the_local_branches(repo: Lines) -> None:
    # a local branch that was never pushed is not a release line; a pushed one is, even once the
    # local copy is deleted
    repo.work.run("branch", "release-99.0.0")
    repo.work.run("branch", "-D", "release-9.0.0")
    lines = release_lines(repo.work, load_settings(repo.work.path), date(2026, 5, 10))
    assert lines[0].branch == "release-9.0.0"
    assert "release-99.0.0" not in [line.branch for line in lines]
    assert lines[0].head == Git(repo.bare).rev_parse("refs/heads/release-9.0.0")


def test_a_repository_without_origin_uses_its_local_branches(tmp_path: Path) -> None:
    work = init_repo(tmp_path / "solo")
    work.run(
        "commit",
        "--quiet",
        "--allow-empty",
        "-m",
        "start",
        env={"GIT_COMMITTER_DATE": "2026-06-20T10:00:00Z"},
    )
    work.run("branch", "release-2.0.0")
    work.run("branch", "release-10.0.0")
    work.run("branch", "release-notes-draft")  # not a version: ignored
    work.run("tag", "v2.0.0")
    lines = release_lines(work, load_settings(work.path), datetime(2026, 7, 1, tzinfo=UTC))
    assert [(line.branch, line.release_date) for line in lines] == [
        ("release-2.0.0", date(2026, 6, 20)),
        ("release-10.0.0", None),
    ]


def test_support_settings_change_the_window(repo: Lines, capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        capsys,
        *("branches", "-C", str(repo.work.path), "--json", "--now", "2026-05-10"),
        *("--set", "support.months=1", "--set", "support.lts-every=11"),
    )
    rows = {row["branch"]: row for row in data["branches"]}  # type: ignore[attr-defined]
    assert rows["release-11.0.0"]["lts"] is True
    assert rows["release-12.0.0"]["lts"] is False
    assert rows["release-12.0.0"]["supported_until"] == "2026-05-20"
    assert rows["release-10.0.0"]["supported_until"] == "2026-03-20"


def test_branches_table_for_people(repo: Lines, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["branches", "-C", str(repo.work.path), "--now", "2026-05-10"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "release-" in line]
    assert [row.split()[1] for row in rows] == [
        "release-9.0.0",
        "release-10.0.0",
        "release-11.0.0",
        "release-12.0.0",
        "release-13.0.0",
    ]
    assert rows[0].split()[-2] == "no"
    assert "LTS" in rows[3] and "2028-04-20" in rows[3]
    assert "not yet" in rows[4]


def test_no_release_branches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = Lines(tmp_path)
    capsys.readouterr()
    assert main(["branches", "-C", str(repo.work.path)]) == 0
    assert "no release branches on the origin" in capsys.readouterr().out
