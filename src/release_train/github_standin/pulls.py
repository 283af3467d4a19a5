"""Pull requests: create (with GitHub's 422s, drafts refused where the repository has none), list
(head `owner:branch`, base, state; a listing may lag behind a create), get (`mergeable` null until
computed, when the repository says so), update, commits, labels, merges (`merging.py`) and the two
GraphQL draft mutations."""

from __future__ import annotations

import re
from typing import Any

from release_train.github_standin import merging
from release_train.github_standin.core import Core
from release_train.github_standin.state import Pull
from release_train.github_standin.web import (
    HttpError,
    Request,
    Response,
    Route,
    error,
    not_found,
    page_of,
    require,
    route,
    unprocessable,
    validation_failed,
)

DOC = "https://docs.github.com/rest/pulls/pulls"
NO_DRAFTS = "Draft pull requests are not supported in this repository."


def node_id(number: int) -> str:
    return f"PR_kwstandin{number}"


def label_json(name: str) -> dict[str, Any]:
    return {"id": abs(hash(name)) % 10**9, "node_id": f"LA_{name}", "name": name, "color": "ededed"}


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
        "labels": [label_json(name) for name in pr.labels],
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
        state = "unknown" if mergeable is None else "clean" if mergeable else "dirty"
        data.update(
            merged=pr.merged_at is not None,
            mergeable=mergeable,
            mergeable_state="draft" if pr.draft else state,
            merged_by=owner if pr.merged_at else None,
            comments=0,
            commits=len(core.git.log(f"{base_sha}..{head_sha}")) if pr.state == "open" and head_sha else 0,
        )
    return data


def _mergeable(core: Core, pr: Pull, base_sha: str, head_sha: str) -> bool | None:
    """GitHub computes mergeability in the background after a change: with `lazy_mergeable`, the
    first look after the base or head moved answers null, the next one knows."""
    if core.state.settings.lazy_mergeable and pr.mergeable_for != (base_sha, head_sha):
        pr.mergeable_for = (base_sha, head_sha)
        return None
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
    if body.get("draft") and not core.state.settings.drafts:
        return unprocessable(NO_DRAFTS, f"{DOC}#create-a-pull-request")
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
    core.state.limits.wrote(f"pull:{pr.number}")
    data = pr_json(core, pr)
    pr.mergeable_for = None  # the create's own answer does not count as a look
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
        and not core.state.limits.lags(f"pull:{pr.number}")
        and (not head_branch or (head_owner.lower() == core.state.owner.lower() and pr.head == head_branch))
        and (not req.query.get("base") or pr.base == req.query["base"])
    ]
    core.state.limits.read_done()
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
    refused = merging.refusal(core, pr, body, base_sha, head_sha)
    if refused is not None:
        return refused
    assert base_sha is not None and head_sha is not None
    commit = merging.merge(core, pr, body, base_sha, head_sha)
    if commit is None:
        return error(405, "Pull Request is not mergeable", merging.DOC)
    if not core.git.update_ref(f"refs/heads/{pr.base}", commit, base_sha):
        return error(409, "Base branch was modified. Review and try the merge again.", merging.DOC)
    pr.state, pr.merged_at, pr.merge_commit_sha = "closed", core.now(), commit
    pr.head_sha_at_close, pr.base_sha_at_merge = head_sha, base_sha
    if core.state.settings.delete_branch_on_merge:
        core.git.delete_ref(f"refs/heads/{pr.head}", head_sha)
    for name, status, conclusion in core.state.settings.app_checks:
        core.add_check_run(commit, name, status, conclusion)
    return Response(200, {"sha": commit, "merged": True, "message": "Pull Request successfully merged"})


def commits(core: Core, req: Request, m: re.Match[str]) -> Response:
    """The PR's commits, oldest first (GitHub lists at most 250)."""
    pr = _get(core, m["n"])
    base = pr.base_sha_at_merge or core.branch_sha(pr.base) or ""
    head = core.branch_sha(pr.head) or pr.head_sha_at_close or ""
    shas = core.git.log(f"{base}..{head}")[::-1] if base and head else []
    return page_of(core, req, [_commit_json(core, sha) for sha in shas[:250]])


def _commit_json(core: Core, sha: str) -> dict[str, Any]:
    fields = core.git.run("log", "-1", "--format=%an%x00%ae%x00%aI%x00%P", sha).strip().split("\0")
    author = {"name": fields[0], "email": fields[1], "date": fields[2]}
    return {
        "sha": sha,
        "node_id": f"C_{sha}",
        "url": f"{core.repo_api}/commits/{sha}",
        "commit": {"message": core.git.message(sha).rstrip("\n"), "author": author, "committer": author},
        "parents": [{"sha": parent} for parent in fields[3].split()],
    }


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
    if mutation.group(1) == "convertPullRequestToDraft" and not core.state.settings.drafts:
        return Response(200, {"data": None, "errors": [{"type": "UNPROCESSABLE", "message": NO_DRAFTS}]})
    pr.draft = mutation.group(1) == "convertPullRequestToDraft"
    result = {"pullRequest": {"id": pr_id, "number": pr.number, "isDraft": pr.draft}}
    return Response(200, {"data": {mutation.group(1): result}})


ROUTES: list[Route] = [
    route("POST", r"/repo/pulls", create, body="pulls/create", doc=DOC),
    route("GET", r"/repo/pulls", list_pulls, query="pulls/list?", resource="PullRequest", doc=DOC),
    route("GET", r"/repo/pulls/(?P<n>\d+)", get),
    route("PATCH", r"/repo/pulls/(?P<n>\d+)", update, body="pulls/update", doc=DOC),
    route("PUT", r"/repo/pulls/(?P<n>\d+)/merge", merge, body="pulls/merge", doc=merging.DOC),
    route("GET", r"/repo/pulls/(?P<n>\d+)/merge", is_merged),
    route("GET", r"/repo/pulls/(?P<n>\d+)/commits", commits, query="page?", resource="Commit"),
    route("POST", r"/graphql", graphql),
]
