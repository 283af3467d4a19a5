"""Pure pieces of the GitHub forge: the token wrapper, where the token is read from, `Link`
parsing, the check-state rule and the repository setting."""

from __future__ import annotations

import pytest

from release_train.errors import ConfigError
from release_train.forges.github import GitHubForge, Token, combine_checks, token_from_env
from release_train.forges.github_api import next_link


def test_token_never_shows_itself() -> None:
    token = Token("ghp_abc123")
    assert repr(token) == "Token('***')"
    assert str(token) == "***"
    assert f"{token}" == "***"
    assert repr([token]) == "[Token('***')]"
    assert token.reveal() == "ghp_abc123"
    assert token.mask("Bearer ghp_abc123 failed") == "Bearer *** failed"
    assert not Token("")


def test_token_comes_from_the_first_set_variable() -> None:
    names = ["RELEASE_TRAIN_TOKEN", "GITHUB_TOKEN"]
    assert token_from_env(names, {}) is None
    only_github = token_from_env(names, {"GITHUB_TOKEN": "g"})
    assert only_github is not None and only_github.reveal() == "g"
    both = token_from_env(names, {"RELEASE_TRAIN_TOKEN": "r", "GITHUB_TOKEN": "g"})
    assert both is not None and both.reveal() == "r"
    blank = token_from_env(names, {"RELEASE_TRAIN_TOKEN": "  ", "GITHUB_TOKEN": "g"})
    assert blank is not None and blank.reveal() == "g"


def test_next_link_follows_rel_next_as_given() -> None:
    header = (
        '<https://api.github.com/repositories/1/issues?page=2>; rel="prev", '
        '<https://api.github.com/repositories/1/issues?page=4>; rel="next", '
        '<https://api.github.com/repositories/1/issues?page=515>; rel="last", '
        '<https://api.github.com/repositories/1/issues?page=1>; rel="first"'
    )
    assert next_link(header) == "https://api.github.com/repositories/1/issues?page=4"
    assert next_link('<https://x/advisories?after=Y3Vy>; rel="next"') == "https://x/advisories?after=Y3Vy"
    assert next_link('<https://x?page=1>; rel="first"') is None
    assert next_link(None) is None


def run(status: str, conclusion: str | None = None) -> dict[str, str | None]:
    return {"status": status, "conclusion": conclusion}


@pytest.mark.parametrize(
    ("statuses", "runs", "expected"),
    [
        ([], [], "pending"),
        (["success"], [], "success"),
        ([], [run("completed", "neutral")], "success"),
        (["success"], [run("completed", "skipped")], "success"),
        (["error"], [run("completed", "success")], "failure"),
        ([], [run("completed", "cancelled"), run("in_progress")], "failure"),
        ([], [run("completed", "action_required")], "failure"),
        (["pending"], [], "pending"),
        ([], [run("queued")], "pending"),
        ([], [run("completed", "success"), run("completed", None)], "pending"),
    ],
)
def test_check_rule(statuses: list[str], runs: list[dict[str, str | None]], expected: str) -> None:
    assert combine_checks([{"state": s} for s in statuses], runs) == expected


@pytest.mark.parametrize("repository", ["", "octo", "octo/", "/train", "a/b/c"])
def test_repository_must_be_owner_slash_name(repository: str) -> None:
    with pytest.raises(ConfigError, match="OWNER/NAME") as info:
        GitHubForge(repository, "http://127.0.0.1:9", "t")
    assert info.value.hint and "[project] repository" in info.value.hint


def test_repr_shows_no_token() -> None:
    with GitHubForge("octo/train", "http://127.0.0.1:9", "ghp_secret") as forge:
        assert "ghp_secret" not in repr(forge)
        assert "ghp_secret" not in repr(vars(forge))
