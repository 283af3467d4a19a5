"""What every handler is given: the state, the bare repository, the clock, and the URLs GitHub
would print (API, web, uploads)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

from release_train.forges.github_values import GREEN_CONCLUSIONS
from release_train.github_standin.state import State
from release_train.infra import proc
from release_train.infra.clock import Clock
from release_train.infra.git import Git
from release_train.values import dataclass


@dataclass
class Core:
    state: State
    git: Git  # the bare repository acting as the remote
    clock: Clock
    base_url: str = ""  # http://127.0.0.1:PORT, set once the server listens

    @property
    def repo_api(self) -> str:
        return f"{self.base_url}/repos/{self.state.full_name}"

    @property
    def repo_web(self) -> str:
        return f"{self.base_url}/web/{self.state.full_name}"

    @property
    def git_dir(self) -> Path:
        return self.git.path

    def now(self) -> str:
        return self.clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def branch_sha(self, branch: str) -> str | None:
        return self.git.refs(f"refs/heads/{branch}").get(f"refs/heads/{branch}")

    def object_type(self, sha: str) -> str | None:
        done = proc.run(["git", "cat-file", "-t", sha], cwd=self.git.path, check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def resolve_commit(self, ref: str) -> str | None:
        """A SHA, branch or tag name -> the commit, as GitHub's `commits/{ref}` endpoints do."""
        for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}"):
            sha = self.git.rev_parse(candidate)
            if sha:
                return sha
        return None

    def add_check_run(self, sha: str, name: str, status: str, conclusion: str | None) -> dict[str, Any]:
        run = {
            "id": self.state.new_id(),
            "name": name,
            "head_sha": sha,
            "status": status,
            "conclusion": conclusion,
            "started_at": self.now(),
            "completed_at": self.now() if status == "completed" else None,
            "app": {"slug": "github-actions"},
        }
        self.state.check_runs.setdefault(sha, []).append(run)
        return run

    def check_of(self, sha: str, name: str) -> str | None:
        """The state of the status context or check run `name` on `sha` (success, pending or
        failure; None when nothing by that name reported), newest report first."""
        statuses = [s for s in self.state.statuses.get(sha, []) if s["context"] == name]
        runs = [r for r in self.state.check_runs.get(sha, []) if r["name"] == name]
        if runs:
            run = runs[-1]
            if run["status"] != "completed":
                return "pending"
            return "success" if run["conclusion"] in GREEN_CONCLUSIONS else "failure"
        if statuses:
            state = str(statuses[-1]["state"])
            return "failure" if state == "error" else state
        return None

    def repository_json(self) -> dict[str, object]:
        owner = {"login": self.state.owner, "id": 1, "type": "Organization"}
        return {
            "id": 1,
            "node_id": "R_1",
            "name": self.state.name,
            "full_name": self.state.full_name,
            "owner": owner,
            "private": False,
            "html_url": self.repo_web,
            "url": self.repo_api,
            # GitHub gives an https URL; the stand-in's git remote is the bare repository itself.
            "clone_url": str(self.git.path),
            "default_branch": "main",
            # shown to tokens with push access, as GitHub does
            **self.state.settings.api_fields(),
        }
