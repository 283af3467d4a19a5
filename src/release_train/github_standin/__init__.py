"""A local stand-in for GitHub: an HTTP server on 127.0.0.1 answering the REST endpoints the
GitHub forge uses in GitHub's documented shapes (201 + Location, 204, 404/422 bodies, `Link`
pagination, rate-limit headers), with a bare git repository beside it as the remote. Merges are
real (`git merge-tree --write-tree`, `git commit-tree`, `update-ref`).

    with GitHubStandIn(tmp_path, "octo/train", token="t0k") as gh:
        forge = GitHubForge("octo/train", gh.api_url, "t0k")   # remote: gh.git_dir

Tests turn the knobs: `exhaust_primary`, `secondary_limit`, `fail_every_request`, `lag`, set the
repository's settings with `configure` (merge messages, head-branch deletion, draft support,
required checks, tag rulesets, lazy mergeability, the check runs an app posts on merges; see
`settings.RepoSettings`), and seed CI results, issues and advisories with `set_status`,
`add_check_run`, `complete_check_run`, `add_issue`, `add_advisory`.

Request bodies and query strings are checked against the types and enums of GitHub's OpenAPI
description (`schema.py`) and refused in GitHub's shapes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from release_train.github_standin import checks
from release_train.github_standin.core import Core
from release_train.github_standin.server import make_server
from release_train.github_standin.state import State
from release_train.infra.clock import Clock, SystemClock
from release_train.infra.git import Git, init_repo

__all__ = ["GitHubStandIn"]


class GitHubStandIn:
    def __init__(
        self,
        root: Path,
        repository: str = "octo/train",
        *,
        token: str | None = None,
        clock: Clock | None = None,
        git_dir: Path | None = None,
        port: int = 0,
    ) -> None:
        owner, _, name = repository.partition("/")
        bare = git_dir or root / f"{name}.git"
        if not (bare / "HEAD").exists():
            init_repo(bare, bare=True)
        self.core = Core(State(owner, name, token), Git(bare), clock or SystemClock())
        self._port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # --- life cycle ------------------------------------------------------------------------------
    def bind(self) -> str:
        """Listen on 127.0.0.1 (the port given, or a free one); returns the API URL."""
        if self._server is None:
            self._server = make_server(self.core, self._port)
        return self.api_url

    def start(self) -> GitHubStandIn:
        """Serve from a background thread (tests)."""
        self.bind()
        # A short poll keeps `stop()` quick (shutdown waits for the loop to notice).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="github-standin", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI) until interrupted."""
        self.bind()
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- where it is -----------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return self.core.base_url

    @property
    def git_dir(self) -> Path:
        return self.core.git_dir

    @property
    def state(self) -> State:
        return self.core.state

    @property
    def requests(self) -> list[str]:
        """Every request so far as "METHOD /path?query"."""
        with self.state.lock:
            return list(self.state.requests)

    # --- fault knobs -----------------------------------------------------------------------------
    def exhaust_primary(self, requests: int, reset_at: int, *, status: int = 403) -> None:
        """The next `requests` requests get `status` (403 or 429) with `x-ratelimit-remaining: 0`
        and `x-ratelimit-reset: reset_at`."""
        with self.state.lock:
            self.state.limits.primary_exhausted, self.state.limits.primary_reset = requests, reset_at
            self.state.limits.limit_status = status

    def secondary_limit(self, requests: int, retry_after: int | None = 60, *, status: int = 403) -> None:
        """The next `requests` requests hit the secondary limit (`status`, 403 or 429; with
        `retry-after` unless None)."""
        with self.state.lock:
            self.state.limits.secondary, self.state.limits.secondary_retry_after = requests, retry_after
            self.state.limits.limit_status = status

    def fail_every_request(self, status: int = 500, *, echo_auth: bool = False) -> None:
        """Every request fails with `status`; `echo_auth` quotes the Authorization header back, as a
        leaky proxy might, so tests can prove the client masks it."""
        with self.state.lock:
            self.state.limits.fail_all, self.state.limits.echo_auth = status, echo_auth

    def heal(self) -> None:
        with self.state.lock:
            self.state.limits.fail_all = None

    def lag(self, reads: int) -> None:
        """PRs and refs created from now on are missing from the next `reads` PR listings and ref
        reads, as GitHub's replicas can answer right after a write."""
        with self.state.lock:
            self.state.limits.lag_reads = reads
            self.state.limits.lagging.clear()

    # --- repository settings ---------------------------------------------------------------------
    def configure(self, **settings: Any) -> None:
        """Change repository settings (`settings.RepoSettings` fields), e.g.
        `configure(squash_merge_commit_message="BLANK", drafts=False, required_checks=["ci"])`."""
        with self.state.lock:
            self.state.settings.update(**settings)

    # --- seeding ---------------------------------------------------------------------------------
    def set_status(self, sha: str, state: str, context: str = "ci") -> None:
        with self.state.lock:
            entry = {
                "id": self.state.new_id(),
                "state": state,
                "context": context,
                "created_at": self.core.now(),
            }
            self.state.statuses.setdefault(sha, []).append(entry)

    def add_check_run(
        self, sha: str, name: str, status: str = "completed", conclusion: str | None = None
    ) -> None:
        with self.state.lock:
            self.core.add_check_run(sha, name, status, conclusion)

    def complete_check_run(self, sha: str, name: str, conclusion: str = "success") -> None:
        """The newest run `name` on `sha` finishes with `conclusion`."""
        with self.state.lock:
            run = [r for r in self.state.check_runs.get(sha, []) if r["name"] == name][-1]
            run.update(status="completed", conclusion=conclusion, completed_at=self.core.now())

    def check_runs(self, sha: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [dict(run) for run in self.state.check_runs.get(sha, [])]

    def add_issue(self, title: str, body: str = "", state: str = "open") -> int:
        with self.state.lock:
            return int(checks.add_issue(self.core, title, body, state)["number"])

    def add_advisory(
        self, summary: str, *, state: str = "triage", packages: tuple[str, ...] = (), ghsa_id: str = ""
    ) -> str:
        with self.state.lock:
            advisory = checks.add_advisory(
                self.core, summary, state=state, packages=packages, ghsa_id=ghsa_id
            )
            return str(advisory["ghsa_id"])
