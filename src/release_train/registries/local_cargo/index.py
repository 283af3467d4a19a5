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
from typing import Any

from release_train.values import dataclass

MAX_NAME_LENGTH = 64
# crates.io: ASCII letters, digits, `-` and `_`, starting with a letter (cargo accepts more
# locally, but refuses to publish such a name to crates.io).
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*", re.ASCII)
# Cargo refuses these names of devices on Windows (and a crate by that name cannot be stored there).
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(1, 10)] + [f"lpt{i}" for i in range(1, 10)]
)
# Semantic Versioning 2.0.0 as cargo's `semver` crate reads it. ASCII only: Python's `\d` would
# also take Arabic-Indic or fullwidth digits, which cargo refuses.
_NUMBER = r"(?:0|[1-9][0-9]*)"
_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"({_NUMBER})\.({_NUMBER})\.({_NUMBER})"
    rf"(?:-{_IDENT}(?:\.{_IDENT})*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?",
    re.ASCII,
)
_U64_MAX = 2**64 - 1
# A version requirement, loosely: the characters cargo's requirement syntax uses.
_REQ = re.compile(r"[0-9A-Za-z.*^~=<>,+\- ]{1,256}", re.ASCII)
_RUST_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+){0,2}", re.ASCII)
DEP_KINDS = ("normal", "dev", "build")


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


def check_name(name: object, what: str = "crate name") -> None:
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        shown = name if isinstance(name, str) else json.dumps(name)
        raise ApiError(
            400,
            f"invalid {what} `{shown[:80]}`: use at most {MAX_NAME_LENGTH} ASCII letters, digits, "
            "`-` or `_`, starting with a letter",
        )
    if name.lower() in _WINDOWS_RESERVED:
        raise ApiError(400, f"invalid {what} `{name}`: it is a reserved Windows device name")


def check_version(version: object) -> None:
    if not isinstance(version, str) or (match := _SEMVER.fullmatch(version)) is None:
        shown = version if isinstance(version, str) else json.dumps(version)
        raise ApiError(
            400,
            f"invalid version `{shown[:80]}`: not a semantic version (MAJOR.MINOR.PATCH in ASCII "
            "digits, optionally -PRE and +BUILD)",
        )
    if any(int(part) > _U64_MAX for part in match.groups()):
        raise ApiError(
            400, f"invalid version `{version[:80]}`: a number is larger than cargo allows (2^64 - 1)"
        )


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
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ApiError(400, f"invalid upload request: the metadata is not JSON ({where})") from None
    except ValueError:  # not UTF-8
        raise ApiError(400, "invalid upload request: the metadata is not UTF-8 JSON") from None
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


def check_metadata(metadata: dict[str, Any]) -> None:
    """Refuse (400) publish metadata that is not shaped as cargo sends it, naming the field: what
    is accepted goes into the index, where a malformed value would break every consumer's cargo."""
    check_name(metadata.get("name"))
    check_version(metadata.get("vers"))
    deps = metadata.get("deps") or []
    if not isinstance(deps, list):
        raise _bad("deps", "a list")
    for number, dep in enumerate(deps):
        _check_dep(dep, f"deps[{number}]")
    features = metadata.get("features") or {}
    if not isinstance(features, dict) or not all(_is_str_list(v) for v in features.values()):
        raise _bad("features", "an object mapping each feature to a list of strings")
    for key in ("links", "description", "license", "license_file", "repository", "homepage", "documentation"):
        if not isinstance(metadata.get(key) or "", str):
            raise _bad(key, "a string or null")
    for key in ("authors", "keywords", "categories"):
        if not _is_str_list(metadata.get(key) or []):
            raise _bad(key, "a list of strings")
    rust_version = metadata.get("rust_version")
    if rust_version is not None and not (
        isinstance(rust_version, str) and _RUST_VERSION.fullmatch(rust_version)
    ):
        raise _bad("rust_version", "a Rust version such as 1.70 or null")


def _check_dep(dep: object, where: str) -> None:
    if not isinstance(dep, dict):
        raise _bad(where, "an object")
    check_name(dep.get("name"), f"crate name in `{where}.name`")
    if dep.get("explicit_name_in_toml") is not None:
        check_name(dep["explicit_name_in_toml"], f"crate name in `{where}.explicit_name_in_toml`")
    req = dep.get("version_req", "*")
    if not isinstance(req, str) or not _REQ.fullmatch(req):
        raise _bad(f"{where}.version_req", "a version requirement such as ^1.2")
    if not _is_str_list(dep.get("features") or []):
        raise _bad(f"{where}.features", "a list of strings")
    for key in ("optional", "default_features"):
        if not isinstance(dep.get(key, False), bool):
            raise _bad(f"{where}.{key}", "true or false")
    for key in ("target", "registry"):
        if not isinstance(dep.get(key) or "", str):
            raise _bad(f"{where}.{key}", "a string or null")
    if dep.get("kind") not in (None, *DEP_KINDS):
        raise _bad(f"{where}.kind", "one of " + ", ".join(DEP_KINDS))


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _bad(field: str, expected: str) -> ApiError:
    return ApiError(400, f"invalid upload request: `{field}` must be {expected}")


def index_line(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, separators=(",", ":")).encode() + b"\n"
