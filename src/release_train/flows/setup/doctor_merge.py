"""`doctor`, GitHub's merge settings: what a person merging a release PR in the web UI would
get, and whether the marker survives it.

The train's own merges (`release-train pr merge`) send the commit message themselves, so the
settings never matter to them. A person's merge takes the repository's defaults: a rebase or a
merge commit keeps the release commit as it is; a squash takes `squash_merge_commit_message`:
`COMMIT_MESSAGES` keeps the commit's marker line, `PR_BODY` keeps the one the release PR's body
ends with, and `BLANK` keeps nothing, so the release is never tagged and nothing says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from release_train.config import Settings
from release_train.errors import ReleaseTrainError
from release_train.flows.setup.doctor import Check
from release_train.forges.interface import Forge, ForgeCapability

NAME = "merge settings"


def checks(s: Settings, forge: Forge) -> list[Check]:
    if ForgeCapability.MERGE_SETTINGS not in forge.capabilities:
        return []
    try:
        found: Mapping[str, Any] = forge.merge_settings()
    except ReleaseTrainError as exc:
        return [Check(NAME, "warn", f"cannot read the repository's merge settings: {exc.message}", _look(s))]
    return [judge(found, s.project.repository)]


def judge(found: Mapping[str, Any], repository: str) -> Check:
    """One check from the settings `GET /repos/{o}/{r}` shows (they are absent for a token
    without push access)."""
    if "allow_squash_merge" not in found:
        return Check(
            NAME,
            "warn",
            "the token cannot see the repository's merge settings (they need push access)",
            f"check the default squash message yourself: {_where()}; it must not be a blank message",
        )
    said = []
    if found.get("allow_merge_commit"):
        said.append("merge commits keep the release commit")
    if found.get("allow_rebase_merge"):
        said.append("rebase merges keep it")
    message = found.get("squash_merge_commit_message")
    if found.get("allow_squash_merge") and message == "BLANK":
        return Check(
            NAME,
            "warn",
            "a squash merge in the web UI starts from a blank commit message (squash_merge_commit_message"
            " = BLANK): a release PR squashed that way loses the release marker, so it is never tagged",
            f"set the default squash message to the PR description or the commit messages ({_where()}), e.g. "
            f"`gh api -X PATCH repos/{repository or 'OWNER/NAME'} -f squash_merge_commit_message=PR_BODY`; "
            "or merge release PRs with `release-train pr merge N`, which writes the message itself",
        )
    if found.get("allow_squash_merge"):
        kept = {
            "PR_BODY": "squash merges take the PR description, whose last line is the marker",
            "COMMIT_MESSAGES": "squash merges take the commit messages, marker line included",
        }
        said.append(kept.get(str(message), f"squash merges default to {message}"))
    return Check(NAME, "ok", "a release PR merged in the web UI keeps its marker: " + "; ".join(said))


def _where() -> str:
    return "Settings > General > Pull Requests > Allow squash merging > Default commit message"


def _look(s: Settings) -> str:
    return f"check {_where()} on {s.project.repository or 'the repository'}; it must not be a blank message"
