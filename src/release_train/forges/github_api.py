"""The one HTTP client of the GitHub forge: auth headers, error mapping, `Link` pagination and
rate-limit waits on the injected clock. The token lives in a `Token` whose repr is `***` and is
masked in every message built here; httpx is imported only when a client is made."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from release_train.context import Context
from release_train.forges.interface import ForgeError, NotFound

if TYPE_CHECKING:
    import ssl

    import httpx

API_VERSION = "2022-11-28"
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')


class RateLimited(ForgeError):
    """GitHub kept refusing for rate limits after the bounded waits."""


class Token:
    """A secret whose repr and str are `***`, so it cannot leak through a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def mask(self, text: str) -> str:
        return text.replace(self._value, "***") if self._value else text

    def __repr__(self) -> str:
        return "Token('***')"

    def __str__(self) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)


def token_from_env(names: Sequence[str], environ: Mapping[str, str]) -> Token | None:
    """The first non-empty variable of `names` (`[forge] token-env`); the CLI passes `os.environ`."""
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return Token(value)
    return None


def next_link(header: str | None) -> str | None:
    """The `rel="next"` URL of a `Link` header, followed as given (page, cursor or since)."""
    for url, rel in _LINK.findall(header or ""):
        if rel == "next":
            return str(url)
    return None


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context (httpx's default trust) for every client: building one loads the CA bundle
    (~50 ms), and each command, reaction and demo step opens its own client."""
    import httpx

    return httpx.create_ssl_context()


class Api:
    """The HTTP client: auth headers, error mapping, pagination, rate-limit waits."""

    def __init__(
        self, api_url: str, token: Token | None, ctx: Context, transport: Any = None, max_waits: int = 5
    ) -> None:
        import httpx

        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "release-train",
        }
        if token:
            headers["Authorization"] = f"Bearer {token.reveal()}"
        self.base = api_url.rstrip("/")
        self.token = token or Token("")
        self.ctx = ctx
        self.max_waits = max_waits
        self.client = httpx.Client(
            headers=headers, timeout=30.0, follow_redirects=True, transport=transport, verify=_tls()
        )

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        allow: Sequence[int] = (),
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send, waiting out rate limits; a status >= 400 not in `allow` raises a `ForgeError`."""
        full = url if "://" in url else f"{self.base}{url}"
        waits = 0
        while True:
            response = self._send(method, full, params, json, content, headers)
            delay = self._rate_limit_delay(response, waits)
            if delay is None:
                break
            waits += 1
            if waits > self.max_waits:
                raise RateLimited(
                    f"GitHub still rate-limits {method} {self._path(full)} after {self.max_waits} waits",
                    hint="wait for the limit to reset (see `GET /rate_limit`) and run again; "
                    "completed steps are not repeated",
                )
            self.ctx.emit("wait", f"GitHub rate limit: waiting {delay:.0f} s", seconds=delay)
            self.ctx.clock.sleep(delay)
        if response.status_code >= 400 and response.status_code not in allow:
            raise self.error(response, f"{method} {self._path(full)}")
        if 200 <= response.status_code < 300 and response.content:
            self._require_json(response, method, full)
        return response

    def _require_json(self, response: httpx.Response, method: str, url: str) -> None:
        """Every answer of the REST API is JSON; anything else (a web page from a wrong
        api-url, a proxy's or captive portal's page, a cut-off body) is a clear error here, not a
        decoding crash in the caller. (Decoding once more costs milliseconds for a full page.)"""
        try:
            response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            seen = " ".join(self.token.mask(response.text[:120]).split())
            raise ForgeError(
                f"GitHub answered {response.status_code} to {method} {self.token.mask(url)} with "
                f"{kind}, not JSON: {seen!r}",
                hint="check [forge] api-url: it must be the REST API (https://api.github.com, or "
                "https://HOST/api/v3 for GitHub Enterprise), not a web page or a proxy; then run again",
            ) from None

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        import httpx

        try:
            return self.client.request(
                method, url, params=params, json=json, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            # The message of a transport error names the URL only; mask anyway, and drop the
            # exception chain so no request object (with its headers) rides along.
            detail = self.token.mask(f"{type(exc).__name__}: {exc}")
            raise ForgeError(
                f"cannot reach GitHub at {urlsplit(url).netloc}: {detail}",
                hint="check [forge] api-url and the network, then run again",
            ) from None

    def _rate_limit_delay(self, response: httpx.Response, waits: int) -> float | None:
        """Seconds to wait before retrying, or None when this is not a rate-limit answer.
        Order from GitHub's docs: retry-after, then x-ratelimit-reset when remaining is 0, then
        (secondary limit without headers) one minute doubling per attempt."""
        status = response.status_code
        if status in (502, 503, 504) and waits < 2:
            return float(2**waits)
        if status not in (403, 429):
            return None
        headers = response.headers
        retry_after = headers.get("retry-after", "")
        if retry_after.isdigit():
            return float(retry_after)
        reset = headers.get("x-ratelimit-reset", "")
        if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
            return max(float(reset) - self.ctx.clock.now().timestamp(), 1.0)
        if status == 429 or "secondary rate limit" in message_of(response).lower():
            return float(60 * 2**waits)
        return None

    def error(self, response: httpx.Response, what: str) -> ForgeError:
        status = response.status_code
        text = self.token.mask(message_of(response))
        errors = error_items(response)
        detail = f"{text} ({'; '.join(self.token.mask(e) for e in errors)})" if errors else text
        message = f"GitHub answered {status} to {what}: {detail}"
        if status == 401:
            return ForgeError(
                message,
                hint="the token was refused: set a valid one in the variable named by [forge] token-env",
            )
        if status == 403:
            needed = response.headers.get("x-accepted-github-permissions")
            return ForgeError(
                message, hint=f"the token needs: {needed}" if needed else "check the token's permissions"
            )
        if status == 404:
            return NotFound(message, hint="check [project] repository and that the token can see it")
        return ForgeError(message)

    def paginate(
        self, url: str, params: Mapping[str, Any] | None = None, key: str | None = None
    ) -> Iterator[Any]:
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        next_url: str | None = url
        while next_url:
            response = self.request("GET", next_url, params=query)
            data = response.json()
            yield from data[key] if key else data
            next_url = next_link(response.headers.get("link"))
            query = None  # the next link carries the whole query

    def _path(self, url: str) -> str:
        return self.token.mask(urlsplit(url).path)


def message_of(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    return str(data.get("message", "")) if isinstance(data, dict) else str(data)[:200]


def error_items(response: httpx.Response) -> list[str]:
    try:
        data = response.json()
    except ValueError:
        return []
    items = data.get("errors", []) if isinstance(data, dict) else []
    return [i if isinstance(i, str) else str(i.get("message") or i.get("code", "")) for i in items]
