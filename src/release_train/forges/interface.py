"""The forge: where branches, pull requests, tags and releases live.

One Protocol, its frozen value types and its error root. Backends: `local.py` (a bare git
repository as origin plus SQLite, the embedded default) and `github.py`. Every creating method is
idempotent: asked to create what already exists identically, it returns the existing thing; asked
to create something that conflicts, it raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from release_train.errors import ReleaseTrainError

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


class CapabilityMissing(ForgeError):
    """The backend cannot do this; planners check before they start."""


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
