"""Labels on issues and pull requests (they share GitHub's numbering): add (a label that does not
exist yet is created, as GitHub does) and remove (404 `Label does not exist` when it is not there)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from release_train.github_standin.core import Core
from release_train.github_standin.pulls import label_json
from release_train.github_standin.web import (
    HttpError,
    Request,
    Response,
    Route,
    error,
    not_found,
    route,
)

DOC = "https://docs.github.com/rest/issues/labels"


def _labels_of(core: Core, number: int) -> list[str]:
    pr = core.state.pulls.get(number)
    if pr is not None:
        return pr.labels
    for issue in core.state.issues:
        if issue["number"] == number:
            names: list[str] = issue.setdefault("label_names", [])
            return names
    raise HttpError(not_found(DOC))


def _answer(core: Core, number: int, names: list[str]) -> Response:
    for issue in core.state.issues:
        if issue["number"] == number:
            issue["labels"] = [label_json(name) for name in names]
    return Response(200, [label_json(name) for name in names])


def add(core: Core, req: Request, m: re.Match[str]) -> Response:
    number = int(m["n"])
    names = _labels_of(core, number)
    for item in req.json().get("labels", []):
        name = item if isinstance(item, str) else str(item["name"])
        if name not in names:
            names.append(name)
    return _answer(core, number, names)


def remove(core: Core, req: Request, m: re.Match[str]) -> Response:
    number = int(m["n"])
    names = _labels_of(core, number)
    name = unquote(m["name"])
    if name not in names:
        return error(404, "Label does not exist", DOC)
    names.remove(name)
    return _answer(core, number, names)


ROUTES: list[Route] = [
    route("POST", r"/repo/issues/(?P<n>\d+)/labels", add, body="issues/add-labels", doc=DOC),
    route("DELETE", r"/repo/issues/(?P<n>\d+)/labels/(?P<name>[^/]+)", remove),
]
