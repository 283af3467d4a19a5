"""The local forge, the embedded default: a bare git repository acting as `origin`, plus a SQLite
store beside it (see `local_store.py` for the layout) for PRs, releases, checks and advisories.

It behaves like a small GitHub: pushes are real `git push`es into the bare repository and each
moved ref becomes a `PushEvent` handed to `on_push` (what CI would react to); merging a PR is a
real squash or merge commit written into the bare repository without a work tree
(`infra/bare_merge.py`, shared with the GitHub stand-in, then a compare-and-swap
`git update-ref`), after which the head branch is deleted as GitHub's auto-delete does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from release_train.errors import ProcessError
from release_train.forges.interface import (
    ZERO_SHA,
    CapabilityMissing,
    CheckState,
    Conflict,
    ForgeCapability,
    ForgeError,
    MergeMethod,
    NotFound,
    NotMergeable,
    PrState,
    PullRequest,
    PushEvent,
    PushHandler,
    Release,
    SecurityIssue,
)
from release_train.forges.local_store import Store, assets_dir, store_path
from release_train.forges.messages import compose
from release_train.infra import bare_merge, proc
from release_train.infra.clock import Clock, SystemClock
from release_train.infra.fs import atomic_write
from release_train.infra.git import Git, init_repo

# Who writes the commits the forge makes (GitHub's merges are committed by "GitHub").
FORGE_NAME = "release-train local forge"
FORGE_EMAIL = "forge@release-train.invalid"
FORGE = bare_merge.Identity(FORGE_NAME, FORGE_EMAIL)
WATCHED = ("refs/heads/", "refs/tags/")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


class LocalForge:
    """A `Forge` backed by the bare repository at `bare_path` and its store beside it."""

    # Its CI is release-train itself: the reactions run in this process on every push and merge.
    # It has no web pages to link to and no merge settings (the train's merges write their own
    # commit messages).
    capabilities: frozenset[ForgeCapability] = frozenset(
        {
            ForgeCapability.HOLD_PRS,
            ForgeCapability.CLOSE_PRS,
            ForgeCapability.EMBEDDED_CI,
            ForgeCapability.LOCAL_RECORDS,
        }
    )

    def __init__(
        self,
        bare_path: Path,
        on_push: PushHandler | None = None,
        *,
        require_checks: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.bare_path = Path(bare_path).resolve()
        if not (self.bare_path / "HEAD").is_file() or not (self.bare_path / "objects").is_dir():
            raise NotFound(
                f"no local forge at {self.bare_path}: not a bare git repository",
                hint=f"create it with `release-train forge init {bare_path}`, or fix [forge] path",
            )
        self.on_push = on_push
        self.require_checks = require_checks
        self.clock: Clock = clock or SystemClock()
        self.git = Git(self.bare_path)
        self.store = Store(store_path(self.bare_path), self.clock, url_base=self.remote_url)

    @classmethod
    def init(cls, bare_path: Path, *, clock: Clock | None = None) -> LocalForge:
        """Create the bare repository (initial branch `main`) and its store; an existing forge is
        opened as it is."""
        bare_path = Path(bare_path)
        if bare_path.exists() and any(bare_path.iterdir()) and not (bare_path / "HEAD").is_file():
            raise ForgeError(
                f"{bare_path} exists and is not a bare git repository",
                hint="choose an empty or new directory for the forge",
            )
        if not bare_path.exists() or not any(bare_path.iterdir()):
            init_repo(bare_path, bare=True, branch="main")
        forge = cls(bare_path, clock=clock)
        forge.store.create()
        return forge

    def __repr__(self) -> str:
        return f"the local forge at {self.bare_path}"

    @property
    def remote_url(self) -> str:
        return str(self.bare_path)

    def merge_settings(self) -> dict[str, object]:
        raise CapabilityMissing("the local forge has no merge settings: its merges write their own messages")

    def file_url(self, branch: str, path: str) -> str:
        raise CapabilityMissing("the local forge has no web pages to link to")

    @property
    def store_file(self) -> Path:
        return self.store.path

    # --- pushing -------------------------------------------------------------------------------
    def push(self, repo: Path, refspecs: Sequence[str], *, force: bool = False) -> list[PushEvent]:
        """A real `git push` from `repo`; the refs that moved become push events."""
        before = self.git.refs(*WATCHED)
        work = Git(Path(repo))
        work.push(self._remote_name(work), refspecs, force=force)
        events = _diff(before, self.git.refs(*WATCHED))
        return self._publish(events, "push")

    def _remote_name(self, work: Git) -> str:
        """Push through `origin` when it is this forge, so its remote-tracking refs move too."""
        url = work.run("config", "--get", "remote.origin.url", check=False).strip()
        if url and not url.startswith(("http:", "https:", "ssh:", "git@")):
            path = Path(url) if Path(url).is_absolute() else work.path / url
            if path.resolve() == self.bare_path:
                return "origin"
        return self.remote_url

    def _publish(self, events: list[PushEvent], source: str) -> list[PushEvent]:
        """Record the events, then let CI (the handler) react to each, in order. Deletions
        (after = ZERO_SHA) are handed over too, as GitHub does; handlers ignore what they don't want."""
        if events:
            self.store.record_events(events, source)
        for event in events:
            if self.on_push is not None:
                self.on_push(event)
        return events

    def events(self) -> list[tuple[PushEvent, str, str]]:
        """The push-event log: (event, source, time), oldest first."""
        return self.store.events()

    # --- pull requests -------------------------------------------------------------------------
    def open_pr(self, head: str, base: str, title: str, body: str, *, draft: bool = False) -> PullRequest:
        for branch in (head, base):
            if self._branch_sha(branch) is None:
                raise NotFound(
                    f"cannot open a PR from {head} into {base}: branch {branch!r} is not on the forge",
                    hint=f"push it first (git push origin {branch})",
                )
        return self.store.open_pr(head, base, title, body, draft)

    def find_pr(self, head: str, base: str, *, state: PrState | None = "open") -> PullRequest | None:
        return self.store.find_pr(head, base, state)

    def get_pr(self, number: int) -> PullRequest:
        return self.store.get_pr(number)

    def list_prs(self, *, state: PrState | None = "open") -> list[PullRequest]:
        return self.store.list_prs(state)

    def update_pr(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        draft: bool | None = None,
        labels: Sequence[str] | None = None,
    ) -> PullRequest:
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = title
        if body is not None:
            changes["body"] = body
        if draft is not None:
            changes["draft"] = int(draft)
        if labels is not None:
            import json

            changes["labels"] = json.dumps(list(labels))
        return self.store.update_pr(number, changes)

    def close_pr(self, number: int) -> PullRequest:
        """Close an open PR without merging (a merged PR stays merged)."""
        pr = self.get_pr(number)
        if pr.state != "open":
            return pr
        return self.store.update_pr(number, {"state": "closed"})

    # --- merging -------------------------------------------------------------------------------
    def merge_pr(self, number: int, *, method: MergeMethod = "squash") -> str:
        """Merge PR `number` into its base; returns the new commit on the base branch. Merging an
        already merged PR returns its merge commit and changes nothing."""
        pr = self.get_pr(number)
        if pr.state == "merged" and pr.merge_commit:
            return pr.merge_commit
        base_ref = f"refs/heads/{pr.base}"
        base_sha = self._branch_sha(pr.base)
        if base_sha is None:
            raise NotFound(f"cannot merge #{number}: its base branch {pr.base!r} is not on the forge")
        pending = self.store.pending_merge(number)
        if pending and self._is_ancestor(pending, base_sha):
            # A previous run moved the base and stopped before recording it: finish that merge.
            return self._finish_merge(pr, pending, self._first_parent(pending))
        head_sha = self._check_mergeable(pr, base_sha)
        merged = bare_merge.merge(
            self.git,
            base_sha,
            head_sha,
            method,
            lambda messages: compose(method, pr.number, pr.title, pr.head, messages),
            forge=FORGE,
            date=self.clock.now().isoformat(timespec="seconds"),
        )
        if merged.commit is None:
            raise NotMergeable(
                f"PR #{number} ({pr.head} into {pr.base}) conflicts in: {', '.join(merged.conflicts)}",
                hint=f"merge or rebase {pr.head} onto {pr.base}, resolve those files and push again",
            )
        commit = merged.commit
        self.store.update_pr(number, {"pending_merge": commit})
        if not self.git.update_ref(base_ref, commit, base_sha):
            raise Conflict(
                f"{pr.base} moved while #{number} was being merged; nothing was merged",
                hint=f"run the merge again (release-train pr merge {number})",
            )
        return self._finish_merge(pr, commit, base_sha)

    def _check_mergeable(self, pr: PullRequest, base_sha: str) -> str:
        if pr.state != "open":
            raise NotMergeable(f"PR #{pr.number} is {pr.state}; only open PRs can be merged")
        if pr.draft:
            raise NotMergeable(
                f"PR #{pr.number} is a draft and cannot be merged",
                hint=f"mark it ready first (release-train pr ready {pr.number})",
            )
        head_sha = self._branch_sha(pr.head)
        if head_sha is None:
            raise NotMergeable(
                f"PR #{pr.number}: its head branch {pr.head!r} is gone from the forge",
                hint=f"push {pr.head} again or close the PR",
            )
        if self._is_ancestor(head_sha, base_sha):
            raise NotMergeable(
                f"PR #{pr.number}: {pr.base} already contains every commit of {pr.head}",
                hint="there is nothing to merge; close the PR",
            )
        return head_sha

    def _finish_merge(self, pr: PullRequest, commit: str, before: str) -> str:
        self.store.update_pr(pr.number, {"state": "merged", "merge_commit": commit, "pending_merge": None})
        events = [PushEvent(f"refs/heads/{pr.base}", before, commit)]
        head_sha = self._branch_sha(pr.head)
        if head_sha is not None and self.git.delete_ref(f"refs/heads/{pr.head}", head_sha):
            events.append(PushEvent(f"refs/heads/{pr.head}", head_sha, ZERO_SHA))
        self._publish(events, "merge")
        return commit

    # --- checks --------------------------------------------------------------------------------
    def set_check(self, sha: str, state: CheckState, *, context: str = "ci") -> None:
        """Record the state of one check (`context`) on a commit."""
        self.store.set_check(self._commit(sha), state, context)

    def checks(self, sha: str) -> dict[str, CheckState]:
        return self.store.checks(self._commit(sha))

    def check_state(self, sha: str) -> CheckState:
        """Combined: any failure fails, any pending is pending; none recorded is success unless
        the forge requires checks."""
        states = self.store.check_states(self._commit(sha))
        if not states:
            return "pending" if self.require_checks else "success"
        if "failure" in states:
            return "failure"
        return "pending" if "pending" in states else "success"

    # --- tags ----------------------------------------------------------------------------------
    def tags(self) -> dict[str, str]:
        return self.git.tags()

    def create_tag(self, name: str, sha: str) -> bool:
        target = self.git.rev_parse(sha)
        if target is None:
            raise NotFound(f"cannot tag {name}: commit {sha} is not on the forge", hint="push it first")
        current = self.tags().get(name)
        if current == target:
            return False
        if current is not None:
            raise Conflict(
                f"tag {name} already exists on {current[:12]}, not on {target[:12]}",
                hint="a tag is never moved; check which commit should carry this version",
            )
        if not self.git.update_ref(f"refs/tags/{name}", target, ""):
            # Another process created it between our read and our write.
            if self.tags().get(name) == target:
                return False
            raise Conflict(f"tag {name} was created concurrently on another commit")
        self._publish([PushEvent(f"refs/tags/{name}", ZERO_SHA, target)], "tag")
        return True

    # --- releases ------------------------------------------------------------------------------
    def upsert_release(self, release: Release, assets: Sequence[Path] = ()) -> Release:
        """Create or update the release of an existing tag. The files in `assets` are copied into
        the store (same name: replaced); earlier assets stay, and the result lists every name
        (`release.assets` on input is ignored). `latest=True` clears the flag on every other one."""
        if release.tag not in self.tags() and not release.draft:
            raise NotFound(
                f"cannot publish release {release.tag}: no such tag on the forge", hint="create the tag first"
            )
        folder = assets_dir(self.bare_path) / release.tag
        for asset in assets:
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write(folder / Path(asset).name, Path(asset).read_bytes())
        return self.store.upsert_release(release, [Path(a).name for a in assets])

    def list_releases(self) -> list[Release]:
        return self.store.list_releases()

    def asset_path(self, tag: str, name: str) -> Path:
        """Where an attached asset file is kept."""
        return assets_dir(self.bare_path) / tag / name

    # --- security issues -----------------------------------------------------------------------
    def open_security_issues(self) -> list[SecurityIssue]:
        return self.store.open_security_issues()

    def add_security_issue(self, issue: SecurityIssue) -> None:
        """Open (or reopen and update) a security issue."""
        self.store.upsert_security_issue(issue)

    def close_security_issue(self, issue_id: str) -> bool:
        return self.store.close_security_issue(issue_id)

    # --- helpers -------------------------------------------------------------------------------
    def _branch_sha(self, branch: str) -> str | None:
        return self.git.refs(f"refs/heads/{branch}").get(f"refs/heads/{branch}")

    def _commit(self, sha: str) -> str:
        found = self.git.rev_parse(sha)
        if found is not None:
            return found
        if _FULL_SHA.match(sha):
            return sha  # not pushed yet: a check may be recorded ahead of the push
        raise NotFound(f"no commit {sha!r} on the forge", hint="give the full 40-character sha")

    def _is_ancestor(self, ancestor: str, descendant: str) -> bool:
        done = proc.run(
            ["git", "merge-base", "--is-ancestor", ancestor, descendant], cwd=self.bare_path, check=False
        )
        if done.returncode > 1:
            raise ProcessError(f"git merge-base --is-ancestor failed: {done.stderr.strip()}")
        return done.returncode == 0

    def _first_parent(self, sha: str) -> str:
        return self.git.run("rev-parse", f"{sha}^1").strip()


def _diff(before: dict[str, str], after: dict[str, str]) -> list[PushEvent]:
    """The refs that moved, appeared or vanished, in ref-name order."""
    names = sorted(set(before) | set(after))
    return [
        PushEvent(name, before.get(name, ZERO_SHA), after.get(name, ZERO_SHA))
        for name in names
        if before.get(name) != after.get(name)
    ]
