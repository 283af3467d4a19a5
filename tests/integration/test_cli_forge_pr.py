"""The forge, pr and releases commands, run in-process as a user would, on a real repository whose
origin is a local forge created by `release-train forge init --from`."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from release_train.cli import main
from release_train.cli import reactions as reactions_module
from release_train.config import Settings
from release_train.context import Context
from release_train.forges.interface import Forge, PushEvent, Release
from release_train.forges.local import LocalForge
from release_train.infra.git import Git, init_repo
from release_train.registries.interface import RegistryFactory

CONFIG = '[project]\nname = "Demo"\n\n[forge]\nkind = "local"\npath = "../origin.git"\n'


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "work"
        self.bare = root / "origin.git"
        self.git = init_repo(self.work)

    def commit(self, files: dict[str, str], message: str) -> str:
        for name, text in files.items():
            (self.work / name).write_text(text)
        return self.git.commit_all(message)

    def branch_with(self, name: str, files: dict[str, str], message: str) -> None:
        self.git.checkout("main", new_branch=name)
        self.commit(files, message)
        self.git.push("origin", [name])
        self.git.checkout("main")

    def cli(self, *args: str) -> int:
        return main([*args, "-C", str(self.work)])

    def forge(self) -> LocalForge:
        return LocalForge(self.bare)


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Repo:
    repo = Repo(tmp_path)
    repo.commit({"release-train.toml": CONFIG, "a.txt": "a\n"}, "Initial commit")
    assert main(["forge", "init", str(repo.bare), "--from", str(repo.work)]) == 0
    capsys.readouterr()
    return repo


def test_forge_init_creates_the_bare_repository_and_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path)
    head = repo.commit({"release-train.toml": CONFIG}, "Initial commit")
    repo.git.run("tag", "v0.1.0")

    assert main(["forge", "init", str(repo.bare), "--from", str(repo.work)]) == 0

    out = capsys.readouterr().out
    assert "store:" in out
    assert "pushed 2 refs" in out
    assert (tmp_path / "origin.git.forge.sqlite3").is_file()
    assert repo.git.run("remote", "get-url", "origin").strip() == str(repo.bare.resolve())
    bare = Git(repo.bare)
    assert bare.rev_parse("refs/heads/main") == head
    assert bare.tags() == {"v0.1.0": head}
    # again: the existing forge is kept, nothing new to push
    assert main(["forge", "init", str(repo.bare), "--from", str(repo.work)]) == 0
    assert "pushed 0 refs" in capsys.readouterr().out


def test_pr_open_list_show_json(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.branch_with("ci/bump-to-2.0.0", {"a.txt": "2\n"}, "Bump Demo to 2.0.0")
    args = ["pr", "open", "--head", "ci/bump-to-2.0.0", "--base", "main", "--title", "Bump Demo to 2.0.0"]
    assert repo.cli(*args, "--body", "The branch was cut.") == 0
    assert repo.cli(*args, "--body", "Updated body.") == 0  # idempotent: same PR
    capsys.readouterr()

    assert repo.cli("pr", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [
        {
            "number": 1,
            "title": "Bump Demo to 2.0.0",
            "body": "Updated body.",
            "head": "ci/bump-to-2.0.0",
            "base": "main",
            "state": "open",
            "draft": False,
            "url": listed[0]["url"],
            "merge_commit": None,
            "labels": [],
        }
    ]
    assert repo.cli("pr", "list") == 0
    assert "#1    open    ci/bump-to-2.0.0 -> main  Bump Demo to 2.0.0" in capsys.readouterr().out
    assert repo.cli("pr", "list", "--state", "merged") == 0
    assert capsys.readouterr().out == "no merged pull requests\n"
    assert repo.cli("pr", "show", "1") == 0
    assert capsys.readouterr().out.splitlines() == [
        "#1 Bump Demo to 2.0.0 (open)",
        "ci/bump-to-2.0.0 -> main",
        "",
        "Updated body.",
    ]
    assert repo.cli("pr", "show", "1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["number"] == 1


@pytest.fixture
def fake_flows(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, PushEvent]]:
    """Stand-ins for the tag, publish and finish flows, honouring the reactions contract: the tag
    flow tags the pushed commit, which in turn must trigger the publish flow."""
    calls: list[tuple[str, PushEvent]] = []

    def finish_reaction(
        settings: Settings, forge: Forge, event: PushEvent, ctx: Context, *, registry: RegistryFactory
    ) -> None:
        calls.append(("finish", event))

    def tag_reaction(settings: Settings, forge: Forge, event: PushEvent, ctx: Context) -> None:
        calls.append(("tag", event))
        forge.create_tag("v1.0.0", event.after)

    def publish_reaction(
        settings: Settings, forge: Forge, event: PushEvent, ctx: Context, *, registry: RegistryFactory
    ) -> None:
        calls.append(("publish", event))

    for name, function in (
        (reactions_module.TAG_FLOW, tag_reaction),
        (reactions_module.PUBLISH_FLOW, publish_reaction),
        (reactions_module.FINISH_FLOW, finish_reaction),
    ):
        module: Any = types.ModuleType(name)
        module.run_reaction = function
        monkeypatch.setitem(sys.modules, name, module)
    return calls


def test_pr_merge_runs_the_reactions(
    repo: Repo, capsys: pytest.CaptureFixture[str], fake_flows: list[tuple[str, PushEvent]]
) -> None:
    before = repo.git.rev_parse("HEAD")
    marker = "[automatically-tag-and-release-this-commit]"
    repo.branch_with("ci/release-1.0.0", {"a.txt": "1\n"}, f"Release Demo 1.0.0\n\n{marker}")
    repo.forge().open_pr("ci/release-1.0.0", "main", "Release Demo 1.0.0", "")
    capsys.readouterr()

    assert repo.cli("pr", "merge", "1") == 0

    captured = capsys.readouterr()
    after = Git(repo.bare).rev_parse("refs/heads/main")
    assert after is not None and before is not None
    assert captured.out == f"merged #1 into main as {after[:12]}\n"
    assert f"push refs/heads/main {before[:12]}..{after[:12]}" in captured.err
    assert "push refs/tags/v1.0.0 000000000000.." in captured.err
    push = PushEvent("refs/heads/main", before, after)
    assert fake_flows == [
        ("finish", push),  # releases an earlier run left unfinished, before tagging anything new
        ("tag", push),
        ("publish", PushEvent("refs/tags/v1.0.0", "0" * 40, after)),
    ]
    message = Git(repo.bare).message(after)
    assert marker in message.splitlines()
    # again: the merge is not repeated; what CI does for it runs again (finishing what a crash or
    # a failure left), and the tag, already there, is not published a second time
    assert repo.cli("pr", "merge", "1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["merge_commit"] == after
    assert Git(repo.bare).rev_parse("refs/heads/main") == after
    assert fake_flows[3:] == [("finish", push), ("tag", push)]


def test_pushes_are_recorded_when_no_flow_exists(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reactions_module, "TAG_FLOW", "release_train.flows.not_written_yet")
    repo.branch_with("fix", {"a.txt": "fixed\n"}, "Fix")
    repo.forge().open_pr("fix", "main", "Fix", "")

    assert repo.cli("pr", "merge", "1", "--method", "merge") == 0

    err = capsys.readouterr().err
    assert "push refs/heads/main" in err
    assert "(not_written_yet flow not available: event recorded only)" in err
    assert "push refs/heads/fix" in err  # the head branch was deleted
    assert repo.cli("forge", "events", "--json") == 0
    log = json.loads(capsys.readouterr().out)
    assert [(row["ref"], row["source"]) for row in log][-2:] == [
        ("refs/heads/main", "merge"),
        ("refs/heads/fix", "merge"),
    ]


def test_pr_merge_refusals_change_nothing(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.branch_with("held", {"b.txt": "b\n"}, "Held")
    repo.branch_with("clash", {"a.txt": "theirs\n"}, "Theirs")
    repo.commit({"a.txt": "ours\n"}, "Ours")
    repo.git.push("origin", ["main"])
    forge = repo.forge()
    forge.open_pr("held", "main", "Held", "", draft=True)
    forge.open_pr("clash", "main", "Clash", "")
    main_before = Git(repo.bare).rev_parse("refs/heads/main")
    capsys.readouterr()

    assert repo.cli("pr", "merge", "1") == 7
    assert "error: PR #1 is a draft and cannot be merged" in capsys.readouterr().err
    assert repo.cli("pr", "merge", "2") == 7
    assert "conflicts in: a.txt" in capsys.readouterr().err
    assert Git(repo.bare).rev_parse("refs/heads/main") == main_before

    assert repo.cli("pr", "ready", "1") == 0
    assert "(open)" in capsys.readouterr().out
    assert repo.cli("pr", "merge", "1") == 0
    assert repo.cli("pr", "close", "2") == 0
    capsys.readouterr()
    assert repo.cli("pr", "list", "--state", "all", "--json") == 0
    assert [pr["state"] for pr in json.loads(capsys.readouterr().out)] == ["merged", "closed"]


def test_forge_checks(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    sha = repo.git.rev_parse("HEAD")
    assert sha is not None
    assert repo.cli("forge", "checks", sha) == 0
    assert repo.cli("forge", "checks", sha, "--set", "forge.require-checks=true") == 0
    assert repo.cli("forge", "checks", sha, "failure") == 0
    assert repo.cli("forge", "checks", sha[:10]) == 0
    assert capsys.readouterr().out.split() == ["success", "pending", "failure", "failure"]
    assert repo.forge().check_state(sha) == "failure"


def test_forge_advisories(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        repo.cli("forge", "advisory", "add", "--id", "GHSA-x", "--title", "Overflow", "--package", "demo")
        == 0
    )
    assert repo.cli("forge", "advisory", "list") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "GHSA-x  Overflow (demo)"
    assert [i.id for i in repo.forge().open_security_issues()] == ["GHSA-x"]
    assert repo.cli("forge", "advisory", "close", "GHSA-x") == 0
    assert repo.cli("forge", "advisory", "list", "--json") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "[]"
    assert repo.cli("forge", "advisory", "close", "GHSA-nope") == 7
    assert "no security issue 'GHSA-nope'" in capsys.readouterr().err


def test_releases_command(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    forge = repo.forge()
    sha = repo.git.rev_parse("HEAD")
    assert sha is not None
    for tag in ("v1.0.0", "v2.0.0-rc.1"):
        forge.create_tag(tag, sha)
    forge.upsert_release(Release("v1.0.0", "Demo 1.0.0", "notes", latest=True))
    forge.upsert_release(Release("v2.0.0-rc.1", "Demo 2.0.0-rc.1", "notes", prerelease=True))

    assert repo.cli("releases") == 0
    assert capsys.readouterr().out.splitlines() == [
        "v1.0.0  Demo 1.0.0  [latest]",
        "v2.0.0-rc.1  Demo 2.0.0-rc.1  [pre-release]",
    ]
    assert repo.cli("releases", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["tag"], r["latest"], r["prerelease"], r["assets"]) for r in data] == [
        ("v1.0.0", True, False, []),
        ("v2.0.0-rc.1", False, True, []),
    ]


def test_a_missing_forge_path_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = Repo(tmp_path)
    repo.commit({"release-train.toml": '[forge]\nkind = "local"\n'}, "Initial commit")
    assert repo.cli("pr", "list") == 3
    err = capsys.readouterr().err
    assert "needs [forge] path" in err
    assert "release-train forge init" in err
