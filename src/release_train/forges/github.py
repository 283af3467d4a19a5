"""The GitHub forge: the `Forge` Protocol over GitHub's REST API (version 2022-11-28).

Branches travel through git (the token rides in an environment-only `http.extraheader`, never in a
URL on disk or in argv); PRs, tags, releases and checks go through the API. Every creating call
looks first and creates only what is missing, so a re-run converges. HTTP itself (pagination,
rate-limit waits, token masking) lives in `github_api.Api`.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from release_train.context import Context
from release_train.errors import CapabilityMissing, ConfigError
from release_train.forges.github_api import Api, RateLimited, Token, message_of, token_from_env
from release_train.forges.github_pulls import READ_AGAIN, GitHubPulls
from release_train.forges.github_values import (
    MERGE_SETTING_KEYS,
    advisory_to_security,
    combine_checks,
    issue_to_security,
    same_remote,
    tag_version,
    to_release,
)
from release_train.forges.interface import (
    ZERO_SHA,
    CheckState,
    Conflict,
    ForgeCapability,
    ForgeError,
    MergeMethod,
    PrState,
    PullRequest,
    PushEvent,
    PushHandler,
    Release,
    SecurityIssue,
)
from release_train.infra import proc

__all__ = ["GitHubForge", "RateLimited", "Token", "combine_checks", "token_from_env"]

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SECURITY_QUERY = "is:issue is:open RUSTSEC in:title"


class GitHubForge:
    """A repository on GitHub (or on the local stand-in speaking the same API)."""

    # Drafts, or a hold prefix and label where the repository has none (`github_pulls.py`). CI
    # runs on GitHub (the workflows `init --github` writes), not in this process.
    capabilities: frozenset[ForgeCapability] = frozenset(
        {ForgeCapability.HOLD_PRS, ForgeCapability.MERGE_SETTINGS, ForgeCapability.FILE_LINKS}
    )

    def __init__(
        self,
        repository: str,
        api_url: str = DEFAULT_API_URL,
        token: Token | str | None = None,
        git_remote_url: str | None = None,
        on_push: PushHandler | None = None,
        *,
        ctx: Context | None = None,
        security_query: str = DEFAULT_SECURITY_QUERY,
        require_checks: bool = False,
        transport: Any = None,
    ) -> None:
        owner, slash, name = repository.partition("/")
        if not (owner and slash and name) or "/" in name:
            raise ConfigError(
                f"[project] repository must be OWNER/NAME for the GitHub forge, not {repository!r}",
                hint='set [project] repository = "owner/name" in release-train.toml',
            )
        self.owner, self.name = owner, name
        self.token = Token(token) if isinstance(token, str) else token
        self.ctx = ctx or Context()
        self.on_push = on_push
        self.security_query = security_query
        self.require_checks = require_checks
        self.api = Api(api_url, self.token, self.ctx, transport)
        self.repo = f"/repos/{quote(owner)}/{quote(name)}"
        self.pulls = GitHubPulls(self.api, self.repo, owner, self.ctx)
        self._remote = git_remote_url

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> GitHubForge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GitHubForge({self.owner}/{self.name}, api={self.api.base!r})"

    # --- git -----------------------------------------------------------------------------------
    @property
    def remote_url(self) -> str:
        if self._remote is None:
            self._remote = str(self.api.request("GET", self.repo).json()["clone_url"])
        return self._remote

    def _git(self, repo: Path, *args: str) -> str:
        env, secrets = self._git_auth()
        return proc.run(["git", *args], cwd=repo, env=env, secrets=secrets).stdout

    def _git_auth(self) -> tuple[dict[str, str], list[str]]:
        """Credentials for an https remote, in the environment only. The first entry empties any
        extraheader a CI checkout left in the repository's config (two would both be sent)."""
        url = urlsplit(self.remote_url)
        if not self.token or url.scheme not in ("http", "https"):
            return {}, []
        basic = base64.b64encode(f"x-access-token:{self.token.reveal()}".encode()).decode()
        key = f"http.{url.scheme}://{url.netloc}/.extraheader"
        env = {
            "GIT_CONFIG_COUNT": "2",
            "GIT_CONFIG_KEY_0": key,
            "GIT_CONFIG_VALUE_0": "",
            "GIT_CONFIG_KEY_1": key,
            "GIT_CONFIG_VALUE_1": f"AUTHORIZATION: basic {basic}",
        }
        return env, [self.token.reveal(), basic]

    def _remote_refs(self, repo: Path) -> dict[str, str]:
        refs: dict[str, str] = {}
        for line in self._git(repo, "ls-remote", self.remote_url).splitlines():
            sha, _, ref = line.partition("\t")
            if ref.startswith("refs/") and not ref.endswith("^{}"):
                refs[ref] = sha
        return refs

    def push(self, repo: Path, refspecs: Sequence[str], *, force: bool = False) -> list[PushEvent]:
        before = self._remote_refs(repo)
        flags = ["--force"] if force else []
        self._git(repo, "push", "--quiet", "--porcelain", *flags, self._push_target(repo), *refspecs)
        after = self._remote_refs(repo)
        events = [
            PushEvent(ref, before.get(ref, ZERO_SHA), after.get(ref, ZERO_SHA))
            for ref in sorted(before.keys() | after.keys())
            if before.get(ref) != after.get(ref)
        ]
        for event in events:
            self._emit_push(event)
        return events

    def _push_target(self, repo: Path) -> str:
        """Push through `origin` when it is this repository, so its remote-tracking refs move too."""
        found = proc.run(["git", "config", "--get", "remote.origin.url"], cwd=repo, check=False)
        return "origin" if same_remote(found.stdout.strip(), self.remote_url, repo) else self.remote_url

    def _emit_push(self, event: PushEvent) -> None:
        if self.on_push is not None:
            self.on_push(event)

    def _branch_sha(self, branch: str) -> str | None:
        response = self.api.request("GET", f"{self.repo}/git/ref/heads/{branch}", allow=(404,))
        return None if response.status_code == 404 else str(response.json()["object"]["sha"])

    # --- pull requests (github_pulls.py) ---------------------------------------------------------
    def find_pr(self, head: str, base: str, *, state: PrState | None = "open") -> PullRequest | None:
        return self.pulls.find(head, base, state=state)

    def open_pr(self, head: str, base: str, title: str, body: str, *, draft: bool = False) -> PullRequest:
        return self.pulls.open(head, base, title, body, draft=draft)

    def update_pr(
        self, number: int, *, title: str | None = None, body: str | None = None, draft: bool | None = None
    ) -> PullRequest:
        return self.pulls.update(number, title=title, body=body, draft=draft)

    def get_pr(self, number: int) -> PullRequest:
        return self.pulls.get(number)

    def list_prs(self, *, state: PrState | None = "open") -> list[PullRequest]:
        return self.pulls.list(state=state)

    def merge_pr(self, number: int, *, method: MergeMethod = "squash") -> str:
        pr, data = self.pulls.mergeable(number)
        if pr.state == "merged":
            return str(data["merge_commit_sha"])  # an earlier run merged it
        before = self._branch_sha(pr.base) or ZERO_SHA
        sha = self.pulls.merge(pr, data, method)
        self._emit_push(PushEvent(f"refs/heads/{pr.base}", before, sha))
        return sha

    def close_pr(self, number: int) -> PullRequest:
        raise CapabilityMissing(
            "release-train does not close pull requests on GitHub",
            hint="close it in the web UI or with `gh pr close`",
        )

    def file_url(self, branch: str, path: str) -> str:
        return f"https://github.com/{self.owner}/{self.name}/blob/{branch}/{path}"

    def merge_settings(self) -> dict[str, Any]:
        """The repository's merge settings (`GET /repos/{o}/{r}`; absent keys: the token cannot
        see them)."""
        data: dict[str, Any] = self.api.request("GET", self.repo).json()
        return {key: data[key] for key in MERGE_SETTING_KEYS if key in data}

    # --- checks ----------------------------------------------------------------------------------
    def _signals(self, sha: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The latest statuses (one per context) and the latest check runs of `sha`."""
        combined = self.api.request("GET", f"{self.repo}/commits/{sha}/status").json()
        runs = list(
            self.api.paginate(f"{self.repo}/commits/{sha}/check-runs", {"filter": "latest"}, "check_runs")
        )
        return list(combined.get("statuses", [])), runs

    def check_state(self, sha: str) -> CheckState:
        statuses, runs = self._signals(sha)
        state = combine_checks(statuses, runs)
        if state == "pending" and not statuses and not runs and not self.require_checks:
            return "success"  # nothing reports on this commit and the settings do not ask for checks
        return state

    def checks(self, sha: str) -> dict[str, CheckState]:
        statuses, runs = self._signals(sha)
        named = {str(s["context"]): combine_checks([s], []) for s in statuses}
        named.update({str(r["name"]): combine_checks([], [r]) for r in runs})
        return named

    # --- tags ------------------------------------------------------------------------------------
    def tags(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for ref in self.api.paginate(f"{self.repo}/git/matching-refs/tags"):
            result[ref["ref"].removeprefix("refs/tags/")] = self._peel(ref["object"])
        return result

    def _peel(self, obj: Mapping[str, Any]) -> str:
        """The commit an annotated tag (possibly a tag of a tag) points at."""
        while obj["type"] == "tag":
            obj = self.api.request("GET", f"{self.repo}/git/tags/{obj['sha']}").json()["object"]
        return str(obj["sha"])

    def create_tag(self, name: str, sha: str) -> bool:
        payload = {"ref": f"refs/tags/{name}", "sha": sha}
        response = self.api.request("POST", f"{self.repo}/git/refs", json=payload, allow=(422,))
        if response.status_code == 422:
            message = message_of(response)
            if message != "Reference already exists":
                raise ForgeError(
                    f"GitHub refused tag {name} on {sha}: {self.api.token.mask(message)}",
                    hint=_tag_refusal_hint(message),
                )
            existing = self._existing_tag(name)
            if existing != sha:
                raise Conflict(
                    f"tag {name} already exists on {existing[:12]}, not on {sha[:12]}",
                    hint="a version is tagged once; bump to a new version instead of moving the tag",
                )
            return False
        self._emit_push(PushEvent(f"refs/tags/{name}", ZERO_SHA, sha))
        return True

    def _existing_tag(self, name: str) -> str:
        """The commit of a tag GitHub says exists; a read right after a write may not show it
        yet, so it is read again a few times before that counts as a conflict."""
        url = f"{self.repo}/git/ref/tags/{quote(name)}"
        response = self.api.request("GET", url, allow=(404,))
        for delay in READ_AGAIN:
            if response.status_code != 404:
                break
            self.ctx.clock.sleep(delay)
            response = self.api.request("GET", url, allow=(404,))
        if response.status_code == 404:
            raise Conflict(
                f"GitHub says tag {name} exists, but reading it keeps answering 404",
                hint="look at the repository's tags on GitHub and run again; nothing was changed",
            )
        return self._peel(response.json()["object"])

    # --- releases --------------------------------------------------------------------------------
    def _find_release(self, tag: str, listing: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
        """By tag from the listing: the by-tag endpoint shows published releases only, and a draft
        (an earlier run that stopped before publishing) must be found too."""
        return next((r for r in listing if r["tag_name"] == tag), None)

    def _is_highest(self, release: Release, others: Sequence[Mapping[str, Any]]) -> bool:
        """Mark "latest" when the caller asks for it and no published release has a higher
        version: a patch of an old line never takes it, whatever order releases are made in."""
        if not release.latest or release.draft or release.prerelease:
            return False
        mine = tag_version(release.tag)
        if mine is None:
            return True  # a tag we cannot read a version from: the caller decided
        for other in others:
            theirs = tag_version(str(other["tag_name"]))
            if other["draft"] or other["prerelease"] or theirs is None or other["tag_name"] == release.tag:
                continue
            if theirs > mine:
                return False
        return True

    def upsert_release(self, release: Release, assets: Sequence[Path] = ()) -> Release:
        listing = list(self.api.paginate(f"{self.repo}/releases"))
        existing = self._find_release(release.tag, listing)
        latest = self._is_highest(release, listing)
        fields = {
            "tag_name": release.tag,
            "name": release.name,
            "body": release.body,
            "prerelease": release.prerelease,
            "draft": release.draft,
            "make_latest": "true" if latest else "false",
        }
        if existing is None and not (assets and not release.draft):
            return to_release(self.api.request("POST", f"{self.repo}/releases", json=fields).json(), latest)
        if existing is None:
            # GitHub's documented order (the only one immutable releases accept): create a draft,
            # attach the assets, then publish.
            draft = {**fields, "draft": True, "make_latest": "false"}
            existing = self.api.request("POST", f"{self.repo}/releases", json=draft).json()
        self._sync_assets(existing, assets)
        data = self.api.request("PATCH", f"{self.repo}/releases/{existing['id']}", json=fields).json()
        return to_release(data, latest)

    def _sync_assets(self, release: Mapping[str, Any], paths: Sequence[Path]) -> None:
        if not paths:
            return
        current = {a["name"]: a for a in self.api.paginate(f"{self.repo}/releases/{release['id']}/assets")}
        upload = str(release["upload_url"]).split("{", 1)[0]
        for path in paths:
            content = path.read_bytes()
            old = current.get(path.name)
            if old is not None and old.get("digest") == f"sha256:{hashlib.sha256(content).hexdigest()}":
                continue  # already there, byte for byte
            if old is not None:
                self.api.request("DELETE", f"{self.repo}/releases/assets/{old['id']}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.api.request(
                "POST", upload, params={"name": path.name}, content=content, headers={"Content-Type": kind}
            )

    def list_releases(self) -> list[Release]:
        response = self.api.request("GET", f"{self.repo}/releases/latest", allow=(404,))
        latest = response.json().get("tag_name") if response.status_code == 200 else None
        listing = [to_release(r, r["tag_name"] == latest) for r in self.api.paginate(f"{self.repo}/releases")]
        return listing[::-1]  # oldest first, as the local forge lists them (GitHub: newest first)

    # --- security --------------------------------------------------------------------------------
    def open_security_issues(self) -> list[SecurityIssue]:
        query = {"q": f"repo:{self.owner}/{self.name} {self.security_query}"}
        found = [issue_to_security(i) for i in self.api.paginate("/search/issues", query, "items")]
        for state in ("triage", "draft"):
            url = f"{self.repo}/security-advisories"
            response = self.api.request("GET", url, params={"state": state, "per_page": 1}, allow=(403, 404))
            if response.status_code != 200:
                # Unpublished advisories are visible to security managers only (never GITHUB_TOKEN).
                self.ctx.emit("warn", "cannot read repository security advisories with this token; skipped")
                break
            found += [advisory_to_security(a) for a in self.api.paginate(url, {"state": state})]
        return found


def _tag_refusal_hint(message: str) -> str | None:
    if "does not exist" in message:
        return "push the commit to GitHub first"
    if "rule violation" in message.lower():
        return (
            "a tag ruleset restricts creating this tag: add the token's app or user to the "
            "ruleset's bypass list (Settings > Rules > Rulesets), or exempt the release tag pattern"
        )
    return None
