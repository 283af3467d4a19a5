"""The stand-in's memory: one repository's settings, PRs, releases, statuses, check runs, issues
and advisories, plus the fault knobs tests turn (rate limits, failing every request, listings that
lag behind writes). Git refs are not kept here: the bare repository beside the server is their
only truth."""

from __future__ import annotations

import threading
from typing import Any

from release_train.github_standin.settings import RepoSettings
from release_train.values import dataclass, field


@dataclass
class Pull:
    number: int
    head: str
    base: str
    title: str
    body: str
    draft: bool
    created_at: str
    state: str = "open"  # open | closed
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    head_sha_at_close: str | None = None
    base_sha_at_merge: str | None = None
    updated_at: str = ""
    labels: list[str] = field(default_factory=list)
    mergeable_for: tuple[str, str] | None = None  # (base, head) whose mergeability is computed


@dataclass
class Asset:
    id: int
    name: str
    label: str
    content_type: str
    data: bytes
    digest: str
    created_at: str


@dataclass
class ReleaseRow:
    id: int
    tag_name: str
    target_commitish: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    created_at: str
    published_at: str | None
    assets: list[Asset] = field(default_factory=list)


@dataclass
class Limits:
    """Fault knobs. Each counter is the number of upcoming requests it affects."""

    primary_exhausted: int = 0
    primary_reset: int = 0  # epoch seconds announced in x-ratelimit-reset while exhausted
    limit_status: int = 403  # GitHub answers rate limits with 403 or 429
    secondary: int = 0
    secondary_retry_after: int | None = 60  # None: answer without retry-after (message only)
    fail_all: int | None = None  # a status code every request gets, or None
    echo_auth: bool = False  # a failing answer quotes the Authorization header back (a leaky proxy)
    used: int = 0
    lag_reads: int = 0  # listings and ref reads still to miss what was written since `lag` was set
    lagging: set[str] = field(default_factory=set)  # "pull:N" and "ref:refs/..." written meanwhile

    def lags(self, key: str) -> bool:
        """Whether a read misses `key` (a read of a lagging listing uses up one lagging read)."""
        return self.lag_reads > 0 and key in self.lagging

    def read_done(self) -> None:
        if self.lag_reads > 0:
            self.lag_reads -= 1
            if not self.lag_reads:
                self.lagging.clear()

    def wrote(self, key: str) -> None:
        if self.lag_reads > 0:
            self.lagging.add(key)


@dataclass
class State:
    owner: str
    name: str
    token: str | None
    lock: threading.RLock = field(default_factory=threading.RLock)
    limits: Limits = field(default_factory=Limits)
    settings: RepoSettings = field(default_factory=RepoSettings)
    pulls: dict[int, Pull] = field(default_factory=dict)
    releases: dict[int, ReleaseRow] = field(default_factory=dict)
    latest_release: int | None = None
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sha -> newest last
    check_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    advisories: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # "METHOD /path?query", for tests to read
    # one counter for every object id; issues and PRs share GitHub's numbering
    next_id: int = 1000
    next_number: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def new_number(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"
