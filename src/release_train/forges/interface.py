"""The forge: where branches, pull requests, tags and releases live.

One Protocol, its frozen value types and its error root. Backends: `local.py` (a bare git
repository as origin plus SQLite, the embedded default) and `github.py`. Every creating method is
idempotent: asked to create what already exists identically, it returns the existing thing; asked
to create something that conflicts, it raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol, cast

from release_train.errors import CapabilityMissing, ReleaseTrainError, require
from release_train.values import dataclass

CheckState = Literal["success", "failure", "pending"]
PrState = Literal["open", "closed", "merged"]
MergeMethod = Literal["squash", "merge"]


class ForgeError(ReleaseTrainError):
    """Root of forge failures."""

    exit_code = 7


class NotFound(ForgeError):
    """The PR, tag, release or branch does not exist."""


class Conflict(ForgeError):
    """Creating something that exists with different content (a tag on another commit...)."""


class NotMergeable(ForgeError):
    """The PR cannot be merged (draft, conflict, closed)."""


__all__ = ["CapabilityMissing"]  # re-exported: callers catch it with the forge's errors


class ForgeCapability(StrEnum):
    """What a forge can do beyond the protocol's core (PRs, merges, tags, releases, checks). Each
    backend declares its set (`Forge.capabilities`); planners check what they need up front
    (`require_forge`), and nothing outside the backends asks which backend it is. The value says
    what it is, for messages."""

    HOLD_PRS = "open pull requests held from merging (drafts)"
    CLOSE_PRS = "close pull requests"
    # The forge runs CI's reactions (tag, publish) in this process on its own pushes and merges,
    # so a flow may merge and then publish the tags itself (the embedded forge); elsewhere CI
    # runs on the forge's side.
    EMBEDDED_CI = "run CI's reactions in this process"
    MERGE_SETTINGS = "report the repository's merge settings"
    FILE_LINKS = "link to a file on a branch"
    LOCAL_RECORDS = "record check states, advisories and push events from the command line"


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    body: str
    head: str  # branch name
    base: str  # branch name
    state: PrState
    draft: bool = False
    url: str = ""
    merge_commit: str | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    tag: str
    name: str
    body: str
    prerelease: bool = False
    latest: bool = False
    draft: bool = False
    assets: tuple[str, ...] = ()  # asset file names
    url: str = ""


@dataclass(frozen=True)
class SecurityIssue:
    """An open security issue or advisory that blocks a release unless overridden."""

    id: str
    title: str
    url: str = ""
    source: str = ""  # "issue", "advisory", "advisory-db"
    packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class PushEvent:
    """A ref moved on the forge: what CI on a real forge would react to."""

    ref: str  # "refs/heads/main", "refs/tags/v1.0.0"
    before: str  # all zeros for a new ref
    after: str


ZERO_SHA = "0" * 40
# Where a forge has no draft PRs (GitHub: private repositories on free plans), a PR is held by a
# title prefix and a label instead; the forge reports it with `draft=True` (and the plain title).
HOLD_PREFIX = "[HOLD] "
HOLD_LABEL = "release-train: hold"

PushHandler = Callable[[PushEvent], None]


class Forge(Protocol):
    @property
    def capabilities(self) -> frozenset[ForgeCapability]:
        """What this forge can do (`ForgeCapability`); methods of a capability it lacks raise
        `CapabilityMissing`."""
        ...

    @property
    def remote_url(self) -> str:
        """What a working repository's `origin` points at (for git fetch/push)."""
        ...

    def push(self, repo: Path, refspecs: Sequence[str], *, force: bool = False) -> list[PushEvent]:
        """Push refs from the working repository `repo`; returns (and reacts to) the push events."""
        ...

    def find_pr(self, head: str, base: str, *, state: PrState | None = "open") -> PullRequest | None:
        """The PR from `head` into `base` (newest first), or None. `state=None` means any state."""
        ...

    def open_pr(self, head: str, base: str, title: str, body: str, *, draft: bool = False) -> PullRequest:
        """Open a PR, or return the open one with the same head and base (title/body updated)."""
        ...

    def update_pr(
        self, number: int, *, title: str | None = None, body: str | None = None, draft: bool | None = None
    ) -> PullRequest: ...

    def get_pr(self, number: int) -> PullRequest: ...

    def list_prs(self, *, state: PrState | None = "open") -> list[PullRequest]: ...

    def merge_pr(self, number: int, *, method: MergeMethod = "squash") -> str:
        """Merge; returns the resulting commit on the base branch and emits the push event."""
        ...

    def check_state(self, sha: str) -> CheckState: ...

    def checks(self, sha: str) -> dict[str, CheckState]:
        """Each check reported on `sha` (status context or check run name) -> its state."""
        ...

    def tags(self) -> dict[str, str]:
        """tag name -> commit sha (peeled)."""
        ...

    def create_tag(self, name: str, sha: str) -> bool:
        """Create tag `name` on `sha`. True when created, False when it already pointed there.
        Raises `Conflict` when it points elsewhere. Emits the push event of a new tag."""
        ...

    def upsert_release(self, release: Release, assets: Sequence[Path] = ()) -> Release:
        """Create the release for `release.tag`, or update it in place; attach assets by name."""
        ...

    def list_releases(self) -> list[Release]: ...

    def open_security_issues(self) -> list[SecurityIssue]: ...

    def close_pr(self, number: int) -> PullRequest:
        """Close an open PR without merging (`CLOSE_PRS`)."""
        ...

    def merge_settings(self) -> dict[str, object]:
        """The repository's merge settings, as GitHub names them (`MERGE_SETTINGS`)."""
        ...

    def file_url(self, branch: str, path: str) -> str:
        """A web link to `path` on `branch` (`FILE_LINKS`)."""
        ...


def require_forge(forge: Forge, *needed: ForgeCapability, needed_by: str, hint: str | None = None) -> None:
    """Refuse with `CapabilityMissing` unless `forge` can do all of `needed`: planners call it
    before their first step."""
    require(forge.capabilities, needed, backend=f"this forge ({forge!r})", needed_by=needed_by, hint=hint)


class ForgeRecords(Forge, Protocol):
    """A forge whose checks, advisories and push log are kept by release-train itself
    (`LOCAL_RECORDS`): `release-train forge checks|advisory|events` write and read them."""

    def set_check(self, sha: str, state: CheckState, *, context: str = "ci") -> None: ...

    def add_security_issue(self, issue: SecurityIssue) -> None: ...

    def close_security_issue(self, issue_id: str) -> bool: ...

    def events(self) -> list[tuple[PushEvent, str, str]]:
        """The push-event log: (event, source, time), oldest first."""
        ...


def records_of(forge: Forge, *, needed_by: str) -> ForgeRecords:
    """`forge` as the keeper of its own records, or `CapabilityMissing`."""
    require(
        forge.capabilities,
        (ForgeCapability.LOCAL_RECORDS,),
        backend=f"this forge ({forge!r})",
        needed_by=needed_by,
        hint="use the forge's own interface (for GitHub: the web UI or gh)",
    )
    return cast(ForgeRecords, forge)
