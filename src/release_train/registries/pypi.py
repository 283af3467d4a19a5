"""The Python package index adapter: PyPI, or any index speaking its upload API and simple API
(the bundled pypiserver is this same adapter pointed at its URLs).

The index is the source of truth. What is published is read from the simple API (`versions`):
every file of every version with its sha256. `publish` uploads a package's artefacts one file at
a time, each only when the index does not list it; a file the index lists under the same name
with other bytes is refused (a published file never changes), so a run interrupted between the
sdist and the wheel, run again, uploads the wheel alone. A version counts as visible once the
simple API lists it (what pip resolves against), not when the upload is answered.

`package` builds an sdist and a wheel per member (`pypi_build.py`) and checks them with
`twine check --strict`. Uploading needs the index's API token (user `__token__`); on GitHub
Actions with `id-token: write` and no token, PyPI's trusted publishing mints one (`pypi_oidc.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from release_train.infra.clock import Clock, SystemClock
from release_train.registries.interface import (
    Artefact,
    PublishedVersion,
    RateLimited,
    RegistryCapability,
    Rejected,
    Unavailable,
    UploadRequest,
    compare_files,
)
from release_train.registries.pypi_simple import ACCEPT, project_files, versions_of
from release_train.registries.shared_client import SharedClient

if TYPE_CHECKING:
    import httpx

    from release_train.workspaces.interface import Package

PYPI_INDEX = "https://pypi.org/simple/"
PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
TOKEN_USER = "__token__"  # noqa: S105 (the user name PyPI's API tokens go with, not a secret)
# Given the upload URL, a token for it: asked once, at the first upload (trusted publishing mints then).
TokenSource = Callable[[str], str | None]


class PypiRegistry:
    """A Python package index: `index` is its simple API (`.../simple/`), `upload_url` its upload
    endpoint. The token is never logged or shown."""

    # The upload API has no yank (PEP 592 yanking is done on the index's pages).
    capabilities: frozenset[RegistryCapability] = frozenset({RegistryCapability.UPLOAD})

    def __init__(
        self,
        index: str,
        upload_url: str,
        token: str | None,
        *,
        clock: Clock | None = None,
        isolation: bool = True,
        timeout: float = 600.0,
        mint_token: TokenSource | None = None,
        token_env: str = "PYPI_TOKEN",  # noqa: S107 (a variable name, not a secret)
    ) -> None:
        self.index = index if index.endswith("/") else index + "/"
        self.upload_url = upload_url
        self.token = token
        self.clock: Clock = clock or SystemClock()
        self.isolation = isolation
        self.timeout = timeout  # one file's upload
        self._mint_token = mint_token
        self.token_env = token_env  # where the token comes from, for messages
        self._read_with_token = False  # set after a 401: only indexes that protect reads get it
        self._client = SharedClient(timeout=30.0, follow_redirects=True)
        self._lock = threading.Lock()  # the token is minted once

    @property
    def label(self) -> str:
        return self.index

    # --- reading: the simple API ---------------------------------------------------------------
    def _auth(self) -> tuple[str, str] | None:
        token = self._credential()
        return (TOKEN_USER, token) if token else None

    def _credential(self) -> str | None:
        with self._lock:
            if self.token is None and self._mint_token is not None:
                self.token, self._mint_token = self._mint_token(self.upload_url), None
            return self.token

    def versions(self, name: str) -> dict[str, PublishedVersion]:
        import httpx
        from packaging.utils import canonicalize_name

        url = f"{self.index}{canonicalize_name(name)}/"
        headers = {"Accept": ACCEPT, "Cache-Control": "no-cache"}
        try:
            auth = self._auth() if self._read_with_token else None
            response = self._client().get(url, headers=headers, auth=auth)
            if response.status_code == 401 and not self._read_with_token and self._credential():
                self._read_with_token = True
                return self.versions(name)
        except httpx.HTTPError as exc:
            raise Unavailable(f"cannot read the index at {url}: {exc}") from exc
        if response.status_code in (404, 410) or not _same_origin(str(response.url), self.index):
            return {}  # a new project (an index that falls back to PyPI redirects there: not ours)
        if response.status_code >= 500:
            raise Unavailable(f"the index at {url} answered {response.status_code}")
        if response.status_code != 200:
            raise Unavailable(f"the index answered {response.status_code} for {name} at {url}")
        return versions_of(name, project_files(response.headers.get("content-type", ""), response.text))

    def is_visible(self, name: str, version: str) -> bool:
        return _pep440(version) in self.versions(name)

    def for_package(self, name: str) -> PypiRegistry:
        return self

    def yank(self, name: str, version: str) -> None:
        """The upload API has no yank (PEP 592 yanking is done on the index's web pages)."""
        raise Rejected(
            f"cannot yank {name} {version} through {self.upload_url}: the upload API has no yank",
            "yank not supported",
            hint=f"yank {name} {version} on the index's web page (PyPI: the release's settings)",
        )

    # --- building ------------------------------------------------------------------------------
    def package(
        self, workspace: Path, target_dir: Path, packages: Sequence[Package]
    ) -> dict[str, tuple[Artefact, ...]]:
        from release_train.registries.pypi_build import build_all

        spell = {p.name: _pep440(str(p.version)) for p in packages}
        return build_all(packages, target_dir, spell, isolation=self.isolation)

    # --- uploading -----------------------------------------------------------------------------
    def publish(self, request: UploadRequest) -> None:
        what = f"{request.name} {request.version}"
        if not request.files:
            raise Rejected(f"{what}: nothing to upload", "no artefacts", hint="package the workspace first")
        there = self.versions(request.name).get(_pep440(request.version))
        missing, clashes = compare_files(request.files, there)
        if clashes:
            raise self._clash(what, clashes)
        for artefact in missing:
            self._upload(request, artefact)

    def _clash(self, what: str, clashes: list[str]) -> Rejected:
        return Rejected(
            f"{what}: the index already has other files under these names:\n"
            + "\n".join(f"  - {c}" for c in clashes),
            "a file of that name holds other bytes",
            hint="a published file never changes: bump the version (release-patch) and publish that",
        )

    def _upload(self, request: UploadRequest, artefact: Artefact) -> None:
        import httpx

        from release_train.registries.pypi_upload import form_fields

        what = f"{request.name} {request.version}"
        content = artefact.path.read_bytes()
        try:
            fields = form_fields(artefact.path, content)
        except ValueError as exc:
            raise Rejected(f"{what}: {exc}", str(exc)) from exc
        files = {"content": (artefact.filename, content, "application/octet-stream")}
        timeout = httpx.Timeout(30.0, read=self.timeout, write=self.timeout)
        try:
            auth = self._auth()
            response = self._client().post(
                self.upload_url,
                data=_form(fields),
                files=files,
                timeout=timeout,
                auth=httpx.BasicAuth(*auth) if auth else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise Unavailable(
                f"{what}: uploading {artefact.filename} to {self.upload_url} failed: {exc}"
            ) from exc
        if response.status_code < 300:
            return
        self._refusal(request, artefact, response)

    def _refusal(self, request: UploadRequest, artefact: Artefact, response: httpx.Response) -> None:
        from release_train.registries.pypi_upload import server_message

        what = f"{request.name} {request.version}"
        status = response.status_code
        said = _mask(
            server_message(
                status, response.reason_phrase, response.headers.get("content-type", ""), response.text
            ),
            self.token,
        )
        where = f"{what}: {artefact.filename}"
        if status == 429:
            wait = _retry_after(response.headers.get("retry-after"))
            raise RateLimited(f"{where}: rate limited by {self.upload_url}: {said}", wait)
        if status >= 500:
            raise Unavailable(f"{where}: {self.upload_url} is unavailable ({status}): {said}")
        if status in (400, 409) and "exist" in said.lower():
            # It landed meanwhile (another run, or an answer lost on the way): the index decides.
            there = self.versions(request.name).get(_pep440(request.version))
            missing, clashes = compare_files([artefact], there)
            if clashes:
                raise self._clash(what, clashes)
            if not missing:
                return
        hint = (
            f"the index refused the token: put a valid API token for it in {self.token_env}"
            if status in (401, 403)
            else "fix what the index names"
        )
        raise Rejected(f"{where}: rejected by {self.upload_url} ({status}): {said}", said, hint=hint)


def _form(fields: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """The fields as httpx takes them: one value, or a list for a repeated field."""
    form: dict[str, str | list[str]] = {}
    for key, value in fields:
        if key in form:
            held = form[key]
            form[key] = [*held, value] if isinstance(held, list) else [held, value]
        else:
            form[key] = value
    return form


def _pep440(version: str) -> str:
    """`version` as PEP 440 normalises it (the train's `2.0.0-rc.1` is `2.0.0rc1`)."""
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 60.0
    except ValueError:
        return 60.0


def _mask(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text
