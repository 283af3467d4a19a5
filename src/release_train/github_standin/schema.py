"""What the stand-in checks in request bodies and query strings, before a handler runs: the types
and enums of GitHub's OpenAPI description (api.github.com, version 2022-11-28) for the fields of
the operations it serves. Only what is encoded here is checked; unknown fields are ignored, as
GitHub ignores them.

Refusals take GitHub's shapes: a body field of the wrong type answers 422 `Invalid request.\\n\\nFor
'properties/NAME', VALUE is not a TYPE.` (observed, e.g. `make_latest: true`); a value outside an
enum answers the same envelope naming the allowed values; a query parameter outside its enum
answers 422 Validation Failed with `{"resource", "field", "code": "invalid", "value"}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from release_train.github_standin import settings
from release_train.github_standin.web import HttpError, Response, validation_failed
from release_train.values import dataclass


@dataclass(frozen=True)
class Field:
    kind: str  # "string" | "boolean" | "integer" | "object" | "array"
    enum: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None


STR, BOOL, INT, OBJ = Field("string"), Field("boolean"), Field("integer"), Field("object")


def enum(*values: str) -> Field:
    return Field("string", values)


PAGE = {"per_page": INT, "page": INT}
SPECS: dict[str, Mapping[str, Field]] = {
    # pulls/create, pulls/update, pulls/merge, pulls/list
    "pulls/create": {
        "title": STR,
        "head": STR,
        "head_repo": STR,
        "base": STR,
        "body": STR,
        "maintainer_can_modify": BOOL,
        "draft": BOOL,
        "issue": INT,
    },
    "pulls/update": {
        "title": STR,
        "body": STR,
        "state": enum("open", "closed"),
        "base": STR,
        "maintainer_can_modify": BOOL,
    },
    "pulls/merge": {
        "commit_title": STR,
        "commit_message": STR,
        "sha": STR,
        "merge_method": enum("merge", "squash", "rebase"),
    },
    "pulls/list?": {
        "state": enum("open", "closed", "all"),
        "head": STR,
        "base": STR,
        "sort": enum("created", "updated", "popularity", "long-running"),
        "direction": enum("asc", "desc"),
        **PAGE,
    },
    # git/create-ref, git/update-ref, git/create-tag
    "git/create-ref": {"ref": STR, "sha": STR},
    "git/update-ref": {"sha": STR, "force": BOOL},
    "git/create-tag": {
        "tag": STR,
        "message": STR,
        "object": STR,
        "type": enum("commit", "tree", "blob"),
        "tagger": OBJ,
    },
    # repos/create-release, repos/update-release
    "releases/write": {
        "tag_name": STR,
        "target_commitish": STR,
        "name": STR,
        "body": STR,
        "draft": BOOL,
        "prerelease": BOOL,
        "discussion_category_name": STR,
        "generate_release_notes": BOOL,
        "make_latest": enum("true", "false", "legacy"),
    },
    # repos/create-commit-status, checks/create, checks/list-for-ref
    "statuses/create": {
        "state": enum("error", "failure", "pending", "success"),
        "target_url": STR,
        "description": STR,
        "context": STR,
    },
    "checks/create": {
        "name": STR,
        "head_sha": STR,
        "status": enum("queued", "in_progress", "completed"),
        "conclusion": enum(
            "action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"
        ),
    },
    "checks/list?": {
        "check_name": STR,
        "status": enum("queued", "in_progress", "completed"),
        "filter": enum("latest", "all"),
        "app_id": INT,
        **PAGE,
    },
    # issues/add-labels, issues/update, search/issues-and-pull-requests
    "issues/add-labels": {"labels": Field("array")},  # label names, or {"name": ...}
    "issues/update": {"body": STR, "state": enum("open", "closed")},
    "search/issues?": {
        "q": STR,
        "order": enum("desc", "asc"),
        "sort": enum(
            "comments",
            "reactions",
            "reactions-+1",
            "reactions--1",
            "reactions-smile",
            "reactions-thinking_face",
            "reactions-heart",
            "reactions-tada",
            "interactions",
            "created",
            "updated",
        ),
        **PAGE,
    },
    # security-advisories/list-repository-advisories
    "advisories/list?": {
        "direction": enum("asc", "desc"),
        "sort": enum("created", "updated", "published"),
        "state": enum("triage", "draft", "published", "closed"),
        "per_page": Field("integer", low=1, high=100),
    },
    # repos/update (the merge settings only)
    "repos/update": {
        "allow_squash_merge": BOOL,
        "allow_merge_commit": BOOL,
        "allow_rebase_merge": BOOL,
        "delete_branch_on_merge": BOOL,
        "squash_merge_commit_title": enum(*settings.SQUASH_TITLES),
        "squash_merge_commit_message": enum(*settings.SQUASH_MESSAGES),
        "merge_commit_title": enum(*settings.MERGE_TITLES),
        "merge_commit_message": enum(*settings.MERGE_MESSAGES),
    },
    "page?": PAGE,
}

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "object": (dict,),
    "array": (list,),
}


def check_body(spec: str, body: Mapping[str, Any], doc: str) -> None:
    """Raise GitHub's 422 for the first field of `body` that `SPECS[spec]` refuses."""
    for name, value in body.items():
        field = SPECS[spec].get(name)
        if field is None:
            continue
        problem = _problem(field, value)
        if problem is not None:
            message = f"Invalid request.\n\nFor 'properties/{name}', {json.dumps(value)} {problem}."
            raise HttpError(Response(422, {"message": message, "documentation_url": doc, "status": "422"}))


def _problem(field: Field, value: Any) -> str | None:
    # bool is an int in Python: a boolean is never an integer here, as in JSON
    wrong = isinstance(value, bool) and field.kind != "boolean"
    if wrong or not isinstance(value, _TYPES[field.kind]):
        return f"is not {'an' if field.kind[0] in 'aeiou' else 'a'} {field.kind}"
    if field.enum and value not in field.enum:
        return f"is not one of {json.dumps(list(field.enum))}"
    items: list[Any] = value if isinstance(value, list) else []
    if field.kind == "array" and not (items and all(_is_label(item) for item in items)):
        return "is not an array of label names"
    return None


def _is_label(item: Any) -> bool:
    return isinstance(item, str) or (isinstance(item, dict) and isinstance(item.get("name"), str))


def check_query(spec: str, query: Mapping[str, str], resource: str, doc: str) -> None:
    """Raise GitHub's 422 Validation Failed for a query parameter outside its type or enum."""
    for name, value in query.items():
        field = SPECS[spec].get(name)
        if field is None or _query_ok(field, value):
            continue
        error = {"resource": resource, "field": name, "code": "invalid", "value": value}
        raise HttpError(validation_failed([error], doc))


def _query_ok(field: Field, value: str) -> bool:
    if field.kind == "integer":
        if not value.lstrip("-").isdigit():
            return False
        number = int(value)
        return (field.low is None or number >= field.low) and (field.high is None or number <= field.high)
    return not field.enum or value in field.enum
