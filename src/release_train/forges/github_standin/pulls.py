"""Pull requests: create (with GitHub's 422s), list (head `owner:branch`, base, state), get,
update, real merges into the bare repository, and the two GraphQL draft mutations."""

from __future__ import annotations

import re
from typing import Any

from release_train.forges.github_standin.core import Core
from release_train.forges.github_standin.state import Pull
from release_train.forges.github_standin.web import (
    HttpError,
    Request,
    Response,
    Route,
    error,
    not_found,
    page_of,
    require,
    route,
    validation_failed,
)
from release_train.forges.local import squash_message

DOC = "https://docs.github.com/rest/pulls/pulls"
GITHUB_IDENTITY = {"GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com"}


def node_id(number: int) -> str:
    return f"PR_kwstandin{number}"


def pr_json(core: Core, pr: Pull, *, full: bool = True) -> dict[str, Any]:
    head_sha = core.branch_sha(pr.head) or pr.head_sha_at_close or ""
    base_sha = core.branch_sha(pr.base) or ""
    owner = {"login": core.state.owner, "id": 1}
    data: dict[str, Any] = {
        "url": f"{core.repo_api}/pulls/{pr.number}",
        "id": 5000 + pr.number,
        "node_id": node_id(pr.number),
        "html_url": f"{core.repo_web}/pull/{pr.number}",
        "number": pr.number,
        "state": pr.state,
        "locked": False,
        "title": pr.title,
        "user": owner,
        "body": pr.body or None,
        "labels": [],
        "created_at": pr.created_at,
        "updated_at": pr.updated_at or pr.created_at,
        "closed_at": pr.merged_at if pr.state == "closed" else None,
        "merged_at": pr.merged_at,
        "merge_commit_sha": pr.merge_commit_sha,
        "draft": pr.draft,
        "head": {"label": f"{core.state.owner}:{pr.head}", "ref": pr.head, "sha": head_sha, "user": owner},
        "base": {"label": f"{core.state.owner}:{pr.base}", "ref": pr.base, "sha": base_sha, "user": owner},
    }
    if full:
        mergeable = _mergeable(core, pr, base_sha, head_sha) if pr.state == "open" else None
        data.update(
            merged=pr.merged_at is not None,
            mergeable=mergeable,
            mergeable_state="draft" if pr.draft else ("clean" if mergeable else "dirty"),
            merged_by=owner if pr.merged_at else None,
            comments=0,
            commits=len(core.git.log(f"{base_sha}..{head_sha}")) if pr.state == "open" and head_sha else 0,
        )
    return data


def _mergeable(core: Core, pr: Pull, base_sha: str, head_sha: str) -> bool:
    if not base_sha or not head_sha:
        return False
    return not core.git.merge_tree(base_sha, head_sha).conflicts


def _get(core: Core, number: str) -> Pull:
    pr = core.state.pulls.get(int(number))
    if pr is None:
        raise HttpError(not_found(DOC))
    return pr


def create(core: Core, req: Request, m: re.Match[str]) -> Response:
    body = req.json()
    require(body, "head", "base", "title", resource="PullRequest")
    owner, _, head = str(body["head"]).rpartition(":")
    base = str(body["base"])
    if (owner and owner.lower() != core.state.owner.lower()) or core.branch_sha(head) is None:
        return validation_failed([{"resource": "PullRequest", "field": "head", "code": "invalid"}], DOC)
    if core.branch_sha(base) is None:
        return validation_failed([{"resource": "PullRequest", "field": "base", "code": "invalid"}], DOC)
    for pr in core.state.pulls.values():
        if pr.state == "open" and pr.head == head and pr.base == base:
            message = f"A pull request already exists for {core.state.owner}:{head}."
            return validation_failed([{"resource": "PullRequest", "code": "custom", "message": message}], DOC)
    if not core.git.log(f"refs/heads/{base}..refs/heads/{head}"):
        message = f"No commits between {base} and {head}"
        return validation_failed([{"resource": "PullRequest", "code": "custom", "message": message}], DOC)
    pr = Pull(
        number=core.state.new_number(),
        head=head,
        base=base,
        title=str(body["title"]),
        body=str(body.get("body") or ""),
        draft=bool(body.get("draft", False)),
        created_at=core.now(),
    )
    core.state.pulls[pr.number] = pr
    data = pr_json(core, pr)
    return Response(201, data, {"Location": data["url"]})


def list_pulls(core: Core, req: Request, m: re.Match[str]) -> Response:
    state = req.query.get("state", "open")
    head = req.query.get("head", "")
    # As on GitHub, a bare `head=branch` (no owner) filters nothing.
    head_owner, _, head_branch = head.partition(":") if ":" in head else ("", "", "")
    pulls = [
        pr
        for pr in core.state.pulls.values()
        if state in ("all", pr.state)
        and (not head_branch or (head_owner.lower() == core.state.owner.lower() and pr.head == head_branch))
        and (not req.query.get("base") or pr.base == req.query["base"])
    ]
    pulls.sort(key=lambda pr: pr.number, reverse=req.query.get("direction", "desc") == "desc")
    return page_of(core, req, [pr_json(core, pr, full=False) for pr in pulls])


def get(core: Core, req: Request, m: re.Match[str]) -> Response:
    return Response(200, pr_json(core, _get(core, m["n"])))


