"""GitHub's JSON turned into forge values, and the pure rules the GitHub forge applies: how
statuses and check runs combine into one state, which version a tag names. No I/O here."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from release_train.forges.interface import (
    HOLD_LABEL,
    HOLD_PREFIX,
    CheckState,
    PrState,
    PullRequest,
    Release,
    SecurityIssue,
)
from release_train.model.version import Version

# Conclusions that make a check run red; success/neutral/skipped are green (GitHub's own rule for
# required checks), anything not completed is pending.
RED_CONCLUSIONS = frozenset(
    {"failure", "timed_out", "cancelled", "action_required", "startup_failure", "stale"}
)
GREEN_CONCLUSIONS = frozenset({"success", "neutral", "skipped"})
# The merge settings of a repository as `GET /repos/{o}/{r}` shows them (`PATCH` changes them).
MERGE_SETTING_KEYS = (
    "allow_squash_merge",
    "allow_merge_commit",
    "allow_rebase_merge",
    "squash_merge_commit_title",
    "squash_merge_commit_message",
    "merge_commit_title",
    "merge_commit_message",
)
_VERSION_IN_TAG = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
_RUSTSEC = re.compile(r"RUSTSEC-\d{4}-\d{4}")


def combine_checks(statuses: Sequence[Mapping[str, Any]], runs: Sequence[Mapping[str, Any]]) -> CheckState:
    """One state from the combined status (latest per context) and the latest check runs.

    Red when any status is failure/error or any completed run ended red; pending when anything is
    still running or nothing has reported at all (an Actions-only repository has no statuses, so
    GitHub's combined "pending" with zero statuses means "absent", not "waiting"); else green."""
    states = [s.get("state") for s in statuses]
    if any(s in ("failure", "error") for s in states):
        return "failure"
    if any(r.get("status") == "completed" and r.get("conclusion") in RED_CONCLUSIONS for r in runs):
        return "failure"
    if not states and not runs:
        return "pending"
    if any(s != "success" for s in states):
        return "pending"
    if any(r.get("status") != "completed" or r.get("conclusion") not in GREEN_CONCLUSIONS for r in runs):
        return "pending"
    return "success"


def tag_version(tag: str) -> Version | None:
    """The version inside a tag (`v1.2.3`, `railcar-v1.2.3-rc.1`), or None."""
    match = _VERSION_IN_TAG.search(tag)
    return Version.parse(match.group(0)) if match and Version.is_valid(match.group(0)) else None


def same_remote(url: str, ours: str, repo: Path) -> bool:
    if not url:
        return False
    if "://" in url or "://" in ours or url.startswith("git@"):
        return url.rstrip("/").removesuffix(".git") == ours.rstrip("/").removesuffix(".git")
    path = Path(url) if Path(url).is_absolute() else repo / url
    return path.resolve() == Path(ours).resolve()


def list_state(state: PrState | None) -> str:
    return "all" if state is None else "open" if state == "open" else "closed"


def graphql_url(api_base: str) -> str:
    # GitHub Enterprise Server serves REST at /api/v3 and GraphQL at /api/graphql.
    if api_base.endswith("/api/v3"):
        return api_base.removesuffix("/v3") + "/graphql"
    return f"{api_base}/graphql"


def labels_of(data: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(label["name"]) for label in data.get("labels", []))


def is_held(data: Mapping[str, Any]) -> bool:
    """A PR held without GitHub's draft flag (a repository without drafts): the hold label."""
    return HOLD_LABEL in labels_of(data)


def to_pr(data: Mapping[str, Any]) -> PullRequest:
    """A held PR reads as a draft (every holding rule treats both the same), titled without its
    `[HOLD] ` prefix (the title the train gave it)."""
    merged = bool(data.get("merged_at")) or data.get("merged") is True
    state: PrState = "merged" if merged else ("open" if data["state"] == "open" else "closed")
    held = is_held(data)
    title = str(data["title"])
    return PullRequest(
        number=int(data["number"]),
        title=title.removeprefix(HOLD_PREFIX) if held else title,
        body=str(data.get("body") or ""),
        head=str(data["head"]["ref"]),
        base=str(data["base"]["ref"]),
        state=state,
        draft=bool(data.get("draft")) or held,
        url=str(data.get("html_url", "")),
        merge_commit=str(data["merge_commit_sha"]) if merged and data.get("merge_commit_sha") else None,
        labels=labels_of(data),
    )


def to_release(data: Mapping[str, Any], latest: bool) -> Release:
    return Release(
        tag=str(data["tag_name"]),
        name=str(data.get("name") or ""),
        body=str(data.get("body") or ""),
        prerelease=bool(data["prerelease"]),
        latest=latest,
        draft=bool(data["draft"]),
        assets=tuple(sorted(str(a["name"]) for a in data.get("assets", []))),
        url=str(data.get("html_url", "")),
    )


def issue_to_security(item: Mapping[str, Any]) -> SecurityIssue:
    title = str(item["title"])
    match = _RUSTSEC.search(title)
    return SecurityIssue(
        id=match.group(0) if match else f"#{item['number']}",
        title=title,
        url=str(item.get("html_url", "")),
        source="issue",
    )


def advisory_to_security(item: Mapping[str, Any]) -> SecurityIssue:
    packages = tuple(str(v["package"]["name"]) for v in item.get("vulnerabilities") or [] if v.get("package"))
    return SecurityIssue(
        id=str(item["ghsa_id"]),
        title=str(item.get("summary", "")),
        url=str(item.get("html_url", "")),
        source="advisory",
        packages=packages,
    )
