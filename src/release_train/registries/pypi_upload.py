"""The upload API of a Python package index: the legacy form upload PyPI serves at `/legacy/`
(and pypiserver at its root), as twine speaks it.

One POST per file, `multipart/form-data`: `:action=file_upload`, `protocol_version=1`, the file's
core metadata (read from its `METADATA` or `PKG-INFO`, field names as the form spells them), what
kind of file it is, its sha256 and blake2b-256 digests, and the file as `content`. HTTP Basic
authentication with the user `__token__` and the API token as password, as PyPI wants.
"""

from __future__ import annotations

import hashlib
import html
import re
import tarfile
import zipfile
from http import HTTPStatus
from pathlib import Path
from typing import Any

# RawMetadata's keys (packaging.metadata) that the form spells otherwise
_FORM_NAMES = {
    "platforms": "platform",
    "supported_platforms": "supported_platform",
    "license_files": "license_file",
}
_PRE = re.compile(r"<pre>(.*?)</pre>", re.DOTALL | re.IGNORECASE)
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL | re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def core_metadata(path: Path) -> bytes:
    """The core metadata file inside a wheel (`*.dist-info/METADATA`) or an sdist (`PKG-INFO` at
    its top)."""
    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as wheel:
            names = [n for n in wheel.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
            if len(names) == 1:
                return wheel.read(names[0])
    elif path.name.endswith(".tar.gz"):
        with tarfile.open(path, "r:gz") as sdist:
            for member in sdist.getmembers():
                if member.isfile() and member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                    extracted = sdist.extractfile(member)
                    if extracted is not None:
                        return extracted.read()
    raise ValueError(
        f"{path.name}: no core metadata found (not a wheel or .tar.gz sdist built by a PEP 517 backend)"
    )


def form_fields(path: Path, content: bytes) -> list[tuple[str, str]]:
    """The form's fields for uploading `path` (whose bytes are `content`), as twine sends them."""
    from packaging.metadata import parse_email

    raw, _ = parse_email(core_metadata(path))
    fields: list[tuple[str, str]] = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("filetype", "bdist_wheel" if path.name.endswith(".whl") else "sdist"),
        ("pyversion", _python_tag(path.name)),
        ("sha256_digest", hashlib.sha256(content).hexdigest()),
        ("blake2_256_digest", hashlib.blake2b(content, digest_size=32).hexdigest()),
    ]
    for key, value in raw.items():
        name = _FORM_NAMES.get(key, key)
        fields.extend((name, text) for text in _texts(key, value))
    return fields


def _texts(key: str, value: Any) -> list[str]:
    if key == "keywords":
        return [",".join(value)]
    if key == "project_urls":
        return [f"{label}, {url}" for label, url in value.items()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _python_tag(filename: str) -> str:
    if not filename.endswith(".whl"):
        return "source"
    from packaging.utils import parse_wheel_filename

    _, _, _, tags = parse_wheel_filename(filename)
    return sorted({t.interpreter for t in tags})[0] if tags else "py3"


def server_message(status: int, reason: str, content_type: str, body: str) -> str:
    """What the index said, in one line: PyPI puts it in the status line's reason, pypiserver
    (bottle) in an HTML page's `<pre>`, others in a plain body."""
    try:
        standard = HTTPStatus(status).phrase
    except ValueError:
        standard = ""
    parts = [reason] if reason and reason != standard else []
    text = body
    if "html" in content_type.lower():
        match = _PRE.search(body) or _TITLE.search(body)
        text = html.unescape(_TAGS.sub(" ", match[1] if match else body))
    text = " ".join(text.split())
    if text and text not in ("None", standard) and text not in parts:
        parts.append(text[:500])
    return "; ".join(parts) or f"{status} {standard}".strip()
