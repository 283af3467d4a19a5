"""Per-repository settings that change what GitHub does, and the commit messages a merge gets
from them when the caller sends none.

The merge keys are GitHub's own (`GET /repos/{o}/{r}` shows them, `PATCH` changes them; enums
from GitHub's OpenAPI description, operation repos/update). The others model what a repository's
plan, rulesets and apps do: draft support (private repositories on free plans have none), required
status checks, a tag ruleset, when mergeability is computed, the check runs an app posts on each
merge commit, and how long a listing lags behind a write.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from release_train.forges.github_values import MERGE_SETTING_KEYS
from release_train.values import dataclass

SQUASH_TITLES = ("PR_TITLE", "COMMIT_OR_PR_TITLE")
SQUASH_MESSAGES = ("PR_BODY", "COMMIT_MESSAGES", "BLANK")
MERGE_TITLES = ("PR_TITLE", "MERGE_MESSAGE")
MERGE_MESSAGES = ("PR_BODY", "PR_TITLE", "BLANK")
# The keys `GET /repos/{o}/{r}` shows and `PATCH /repos/{o}/{r}` changes.
API_KEYS = (*MERGE_SETTING_KEYS, "delete_branch_on_merge")


@dataclass
class RepoSettings:
    # GitHub's defaults for a new repository, except head-branch deletion (on here, off on GitHub)
    allow_squash_merge: bool = True
    allow_merge_commit: bool = True
    allow_rebase_merge: bool = True
    squash_merge_commit_title: str = "COMMIT_OR_PR_TITLE"
    squash_merge_commit_message: str = "COMMIT_MESSAGES"
    merge_commit_title: str = "MERGE_MESSAGE"
    merge_commit_message: str = "PR_TITLE"
    delete_branch_on_merge: bool = True
    drafts: bool = True  # False: creating a draft PR answers 422, as in a private repo on a free plan
    required_checks: tuple[str, ...] = ()  # contexts / check names a merge waits for
    tag_rules: tuple[str, ...] = ()  # tag name patterns whose creation a ruleset restricts
    bypass_tag_rules: bool = False  # the token is on that ruleset's bypass list
    lazy_mergeable: bool = False  # `mergeable` is null on the first GET after a change
    app_checks: tuple[tuple[str, str, str | None], ...] = ()  # (name, status, conclusion) per merge

    def api_fields(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in API_KEYS}

    def update(self, **values: Any) -> None:
        known = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise TypeError(f"unknown repository setting {key!r}")
            setattr(self, key, tuple(value) if isinstance(value, list) else value)

    def tag_restricted(self, tag: str) -> bool:
        return not self.bypass_tag_rules and any(fnmatch.fnmatchcase(tag, p) for p in self.tag_rules)

    def allows(self, method: str) -> bool:
        return bool(
            {
                "merge": self.allow_merge_commit,
                "squash": self.allow_squash_merge,
                "rebase": self.allow_rebase_merge,
            }[method]
        )


@dataclass(frozen=True)
class PullFacts:
    """What a default merge message is made of."""

    number: int
    title: str
    body: str
    head: str
    owner: str
    messages: Sequence[str]  # the PR's commit messages, oldest first


def squash_message(s: RepoSettings, pr: PullFacts, title: str | None, message: str | None) -> str:
    """A squash commit's message: the caller's `commit_title`/`commit_message`, else the
    repository's defaults. COMMIT_MESSAGES lists each commit as GitHub does (`* ` before its
    subject, blank lines between); BLANK leaves the body empty."""
    if title is None:
        single = len(pr.messages) == 1 and s.squash_merge_commit_title == "COMMIT_OR_PR_TITLE"
        subject = pr.messages[0].splitlines()[0] if single else pr.title
        title = f"{subject} (#{pr.number})"
    if message is None:
        message = {
            "PR_BODY": pr.body,
            "BLANK": "",
            "COMMIT_MESSAGES": _commit_messages(pr.messages),
        }[s.squash_merge_commit_message]
    return _join(title, message)


def _commit_messages(messages: Sequence[str]) -> str:
    if len(messages) == 1:
        return messages[0].partition("\n")[2].strip("\n")
    return "\n\n".join(f"* {m.strip()}" for m in messages)


def merge_message(s: RepoSettings, pr: PullFacts, title: str | None, message: str | None) -> str:
    if title is None:
        title = (
            f"Merge pull request #{pr.number} from {pr.owner}/{pr.head}"
            if s.merge_commit_title == "MERGE_MESSAGE"
            else f"{pr.title} (#{pr.number})"
        )
    if message is None:
        message = {"PR_BODY": pr.body, "PR_TITLE": pr.title, "BLANK": ""}[s.merge_commit_message]
    return _join(title, message)


def _join(title: str, message: str) -> str:
    return f"{title}\n\n{message.strip()}\n" if message.strip() else f"{title}\n"
