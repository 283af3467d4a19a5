"""What stands in front of pypiserver in the bundled index: uploads arrive whole, one at a time,
and what PyPI refuses is refused here too.

pypiserver stores whatever part of an upload arrived: an uploader killed mid-file leaves a
truncated file under the real name, which every later run then sees as "the same name with other
bytes". PyPI stores an upload only once it is complete, so here the body is read in full first
and an incomplete one is answered 400 without reaching pypiserver. Uploads are then handed on one
at a time (pypiserver checks "already there" and writes without a lock), and the listing waits
for a write in progress, so it never shows a half-written file's hash.

PyPI checks an upload's metadata before storing it; pypiserver does not. The checks here are
PyPI's (warehouse's upload form) that a correctly built distribution can still fail, answered as
PyPI answers, 400 with the reason in the status line: a `Private ::` classifier (the way a
project says "never upload this"), a version that is not PEP 440, a name or version that does
not match the file's, a summary over 512 characters (neither the build backends nor `twine check`
look), a digest that does not match the bytes. Requests without valid credentials
go on to pypiserver untouched, which answers 401 or 403 itself.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Auther = Callable[[str, str], bool]


class UploadGate:
    def __init__(self, app: WSGIApp, auther: Auther, stored: Callable[[str], None]) -> None:
        self.app = app
        self.auther = auther
        self.stored = stored  # called with each file name pypiserver accepted
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            with self.lock:  # not while an upload is being written
                return _drain(self.app(environ, start_response))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = _read(environ["wsgi.input"], length)
        if len(body) < length:
            return _answer(
                start_response,
                f"incomplete upload: {len(body)} of {length} bytes arrived; nothing was stored",
            )
        environ["wsgi.input"] = io.BytesIO(body)
        if not self._authorised(environ):
            return _drain(self.app(environ, start_response))
        form = _form(environ.get("CONTENT_TYPE", ""), body)
        problem = refusal(form)
        if problem:
            return _answer(start_response, problem)
        status: list[str] = []

        def record(line: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            status.append(line)
            return start_response(line, headers, *rest)

        with self.lock:
            answer = _drain(self.app(environ, record))
        filename, _ = _content(form)
        if status and status[0].startswith("200") and filename:
            self.stored(filename)
        return answer

    def _authorised(self, environ: dict[str, Any]) -> bool:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return self.auther(user, password)


def _drain(answer: Iterable[bytes]) -> list[bytes]:
    """The whole answer, and the app's iterable closed as the WSGI server would close it (a file
    pypiserver serves is open until then)."""
    try:
        return list(answer)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()


def _read(stream: Any, length: int) -> bytes:
    chunks, left = [], length
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


Form = dict[str, list[EmailMessage]]
SUMMARY_LIMIT = 512  # PyPI's column for the one-line summary (`description` in pyproject.toml)


def _form(content_type: str, body: bytes) -> Form:
    """The parts of a multipart/form-data body by field name (a repeated field has several)."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    parts: Form = {}
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        return parts
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and isinstance(part, EmailMessage):
            parts.setdefault(name, []).append(part)
    return parts


def _texts(form: Form, key: str) -> list[str]:
    found = []
    for part in form.get(key, []):
        payload = part.get_payload(decode=True)
        found.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else "")
    return found


def _text(form: Form, key: str) -> str:
    return next(iter(_texts(form, key)), "")


def _content(form: Form) -> tuple[str, bytes]:
    """The uploaded file's name and bytes ("" and b"" when there is none)."""
    for part in form.get("content", []):
        payload = part.get_payload(decode=True)
        return str(part.get_filename() or ""), payload if isinstance(payload, bytes) else b""
    return "", b""


def refusal(form: Form) -> str | None:
    """Why PyPI would refuse this upload, or None."""
    if _text(form, ":action") != "file_upload":
        return None  # pypiserver answers other actions itself
    return next(_problems(form), None)


def _problems(form: Form) -> Iterator[str]:
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    from release_train.registries.pypi_simple import distribution_name

    filename, payload = _content(form)
    if not filename:
        yield "Upload payload does not have a file."
    parsed = distribution_name(filename)
    if parsed is None:
        yield f"Invalid distribution file: {filename!r} is not a wheel or sdist file name."
    name, version = _text(form, "name"), _text(form, "version")
    try:
        normal = str(Version(version))
    except InvalidVersion:
        yield f"{version!r} is an invalid value for Version: it is not a PEP 440 version."
        return
    if (str(canonicalize_name(name)), normal) != parsed:
        yield f"The file {filename!r} is not a distribution of {name} {version}."
    for classifier in _texts(form, "classifiers"):
        if classifier.startswith("Private ::"):
            yield f"Invalid value for classifiers: {classifier!r}. Classifiers starting with 'Private ::' are never accepted."
    summary = _text(form, "summary")
    if len(summary) > SUMMARY_LIMIT:
        yield f"Invalid value for summary: it is {len(summary)} characters long; the limit is {SUMMARY_LIMIT}."
    digest = _text(form, "sha256_digest")
    if digest and hashlib.sha256(payload).hexdigest() != digest:
        yield "The digest supplied does not match a digest calculated from the uploaded file."


def _answer(start_response: Callable[..., Any], message: str) -> list[bytes]:
    """400 with the reason in the status line, as PyPI answers, and in the body."""
    reason = " ".join(message.split()).encode("latin-1", "replace").decode("latin-1")
    body = (message + "\n").encode()
    start_response(
        f"400 {reason}", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
