"""The small HTTP vocabulary of the stand-in: a parsed request, a response value, GitHub's error
bodies and GitHub's `Link` pagination (`per_page` default 30, max 100, `page` from 1)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from release_train.values import dataclass, field

if TYPE_CHECKING:
    from release_train.github_standin.core import Core

DOCS = "https://docs.github.com/rest"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query, with /repos/OWNER/NAME normalised to /repo
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    public_path: str  # the path as sent, for Link headers

    def json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            value = json.loads(self.body)
        except ValueError:
            raise HttpError(error(400, "Problems parsing JSON")) from None
        if not isinstance(value, dict):
            raise HttpError(error(400, "Body should be a JSON object"))
        return value


@dataclass
class Response:
    status: int
    body: Any = None  # a JSON value, raw bytes, or None for no body
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    """Raised by a handler to answer with `response` at once."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


Handler = Callable[["Core", Request, "re.Match[str]"], Response]


@dataclass(frozen=True)
class Route:
    """A handler for METHOD + path pattern, with the schema (`schema.SPECS` keys) its body and
    query are checked against before it runs."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    body: str | None = None
    query: str | None = None
    resource: str = ""  # names the resource in a query refusal
    doc: str = DOCS


def route(
    method: str,
    pattern: str,
    handler: Handler,
    *,
    body: str | None = None,
    query: str | None = None,
    resource: str = "",
    doc: str = DOCS,
) -> Route:
    return Route(method, re.compile(f"^{pattern}$"), handler, body, query, resource, doc)


def error(status: int, message: str, doc: str = DOCS) -> Response:
    """GitHub's basic-error body; newer responses carry `status` as a string."""
    return Response(status, {"message": message, "documentation_url": doc, "status": str(status)})


def not_found(doc: str = DOCS) -> Response:
    return error(404, "Not Found", doc)


def validation_failed(errors: Sequence[Mapping[str, Any]], doc: str = DOCS) -> Response:
    return Response(422, {"message": "Validation Failed", "errors": list(errors), "documentation_url": doc})


def unprocessable(message: str, doc: str = DOCS) -> Response:
    """A 422 without `errors[]` (as "Reference already exists")."""
    return Response(422, {"message": message, "documentation_url": doc})


def require(body: Mapping[str, Any], *names: str, resource: str) -> None:
    missing = [n for n in names if not body.get(n)]
    if missing:
        raise HttpError(
            validation_failed([{"resource": resource, "field": n, "code": "missing_field"} for n in missing])
        )


def page_of(core: Core, req: Request, items: Sequence[Any], wrap: str | None = None) -> Response:
    """One page of `items` with GitHub's Link header (absent when everything fits on one page)."""
    try:
        per_page = min(max(int(req.query.get("per_page", "30")), 1), 100)
        page = max(int(req.query.get("page", "1")), 1)
    except ValueError:
        return error(422, "Invalid request")
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = list(items[(page - 1) * per_page : page * per_page])
    headers: dict[str, str] = {}
    if last > 1:

        def link(n: int) -> str:
            query = {**req.query, "per_page": str(per_page), "page": str(n)}
            return f"<{core.base_url}{req.public_path}?{urlencode(query)}>"

        rels = []
        if page > 1:
            rels += [f'{link(page - 1)}; rel="prev"']
        if page < last:
            rels += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            rels += [f'{link(1)}; rel="first"']
        headers["Link"] = ", ".join(rels)
    body: Any = {"total_count": len(items), wrap: chunk} if wrap else chunk
    return Response(200, body, headers)