def update(core: Core, req: Request, m: re.Match[str]) -> Response:
    pr = _get(core, m["n"])
    body = req.json()  # `draft` is not an updatable field over REST, as on GitHub
    for name in ("title", "body", "base"):
        if name in body:
            setattr(pr, name, str(body[name] or ""))
    if body.get("state") in ("open", "closed") and pr.merged_at is None:
        pr.state = str(body["state"])
    pr.updated_at = core.now()
    return Response(200, pr_json(core, pr))


def merge(core: Core, req: Request, m: re.Match[str]) -> Response:
    pr = _get(core, m["n"])
    body = req.json()
    base_sha, head_sha = core.branch_sha(pr.base), core.branch_sha(pr.head)
    refused = _refusal(pr, body, base_sha, head_sha)
    if refused is not None:
        return refused
    assert base_sha is not None and head_sha is not None
    merged = core.git.merge_tree(base_sha, head_sha)
    if merged.conflicts:
        return error(405, "Pull Request is not mergeable", DOC)
    commit = _merge_commit(
        core, pr, str(body.get("merge_method", "merge")), merged.tree, base_sha, head_sha, body
    )
    if not core.git.update_ref(f"refs/heads/{pr.base}", commit, base_sha):
        return error(409, "Base branch was modified. Review and try the merge again.", DOC)
    pr.state, pr.merged_at, pr.merge_commit_sha = "closed", core.now(), commit
    pr.head_sha_at_close = head_sha
    if core.delete_head_branches:
        core.git.delete_ref(f"refs/heads/{pr.head}", head_sha)
    return Response(200, {"sha": commit, "merged": True, "message": "Pull Request successfully merged"})


def _refusal(pr: Pull, body: dict[str, Any], base_sha: str | None, head_sha: str | None) -> Response | None:
    """GitHub's 405/409 answers, in the order it checks them."""
    if pr.state != "open" or not base_sha or not head_sha:
        return error(405, "Pull Request is not mergeable", DOC)
    if pr.draft:
        return error(405, "Pull Request is still a draft", DOC)
    if body.get("sha") and body["sha"] != head_sha:
        return error(409, "Head branch was modified. Review and try the merge again.", DOC)
    if body.get("merge_method", "merge") not in ("merge", "squash"):
        return error(405, "Rebase merges are not allowed on this repository.", DOC)
    return None


def _merge_commit(
    core: Core, pr: Pull, method: str, tree: str, base: str, head: str, body: dict[str, Any]
) -> str:
    commits = core.git.log(f"{base}..{head}")[::-1]
    if method == "merge":
        title = (
            body.get("commit_title") or f"Merge pull request #{pr.number} from {core.state.owner}/{pr.head}"
        )
        message = f"{title}\n\n{body.get('commit_message') or pr.title}\n"
        env = {**GITHUB_IDENTITY, "GIT_AUTHOR_NAME": "GitHub", "GIT_AUTHOR_EMAIL": "noreply@github.com"}
        return core.git.commit_tree(tree, [base, head], message, env={**env, **_dated(core)})
    message = squash_message(pr.number, pr.title, [core.git.message(sha).strip() for sha in commits])
    if body.get("commit_title"):
        message = f"{body['commit_title']}\n\n{body.get('commit_message') or ''}".rstrip() + "\n"
    name, email = core.git.run("log", "-1", "--format=%an%x00%ae", commits[0]).strip().split("\0")
    env = {**GITHUB_IDENTITY, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    return core.git.commit_tree(tree, [base], message, env={**env, **_dated(core)})


def _dated(core: Core) -> dict[str, str]:
    """GitHub dates a merge commit at the merge: the stand-in's clock (simulated in demos)."""
    return {"GIT_AUTHOR_DATE": core.now(), "GIT_COMMITTER_DATE": core.now()}


def is_merged(core: Core, req: Request, m: re.Match[str]) -> Response:
    return Response(204 if _get(core, m["n"]).merged_at else 404)


_MUTATION = re.compile(r"\b(markPullRequestReadyForReview|convertPullRequestToDraft)\b")
_INLINE_ID = re.compile(r'pullRequestId:\s*"([^"]+)"')


def graphql(core: Core, req: Request, m: re.Match[str]) -> Response:
    body = req.json()
    query = str(body.get("query", ""))
    mutation = _MUTATION.search(query)
    if mutation is None:
        return Response(200, {"errors": [{"message": "the stand-in answers only the draft mutations"}]})
    variables = body.get("variables") or {}
    inline = _INLINE_ID.search(query)
    pr_id = inline.group(1) if inline else next((str(v) for v in variables.values()), "")
    number = pr_id.removeprefix("PR_kwstandin")
    pr = core.state.pulls.get(int(number)) if number.isdigit() else None
    if pr is None:
        message = f"Could not resolve to a node with the global id of '{pr_id}'"
        return Response(200, {"data": None, "errors": [{"type": "NOT_FOUND", "message": message}]})
    pr.draft = mutation.group(1) == "convertPullRequestToDraft"
    result = {"pullRequest": {"id": pr_id, "number": pr.number, "isDraft": pr.draft}}
    return Response(200, {"data": {mutation.group(1): result}})


ROUTES: list[Route] = [
    route("POST", r"/repo/pulls", create),
    route("GET", r"/repo/pulls", list_pulls),
    route("GET", r"/repo/pulls/(?P<n>\d+)", get),
    route("PATCH", r"/repo/pulls/(?P<n>\d+)", update),
    route("PUT", r"/repo/pulls/(?P<n>\d+)/merge", merge),
    route("GET", r"/repo/pulls/(?P<n>\d+)/merge", is_merged),
    route("POST", r"/graphql", graphql),
]
