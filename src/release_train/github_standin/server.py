"""The HTTP side: one `ThreadingHTTPServer` on 127.0.0.1, a dispatcher that applies GitHub's
cross-cutting rules before routing (authentication, API version, primary and secondary rate
limits, the fail-everything test hook) and rate-limit headers on every response."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from release_train.github_standin import checks, labels, pulls, refs, releases, schema
from release_train.github_standin.core import Core
from release_train.github_standin.web import HttpError, Request, Response, Route, error, not_found

ROUTES: list[Route] = [*pulls.ROUTES, *labels.ROUTES, *refs.ROUTES, *releases.ROUTES, *checks.ROUTES]
SUPPORTED_VERSIONS = ("2022-11-28", "2026-03-10")
LIMIT = 5000
RATE_DOC = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
_REPO = re.compile(r"^(/uploads)?/repos/([^/]+)/([^/]+)(/.*)?$")


def dispatch(core: Core, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
    split = urlsplit(target)
    core.state.requests.append(f"{method} {target}")
    refused = _gate(core, headers)
    if refused is not None:
        return refused
    path = _internal_path(core, split.path)
    if path is None:
        return not_found()
    request = Request(method, path, dict(parse_qsl(split.query)), headers, body, split.path)
    for entry in ROUTES:
        match = entry.pattern.match(path) if entry.method == method else None
        if match is not None:
            try:
                if entry.query is not None:
                    schema.check_query(entry.query, request.query, entry.resource, entry.doc)
                if entry.body is not None:
                    schema.check_body(entry.body, request.json(), entry.doc)
                return entry.handler(core, request, match)
            except HttpError as exc:
                return exc.response
    return not_found()


def _gate(core: Core, headers: dict[str, str]) -> Response | None:
    """What GitHub answers before routing: failures, authentication, API version, rate limits."""
    limits = core.state.limits
    if limits.fail_all is not None:
        message = "Server Error"
        if limits.echo_auth:
            message += f" (request had Authorization: {headers.get('authorization', '')})"
        return error(limits.fail_all, message)
    refused = _authenticate(core, headers)
    if refused is not None:
        return refused
    version = headers.get("x-github-api-version")
    if version is not None and version not in SUPPORTED_VERSIONS:
        return error(400, f"Unsupported 'X-GitHub-Api-Version' header: '{version}'")
    limits.used += 1
    return _rate_limited(core)


def _authenticate(core: Core, headers: dict[str, str]) -> Response | None:
    if core.state.token is None:
        return None
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if not value:
        return error(401, "Requires authentication")
    if scheme.lower() not in ("bearer", "token") or value != core.state.token:
        return error(401, "Bad credentials")
    return None


def _rate_limited(core: Core) -> Response | None:
    limits = core.state.limits
    if limits.primary_exhausted > 0:
        limits.primary_exhausted -= 1
        response = error(limits.limit_status, "API rate limit exceeded for user ID 1.", RATE_DOC)
        response.headers.update(
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(limits.primary_reset)}
        )
        return response
    if limits.secondary > 0:
        limits.secondary -= 1
        message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        response = error(limits.limit_status, message, RATE_DOC)
        if limits.secondary_retry_after is not None:
            response.headers["retry-after"] = str(limits.secondary_retry_after)
        return response
    return None


def _internal_path(core: Core, path: str) -> str | None:
    """`/repos/OWNER/NAME/...` -> `/repo/...` (owner and name are case-insensitive); None for
    another repository, which GitHub answers with 404."""
    match = _REPO.match(path)
    if match is None:
        return path
    uploads, owner, name, rest = match.groups()
    if owner.lower() != core.state.owner.lower() or name.lower() != core.state.name.lower():
        return None
    return f"{uploads or ''}/repo{rest or ''}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    core: Core


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        core = self.server.core
        with core.state.lock:
            response = dispatch(core, self.command, self.path, headers, body)
            used = core.state.limits.used
        self._write(core, response, used)

    def _write(self, core: Core, response: Response, used: int) -> None:
        if response.body is None:
            payload, kind = b"", "application/json; charset=utf-8"
        elif isinstance(response.body, bytes):
            payload, kind = response.body, "application/octet-stream"
        else:
            payload, kind = json.dumps(response.body).encode(), "application/json; charset=utf-8"
        headers = {
            "Content-Type": kind,
            "x-github-api-version-selected": "2022-11-28",
            "x-ratelimit-limit": str(LIMIT),
            "x-ratelimit-remaining": str(max(LIMIT - used, 0)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(int(core.clock.now().timestamp()) + 3600),
            "x-ratelimit-resource": "core",
            **response.headers,
        }
        self.send_response(response.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        # One request per connection: a client that is never closed (a forge a flow dropped)
        # then leaves no pooled socket behind.
        self.send_header("Connection", "close")
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: every request is recorded in `State.requests` instead."""


def make_server(core: Core, port: int = 0) -> _Server:
    server = _Server(("127.0.0.1", port), _Handler)
    server.core = core
    core.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    return server
