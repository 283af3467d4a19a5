"""Commit state (statuses with GitHub's combined rule, check runs with `filter=latest`), issues
and their search, repository security advisories (cursor pagination), the repository itself and
`/rate_limit`."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlencode

from release_train.github_standin import settings
from release_train.github_standin.core import Core
from release_train.github_standin.web import (
    Request,
    Response,
    Route,
    not_found,
    page_of,
    require,
    route,
    validation_failed,
)

STATUS_STATES = ("error", "failure", "pending", "success")


def repository(core: Core, req: Request, m: re.Match[str]) -> Response:
    return Response(200, core.repository_json())


def update_repository(core: Core, req: Request, m: re.Match[str]) -> Response:
    """The merge settings of `PATCH /repos/{o}/{r}` (checked against their enums first)."""
    body = req.json()
    core.state.settings.update(**{k: v for k, v in body.items() if k in settings.API_KEYS})
    return Response(200, core.repository_json())


def _latest_statuses(core: Core, sha: str) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for status in core.state.statuses.get(sha, []):
        latest[status["context"]] = status  # newest last, so the last one per context wins
    return list(latest.values())


def combined_status(core: Core, req: Request, m: re.Match[str]) -> Response:
    sha = core.resolve_commit(m["ref"])
    if sha is None:
        return not_found()
    statuses = _latest_statuses(core, sha)
    states = {s["state"] for s in statuses}
    if states & {"error", "failure"}:
        state = "failure"
    elif not statuses or "pending" in states:
        state = "pending"  # GitHub's rule: no statuses at all is "pending" too
    else:
        state = "success"
    body = {
        "state": state,
        "sha": sha,
        "total_count": len(statuses),
        "statuses": statuses,
        "repository": core.repository_json(),
        "commit_url": f"{core.repo_api}/commits/{sha}",
        "url": f"{core.repo_api}/commits/{sha}/status",
    }
    return Response(200, body)


def create_status(core: Core, req: Request, m: re.Match[str]) -> Response:
    body = req.json()
    require(body, "state", resource="Status")
    if body["state"] not in STATUS_STATES or core.object_type(m["sha"]) != "commit":
        return validation_failed([{"resource": "Status", "field": "state", "code": "invalid"}])
    status = {
        "id": core.state.new_id(),
        "node_id": "SC_status",
        "state": body["state"],
        "context": str(body.get("context") or "default"),
        "description": body.get("description"),
        "target_url": body.get("target_url"),
        "created_at": core.now(),
        "updated_at": core.now(),
    }
    core.state.statuses.setdefault(m["sha"], []).append(status)
    return Response(201, status, {"Location": f"{core.repo_api}/statuses/{m['sha']}"})


def check_runs(core: Core, req: Request, m: re.Match[str]) -> Response:
    sha = core.resolve_commit(m["ref"])
    if sha is None:
        return not_found()
    runs = core.state.check_runs.get(sha, [])
    if req.query.get("filter", "latest") == "latest":
        newest: dict[str, dict[str, Any]] = {}
        for run in runs:
            newest[run["name"]] = run
        runs = list(newest.values())
    for key in ("status", "check_name"):
        if key in req.query:
            runs = [r for r in runs if r["status" if key == "status" else "name"] == req.query[key]]
    return page_of(core, req, runs, wrap="check_runs")


def create_check_run(core: Core, req: Request, m: re.Match[str]) -> Response:
    body = req.json()
    require(body, "name", "head_sha", resource="CheckRun")
    conclusion = body.get("conclusion")
    status = "completed" if conclusion else str(body.get("status") or "queued")
    run = core.add_check_run(str(body["head_sha"]), str(body["name"]), status, conclusion)
    return Response(201, run, {"Location": f"{core.repo_api}/check-runs/{run['id']}"})


def update_check_run(core: Core, req: Request, m: re.Match[str]) -> Response:
    """An app finishing its run: a conclusion completes it."""
    body = req.json()
    for runs in core.state.check_runs.values():
        for run in runs:
            if run["id"] == int(m["id"]):
                if body.get("conclusion"):
                    run.update(status="completed", conclusion=body["conclusion"], completed_at=core.now())
                elif body.get("status"):
                    run["status"] = body["status"]
                return Response(200, run)
    return not_found()


def create_issue(core: Core, req: Request, m: re.Match[str]) -> Response:
    body = req.json()
    require(body, "title", resource="Issue")
    issue = add_issue(core, str(body["title"]), str(body.get("body") or ""))
    return Response(201, issue, {"Location": issue["url"]})


def add_issue(core: Core, title: str, body: str = "", state: str = "open") -> dict[str, Any]:
    number = core.state.new_number()
    issue = {
        "id": core.state.new_id(),
        "number": number,
        "title": title,
        "body": body,
        "state": state,
        "url": f"{core.repo_api}/issues/{number}",
        "html_url": f"{core.repo_web}/issues/{number}",
        "repository_url": core.repo_api,
        "created_at": core.now(),
        "labels": [],
    }
    core.state.issues.append(issue)
    return issue


def update_issue(core: Core, req: Request, m: re.Match[str]) -> Response:
    body = req.json()
    for issue in core.state.issues:
        if issue["number"] == int(m["n"]):
            issue.update({k: body[k] for k in ("title", "body", "state") if k in body})
            return Response(200, issue)
    return not_found()


def search_issues(core: Core, req: Request, m: re.Match[str]) -> Response:
    """A small reading of the search syntax: `repo:`, `is:issue|pr`, `is:open|closed`, `in:title`
    and keywords (all must appear, case-insensitively)."""
    q = req.query.get("q", "")
    if not q:
        return validation_failed([{"resource": "Search", "field": "q", "code": "missing"}])
    words = q.split()
    repos = [w.removeprefix("repo:").lower() for w in words if w.startswith("repo:")]
    states = [w.removeprefix("is:") for w in words if w in ("is:open", "is:closed")]
    keywords = [w.lower() for w in words if ":" not in w]
    items = [
        {**issue, "score": 1.0}
        for issue in core.state.issues
        if (not repos or core.state.full_name.lower() in repos)
        and (not states or issue["state"] in states)
        and all(k in issue["title"].lower() for k in keywords)
    ]
    response = page_of(core, req, items, wrap="items")
    response.body = {"total_count": len(items), "incomplete_results": False, "items": response.body["items"]}
    response.headers["x-ratelimit-resource"] = "search"
    return response


def list_advisories(core: Core, req: Request, m: re.Match[str]) -> Response:
    """Cursor pagination (`after`), as GitHub pages this endpoint: there is no `page`."""
    items = [a for a in core.state.advisories if a["state"] == req.query.get("state", a["state"])]
    per_page = min(int(req.query.get("per_page", "30")), 100)
    start = int(base64.urlsafe_b64decode(req.query["after"]).decode()) if "after" in req.query else 0
    chunk = items[start : start + per_page]
    headers = {}
    if start + per_page < len(items):
        cursor = base64.urlsafe_b64encode(str(start + per_page).encode()).decode()
        query = {k: v for k, v in req.query.items() if k != "after"} | {"after": cursor}
        headers["Link"] = f'<{core.base_url}{req.public_path}?{urlencode(query)}>; rel="next"'
    return Response(200, chunk, headers)


def add_advisory(
    core: Core, summary: str, *, state: str = "triage", packages: tuple[str, ...] = (), ghsa_id: str = ""
) -> dict[str, Any]:
    ghsa = ghsa_id or f"GHSA-xxxx-xxxx-{len(core.state.advisories):04d}"
    advisory = {
        "ghsa_id": ghsa,
        "cve_id": None,
        "url": f"{core.repo_api}/security-advisories/{ghsa}",
        "html_url": f"{core.repo_web}/security/advisories/{ghsa}",
        "summary": summary,
        "description": summary,
        "severity": "high",
        "state": state,
        "identifiers": [{"type": "GHSA", "value": ghsa}],
        "vulnerabilities": [
            {"package": {"ecosystem": "rust", "name": name}, "vulnerable_version_range": None}
            for name in packages
        ],
        "created_at": core.now(),
    }
    core.state.advisories.append(advisory)
    return advisory


def rate_limit(core: Core, req: Request, m: re.Match[str]) -> Response:
    limits = core.state.limits
    core_limit = {"limit": 5000, "remaining": max(5000 - limits.used, 0), "reset": 0, "used": limits.used}
    return Response(200, {"resources": {"core": core_limit}, "rate": core_limit})


ADVISORY_DOC = "https://docs.github.com/rest/security-advisories/repository-advisories"
ROUTES: list[Route] = [
    route("GET", r"/repo", repository),
    route("PATCH", r"/repo", update_repository, body="repos/update"),
    route("GET", r"/repo/commits/(?P<ref>[^/]+)/status", combined_status, query="page?", resource="Status"),
    route("POST", r"/repo/statuses/(?P<sha>[0-9a-f]{40})", create_status, body="statuses/create"),
    route(
        "GET",
        r"/repo/commits/(?P<ref>[^/]+)/check-runs",
        check_runs,
        query="checks/list?",
        resource="CheckRun",
    ),
    route("POST", r"/repo/check-runs", create_check_run, body="checks/create"),
    route("PATCH", r"/repo/check-runs/(?P<id>\d+)", update_check_run, body="checks/create"),
    route("POST", r"/repo/issues", create_issue),
    route("PATCH", r"/repo/issues/(?P<n>\d+)", update_issue, body="issues/update"),
    route("GET", r"/search/issues", search_issues, query="search/issues?", resource="Search"),
    route(
        "GET",
        r"/repo/security-advisories",
        list_advisories,
        query="advisories/list?",
        resource="RepositoryAdvisory",
        doc=ADVISORY_DOC,
    ),
    route("GET", r"/rate_limit", rate_limit),
]
