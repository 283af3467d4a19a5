"""PyPI's trusted publishing on GitHub Actions: the job's OIDC identity token is exchanged for a
short-lived upload token, as pypa/gh-action-pypi-publish, twine and uv do it.

1. the index says which audience its tokens are for: `GET https://DOMAIN/_/oidc/audience`;
2. GitHub mints the job's identity token for that audience: `GET $ACTIONS_ID_TOKEN_REQUEST_URL
   &audience=...` with `$ACTIONS_ID_TOKEN_REQUEST_TOKEN` (present only with `id-token: write`);
3. the index exchanges it for an API token: `POST https://DOMAIN/_/oidc/mint-token`, scoped to
   the projects whose trusted publishers match this repository and workflow.

DOMAIN is the upload URL's (upload.pypi.org, test.pypi.org). Neither token is ever printed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from release_train.registries.interface import Rejected, Unavailable

HINT = (
    "on PyPI, add this repository and workflow file as a trusted publisher of the project "
    "(a pending publisher for a new one), or set the API token in the variable [publish] token-env names"
)


def mint_token(upload_url: str, request_url: str, request_token: str) -> str:
    """An upload token for `upload_url`'s index, for this GitHub Actions job."""
    import httpx

    domain = urlsplit(upload_url).netloc
    try:
        with httpx.Client(timeout=30.0) as client:
            audience = _field(client.get(f"https://{domain}/_/oidc/audience"), "audience", domain)
            identity = client.get(
                request_url,
                params={"audience": audience},
                headers={"Authorization": f"bearer {request_token}"},
            )
            if identity.status_code != 200:
                raise Rejected(
                    f"GitHub Actions gave no OIDC identity token ({identity.status_code})",
                    "no identity token",
                    hint="the publish job needs `permissions: id-token: write`",
                )
            minted = client.post(
                f"https://{domain}/_/oidc/mint-token", json={"token": _field(identity, "value", "GitHub")}
            )
            return _field(minted, "token", domain)
    except httpx.HTTPError as exc:
        raise Unavailable(f"trusted publishing with {domain} failed: {exc}") from exc


def _field(response: Any, key: str, who: str) -> str:
    try:
        data = response.json()
    except ValueError:
        data = {}
    value = data.get(key) if isinstance(data, dict) else None
    if response.status_code == 200 and isinstance(value, str) and value:
        return value
    errors = data.get("errors") if isinstance(data, dict) else None
    said = (
        "; ".join(f"{e.get('code')}: {e.get('description')}" for e in errors or [] if isinstance(e, dict))
        or f"answered {response.status_code}"
    )
    raise Rejected(f"trusted publishing refused by {who}: {said}", said, hint=HINT)
