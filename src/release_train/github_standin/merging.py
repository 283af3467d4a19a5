"""The merge itself: GitHub's 405/409 refusals in the order it checks them (state, draft, moved
head, method not allowed, required status checks), then a real merge, squash or rebase written
into the bare repository, with the commit message the caller sent or the repository's defaults."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from release_train.github_standin import settings
from release_train.github_standin.core import Core
from release_train.github_standin.state import Pull
from release_train.github_standin.web import Response, error
from release_train.infra import bare_merge

DOC = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request"
GITHUB = bare_merge.Identity("GitHub", "noreply@github.com")
_METHOD_NAMES = {"merge": "Merge commits", "squash": "Squash merges", "rebase": "Rebase merges"}


def refusal(
    core: Core, pr: Pull, body: dict[str, Any], base: str | None, head: str | None
) -> Response | None:
    if pr.state != "open" or not base or not head:
        return error(405, "Pull Request is not mergeable", DOC)
    if pr.draft:
        return error(405, "Pull Request is still a draft", DOC)
    if body.get("sha") and body["sha"] != head:
        return error(409, "Head branch was modified. Review and try the merge again.", DOC)
    method = str(body.get("merge_method", "merge"))
    if not core.state.settings.allows(method):
        return error(405, f"{_METHOD_NAMES[method]} are not allowed on this repository.", DOC)
    for name in core.state.settings.required_checks:
        state = core.check_of(head, name)
        if state != "success":
            said = {None: "expected", "pending": "in progress"}.get(state, "failing")
            return error(405, f'Required status check "{name}" is {said}.', DOC)
    return None


def facts(core: Core, pr: Pull, messages: Sequence[str]) -> settings.PullFacts:
    return settings.PullFacts(pr.number, pr.title, pr.body, pr.head, core.state.owner, list(messages))


def merge(core: Core, pr: Pull, body: dict[str, Any], base: str, head: str) -> str | None:
    """The new tip of the base branch, or None when the merge conflicts. A squash or a merge
    commit is written as the local forge writes its own (`infra/bare_merge.py`), committed by
    GitHub and dated at the merge (the stand-in's clock, simulated in demos)."""
    method = str(body.get("merge_method", "merge"))
    if method == "rebase":
        return _rebase(core, base, head)
    title, message = body.get("commit_title"), body.get("commit_message")
    compose = settings.merge_message if method == "merge" else settings.squash_message

    def text(messages: Sequence[str]) -> str:
        return compose(core.state.settings, facts(core, pr, messages), title, message)

    squash_or_merge: Literal["squash", "merge"] = "merge" if method == "merge" else "squash"
    return bare_merge.merge(core.git, base, head, squash_or_merge, text, forge=GITHUB, date=core.now()).commit


def _rebase(core: Core, base: str, head: str) -> str | None:
    """Each commit replayed onto the base, keeping its message and author (GitHub commits them).
    A replayed commit's tree is the base merged with that commit (and so with every commit before
    it on the branch): the same as a cherry-pick for the linear branches PRs have."""
    onto = base
    for sha in core.git.log(f"{base}..{head}")[::-1]:
        merged = core.git.merge_tree(base, sha)
        if merged.conflicts:
            return None
        env = {
            "GIT_COMMITTER_NAME": GITHUB.name,
            "GIT_COMMITTER_EMAIL": GITHUB.email,
            "GIT_COMMITTER_DATE": core.now(),
            **_author_of(core, sha),
        }
        onto = core.git.commit_tree(merged.tree, [onto], core.git.message(sha), env=env)
    return onto


def _author_of(core: Core, sha: str) -> dict[str, str]:
    name, email, date = core.git.run("log", "-1", "--format=%an%x00%ae%x00%aI", sha).strip().split("\0")
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date}
