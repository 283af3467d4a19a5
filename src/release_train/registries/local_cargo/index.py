"""Cargo's registry protocol as pure functions: index paths, name and version rules, the publish
body, and the conversion of publish metadata into an index line.

Facts follow cargo's documentation and what cargo 1.95 was seen to send (see the registry notes
of the project): dependency metadata names the *real* package and carries the alias in
`explicit_name_in_toml`, while an index line names the alias and puts the real name in `package`.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from typing import Any

MAX_NAME_LENGTH = 64
# crates.io: ASCII letters, digits, `-` and `_`, starting with a letter.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Semantic Versioning 2.0.0, as cargo accepts it.
_IDENT = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    rf"(?:-{_IDENT}(?:\.{_IDENT})*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


class ApiError(Exception):
    """A request the registry answers with an error status and a crates.io-style `detail`."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def canonical_name(name: str) -> str:
    """Names that differ only by case or by `-`/`_` are the same crate (crates.io's rule)."""
    return name.lower().replace("-", "_")


def check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        raise ApiError(
            400,
            f"invalid crate name `{name}`: use at most {MAX_NAME_LENGTH} ASCII letters, digits, "
            "`-` or `_`, starting with a letter",
        )


def check_version(version: str) -> None:
    if not _SEMVER.fullmatch(version):
        raise ApiError(400, f"invalid version `{version}`: not a semantic version")


def version_key(version: str) -> str:
    """Versions clash when they differ only by build metadata (`1.0.7` and `1.0.7+x`)."""
    return version.split("+", 1)[0]


def index_path(name: str) -> str:
    """The path of a crate's file below the index root, from its lower-cased name."""
    lower = name.lower()
    if len(lower) == 1:
        return f"1/{lower}"
    if len(lower) == 2:
        return f"2/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[0:2]}/{lower[2:4]}/{lower}"


def name_from_index_path(path: str) -> str | None:
    """The crate name an index path asks for, or None when the path is not well formed."""
    name = path.rsplit("/", 1)[-1]
    return name if name and index_path(name) == path else None


@dataclass(frozen=True)
class Upload:
    """A decoded `PUT /api/v1/crates/new` body."""

    metadata: dict[str, Any]
    crate: bytes

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def version(self) -> str:
        return str(self.metadata.get("vers", ""))


def parse_publish_body(body: bytes) -> Upload:
    """Body: u32 LE length, JSON metadata, u32 LE length, the `.crate` (a gzip tarball)."""
    try:
        (json_len,) = struct.unpack_from("<I", body, 0)
        raw_json = body[4 : 4 + json_len]
        (crate_len,) = struct.unpack_from("<I", body, 4 + json_len)
        crate = body[8 + json_len : 8 + json_len + crate_len]
    except struct.error as exc:
        raise ApiError(400, f"invalid upload request: truncated body ({len(body)} bytes)") from exc
    if len(raw_json) != json_len or len(crate) != crate_len:
        raise ApiError(400, f"invalid upload request: truncated body ({len(body)} bytes)")
    try:
        metadata = json.loads(raw_json)
    except ValueError as exc:
        raise ApiError(400, f"invalid upload request: metadata is not JSON: {exc}") from exc
    if not isinstance(metadata, dict):
        raise ApiError(400, "invalid upload request: metadata is not a JSON object")
    return Upload(metadata, crate)


def encode_publish_body(metadata: dict[str, Any], crate: bytes) -> bytes:
    """The inverse of `parse_publish_body`, for clients and tests."""
    raw = json.dumps(metadata).encode()
    return struct.pack("<I", len(raw)) + raw + struct.pack("<I", len(crate)) + crate


def index_dep(dep: dict[str, Any]) -> dict[str, Any]:
    """One dependency of the publish metadata as an index `deps[]` entry.

    Unset optional fields are omitted by cargo, so a missing field reads as its default.
    """
    alias = dep.get("explicit_name_in_toml")
    return {
        "name": alias or dep["name"],
        "req": dep.get("version_req", "*"),
        "features": list(dep.get("features") or []),
        "optional": bool(dep.get("optional", False)),
        "default_features": bool(dep.get("default_features", True)),
        "target": dep.get("target"),
        "kind": dep.get("kind") or "normal",
        # cargo sends null for "this registry" and an index URL for any other: copy as is.
        "registry": dep.get("registry"),
        "package": dep["name"] if alias else None,
    }


def index_entry(metadata: dict[str, Any], cksum: str, pubtime: str) -> dict[str, Any]:
    """The index line for an accepted upload (`v: 2` so `dep:`/`?/` features may stay inline)."""
    entry: dict[str, Any] = {
        "name": metadata["name"],
        "vers": metadata["vers"],
        "deps": [index_dep(d) for d in metadata.get("deps") or []],
        "cksum": cksum,
        "features": dict(metadata.get("features") or {}),
        "yanked": False,
        "links": metadata.get("links"),
        "v": 2,
        "pubtime": pubtime,
    }
    if metadata.get("rust_version"):
        entry["rust_version"] = metadata["rust_version"]
    return entry


def check_deps(metadata: dict[str, Any]) -> None:
    deps = metadata.get("deps") or []
    if not isinstance(deps, list) or not all(isinstance(d, dict) and d.get("name") for d in deps):
        raise ApiError(400, "invalid upload request: `deps` must be a list of objects with a `name`")


def index_line(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, separators=(",", ":")).encode() + b"\n"
