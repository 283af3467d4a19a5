"""Pull requests on GitHub: find, open, update, hold and merge, for `GitHubForge`.

- Drafts where GitHub has none: a repository that refuses draft PRs (422, private repositories on
  free plans) gets the PR opened ready, with a `[HOLD] ` title prefix and the hold label, and a
  warning says so; `to_pr` reads such a PR as a draft, so every holding rule treats both the same,
  and marking it ready removes the prefix and the label.
- Read after write: right after a 422 "already exists" a listing can still miss the PR; it is
  looked for again a few times (short waits on the injected clock) before anything is concluded.
- Merges send `commit_title` and `commit_message` (`messages.py`), so the repository's default
  squash message (PR body, commit list, blank) never decides whether the marker survives; a
  `mergeable` still being computed (null) is asked again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from release_train.context import Context
from release_train.forges import messages
from release_train.forges.github_api import Api, error_items, message_of
from release_train.forges.github_values import graphql_url, is_held, list_state, to_pr
from release_train.forges.interface import (
    HOLD_LABEL,
    HOLD_PREFIX,
    Conflict,
    ForgeError,
    MergeMethod,
    NotMergeable,
    PrState,
    PullRequest,
)

NO_DRAFTS = "Draft pull requests are not supported"
# Waits (seconds) before each new look after a write the reads may not show yet.
READ_AGAIN = (0.5, 1.0, 2.0, 4.0)


class GitHubPulls:
    def __init__(self, api: Api, repo: str, owner: str, ctx: Context) -> None:
        self.api, self.repo, self.owner, self.ctx = api, repo, owner, ctx

    def find(self, head: str, base: str, *, state: PrState | None = "open") -> PullRequest | None:
        # GitHub silently ignores a bare `head=branch`; it must be `owner:branch`.
        query = {"head": f"{self.owner}:{head}", "base": base, "state": list_state(state)}
        for item in self.api.paginate(f"{self.repo}/pulls", query):
            pr = to_pr(item)
            if pr.head == head and pr.base == base and (state is None or pr.state == state):
                return pr
        return None

    def open(self, head: str, base: str, title: str, body: str, *, draft: bool = False) -> PullRequest:
        existing = self.find(head, base)
        if existing is None:
            created = self._create(head, base, title, body, draft)
            if created is not None:
                return created
            # Someone (an earlier run) opened it between our look and our create.
            existing = self._find_again(head, base)
            if existing is None:
                raise Conflict(
                    f"GitHub says a PR from {head} already exists, but not one into {base}",
                    hint=f"close or retarget the open PR from {head}, then run again",
                )
        if existing.title == title and existing.body == body:
            return existing
        return self.update(existing.number, title=title, body=body)

    def _create(self, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest | None:
        """The new PR, or None when GitHub says one already exists."""
        payload = {"head": head, "base": base, "title": title, "body": body, "draft": draft}
        response = self.api.request("POST", f"{self.repo}/pulls", json=payload, allow=(422,))
        if response.status_code != 422:
            return to_pr(response.json())
        said = " ".join([message_of(response), *error_items(response)])
        if draft and NO_DRAFTS in said:
            return self._create_held(head, base, title, body)
        if "already exists" not in said:
            raise self.api.error(response, f"opening the PR {head} -> {base}")
        return None

    def _create_held(self, head: str, base: str, title: str, body: str) -> PullRequest | None:
        created = self._create(head, base, HOLD_PREFIX + title, body, draft=False)
        if created is None:
            return None
        self._label(created.number, add=True)
        self.ctx.emit(
            "warn",
            f"GitHub has no draft PRs in this repository: opened PR #{created.number} ready, held by "
            f"the {HOLD_PREFIX.strip()} title prefix and the {HOLD_LABEL!r} label until it is released",
            pr=created.number,
        )
        return self.get(created.number)

    def _find_again(self, head: str, base: str) -> PullRequest | None:
        for delay in READ_AGAIN:
            self.ctx.clock.sleep(delay)
            found = self.find(head, base)
            if found is not None:
                return found
        return None

    def update(
        self, number: int, *, title: str | None = None, body: str | None = None, draft: bool | None = None
    ) -> PullRequest:
        data = self.raw(number)
        held = is_held(data)
        releasing = held and draft is False
        changes: dict[str, str] = {}
        if title is not None or releasing:
            plain = title if title is not None else str(data["title"]).removeprefix(HOLD_PREFIX)
            changes["title"] = plain if releasing or not held else HOLD_PREFIX + plain
        if body is not None:
            changes["body"] = body
        if changes:
            data = self.api.request("PATCH", f"{self.repo}/pulls/{number}", json=changes).json()
        if releasing:
            self._label(number, add=False)
            data = self.raw(number)
        elif draft is not None and bool(data.get("draft")) != draft and not (draft and held):
            if not self._set_draft(str(data["node_id"]), draft):
                self._hold(number, str(data["title"]))
            data = self.raw(number)
        return to_pr(data)

    def _hold(self, number: int, title: str) -> None:
        """Hold a PR where GitHub has no drafts: the title prefix and the label."""
        self.api.request("PATCH", f"{self.repo}/pulls/{number}", json={"title": HOLD_PREFIX + title})
        self._label(number, add=True)
        self.ctx.emit(
            "warn",
            f"GitHub has no draft PRs in this repository: PR #{number} is held by the "
            f"{HOLD_PREFIX.strip()} title prefix and the {HOLD_LABEL!r} label instead",
            pr=number,
        )

    def _label(self, number: int, *, add: bool) -> None:
        url = f"{self.repo}/issues/{number}/labels"
        if add:
            self.api.request("POST", url, json={"labels": [HOLD_LABEL]})
        else:
            self.api.request("DELETE", f"{url}/{quote(HOLD_LABEL, safe='')}", allow=(404,))

    def _set_draft(self, node_id: str, draft: bool) -> bool:
        """REST cannot change draft status; GraphQL can. False when the repository has no drafts."""
        mutation = "convertPullRequestToDraft" if draft else "markPullRequestReadyForReview"
        query = f"mutation($id: ID!) {{ {mutation}(input: {{pullRequestId: $id}}) {{ pullRequest {{ isDraft }} }} }}"
        data = self.api.request(
            "POST", graphql_url(self.api.base), json={"query": query, "variables": {"id": node_id}}
        ).json()
        if data.get("errors"):
            said = "; ".join(str(e.get("message", e)) for e in data["errors"])
            if draft and NO_DRAFTS in said:
                return False
            raise ForgeError(f"GitHub GraphQL {mutation} failed: {self.api.token.mask(said)}")
        return True

    def raw(self, number: int) -> dict[str, Any]:
        data: dict[str, Any] = self.api.request("GET", f"{self.repo}/pulls/{number}").json()
        return data

    def get(self, number: int) -> PullRequest:
        return to_pr(self.raw(number))

    def list(self, *, state: PrState | None = "open") -> list[PullRequest]:
        # Oldest first, as the local forge lists them (GitHub's default is newest first).
        query = {"state": list_state(state), "sort": "created", "direction": "asc"}
        prs = [to_pr(i) for i in self.api.paginate(f"{self.repo}/pulls", query)]
        return [pr for pr in prs if state is None or pr.state == state]

    # --- merging ---------------------------------------------------------------------------------
    def mergeable(self, number: int) -> tuple[PullRequest, dict[str, Any]]:
        """The PR when it can be merged (with its raw data); raises `NotMergeable` otherwise."""
        data = self.raw(number)
        for delay in READ_AGAIN:
            if data["state"] != "open" or data.get("mergeable") is not None:
                break
            self.ctx.clock.sleep(delay)  # GitHub is still computing it
            data = self.raw(number)
        pr = to_pr(data)
        if pr.state == "closed":
            raise NotMergeable(f"PR #{number} is closed", hint="reopen it on GitHub or open a new one")
        if pr.state == "open" and is_held(data):
            raise NotMergeable(
                f"PR #{number} is held (title prefix {HOLD_PREFIX.strip()}, label {HOLD_LABEL!r})",
                hint=f"release it first (release-train pr ready {number})",
            )
        if pr.draft:
            raise NotMergeable(f"PR #{number} is still a draft", hint="mark it ready for review first")
        if pr.state == "open" and data.get("mergeable") is False:
            raise NotMergeable(
                f"PR #{number} conflicts with {pr.base}",
                hint=f"merge or rebase {pr.base} into {pr.head}, resolve the conflicts and push again",
            )
        return pr, data

    def merge(self, pr: PullRequest, data: dict[str, Any], method: MergeMethod) -> str:
        """Merge the open PR `mergeable` returned; the resulting commit on its base."""
        commits = self.api.paginate(f"{self.repo}/pulls/{pr.number}/commits")
        said = [str(c["commit"]["message"]) for c in commits]
        head = f"{self.owner}/{pr.head}"
        title, body = messages.split(messages.compose(method, pr.number, pr.title, head, said))
        payload = {
            "merge_method": method,
            "sha": data["head"]["sha"],
            "commit_title": title,
            "commit_message": body,
        }
        response = self.api.request(
            "PUT", f"{self.repo}/pulls/{pr.number}/merge", json=payload, allow=(405, 409, 422)
        )
        if response.status_code != 200:
            refusal = self.api.token.mask(message_of(response))
            hint = "resolve what GitHub reports (checks, conflicts, a moved head), then run again"
            if "Required status check" in refusal:
                hint = f"wait until the required checks pass on {pr.head}, then run again"
            raise NotMergeable(f"GitHub refused to merge PR #{pr.number}: {refusal}", hint=hint)
        return str(response.json()["sha"])
