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
from release_train.errors import ConfigError
from release_train.forges.github_api import Api, RateLimited, Token, error_items, message_of, token_from_env
from release_train.forges.github_values import (
    advisory_to_security,
    combine_checks,
    graphql_url,
    issue_to_security,
    list_state,
    same_remote,
    tag_version,
    to_pr,
    to_release,
)
from release_train.forges.interface import (
    ZERO_SHA,
    CheckState,
    Conflict,
    ForgeError,
    MergeMethod,
    NotMergeable,
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

    # --- pull requests ---------------------------------------------------------------------------
    def find_pr(self, head: str, base: str, *, state: PrState | None = "open") -> PullRequest | None:
        # GitHub silently ignores a bare `head=branch`; it must be `owner:branch`.
        query = {"head": f"{self.owner}:{head}", "base": base, "state": list_state(state)}
        for item in self.api.paginate(f"{self.repo}/pulls", query):
            pr = to_pr(item)
            if pr.head == head and pr.base == base and (state is None or pr.state == state):
                return pr
        return None

    def open_pr(self, head: str, base: str, title: str, body: str, *, draft: bool = False) -> PullRequest:
        existing = self.find_pr(head, base)
        if existing is None:
            payload = {"head": head, "base": base, "title": title, "body": body, "draft": draft}
            response = self.api.request("POST", f"{self.repo}/pulls", json=payload, allow=(422,))
            if response.status_code != 422:
                return to_pr(response.json())
            # Someone (an earlier run) opened it between our look and our create.
            if "already exists" not in " ".join(error_items(response)):
                raise self.api.error(response, f"opening the PR {head} -> {base}")
            existing = self.find_pr(head, base)
            if existing is None:
                raise Conflict(
                    f"GitHub says a PR from {head} already exists, but not one into {base}",
                    hint=f"close or retarget the open PR from {head}, then run again",
                )
        if existing.title == title and existing.body == body:
            return existing
        return self.update_pr(existing.number, title=title, body=body)

    def update_pr(
        self, number: int, *, title: str | None = None, body: str | None = None, draft: bool | None = None
    ) -> PullRequest:
        changes = {k: v for k, v in (("title", title), ("body", body)) if v is not None}
        if changes:
            data = self.api.request("PATCH", f"{self.repo}/pulls/{number}", json=changes).json()
        else:
            data = self._raw_pr(number)
        if draft is not None and bool(data.get("draft")) != draft:
            self._set_draft(str(data["node_id"]), draft)
            data = self._raw_pr(number)
        return to_pr(data)

    def _set_draft(self, node_id: str, draft: bool) -> None:
        """REST cannot change draft status; GraphQL can."""
        mutation = "convertPullRequestToDraft" if draft else "markPullRequestReadyForReview"
        query = f"mutation($id: ID!) {{ {mutation}(input: {{pullRequestId: $id}}) {{ pullRequest {{ isDraft }} }} }}"
        data = self.api.request(
            "POST", graphql_url(self.api.base), json={"query": query, "variables": {"id": node_id}}
        ).json()
        if data.get("errors"):
            messages = "; ".join(str(e.get("message", e)) for e in data["errors"])
            raise ForgeError(f"GitHub GraphQL {mutation} failed: {self.api.token.mask(messages)}")

    def _raw_pr(self, number: int) -> dict[str, Any]:
        data: dict[str, Any] = self.api.request("GET", f"{self.repo}/pulls/{number}").json()
        return data

    def get_pr(self, number: int) -> PullRequest:
        return to_pr(self._raw_pr(number))

    def list_prs(self, *, state: PrState | None = "open") -> list[PullRequest]:
        # Oldest first, as the local forge lists them (GitHub's default is newest first).
        query = {"state": list_state(state), "sort": "created", "direction": "asc"}
        prs = [to_pr(i) for i in self.api.paginate(f"{self.repo}/pulls", query)]
        return [pr for pr in prs if state is None or pr.state == state]

    def merge_pr(self, number: int, *, method: MergeMethod = "squash") -> str:
        data = self._raw_pr(number)
        pr = to_pr(data)
        if pr.state == "merged":
            return str(data["merge_commit_sha"])  # an earlier run merged it
        if pr.state == "closed":
            raise NotMergeable(f"PR #{number} is closed", hint="reopen it on GitHub or open a new one")
        if pr.draft:
            raise NotMergeable(f"PR #{number} is still a draft", hint="mark it ready for review first")
        before = self._branch_sha(pr.base) or ZERO_SHA
        payload = {"merge_method": method, "sha": data["head"]["sha"]}
        response = self.api.request(
            "PUT", f"{self.repo}/pulls/{number}/merge", json=payload, allow=(405, 409, 422)
        )
        if response.status_code != 200:
            raise NotMergeable(
                f"GitHub refused to merge PR #{number}: {self.api.token.mask(message_of(response))}",
                hint="resolve what GitHub reports (checks, conflicts, a moved head), then run again",
            )
        sha = str(response.json()["sha"])
        self._emit_push(PushEvent(f"refs/heads/{pr.base}", before, sha))
        return sha

    # --- checks ----------------------------------------------------------------------------------
    def check_state(self, sha: str) -> CheckState:
        combined = self.api.request("GET", f"{self.repo}/commits/{sha}/status").json()
        runs = list(
            self.api.paginate(f"{self.repo}/commits/{sha}/check-runs", {"filter": "latest"}, "check_runs")
        )
        state = combine_checks(combined.get("statuses", []), runs)
        if state == "pending" and not combined.get("statuses") and not runs and not self.require_checks:
            return "success"  # nothing reports on this commit and the settings do not ask for checks
        return state

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
                    hint="push the commit to GitHub first" if "does not exist" in message else None,
                )
            existing = self._peel(
                self.api.request("GET", f"{self.repo}/git/ref/tags/{name}").json()["object"]
            )
            if existing != sha:
                raise Conflict(
                    f"tag {name} already exists on {existing[:12]}, not on {sha[:12]}",
                    hint="a version is tagged once; bump to a new version instead of moving the tag",
                )
            return False
        self._emit_push(PushEvent(f"refs/tags/{name}", ZERO_SHA, sha))
        return True

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
