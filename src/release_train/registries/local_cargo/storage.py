"""The registry's data directory: index files, `.crate` files and a small state file.

    DIR/index/<path by name length>   one JSON line per version, exactly what cargo is served
    DIR/crates/<name>/<version>.crate the uploaded tarballs
    DIR/state.json                    format version and the URL the registry was last served at

Everything is written atomically (a temporary sibling, then a rename), the `.crate` before its
index line, so a crash never leaves an index line pointing at a missing file. A restart reloads the
index files and serves the same registry. Index propagation delay is kept in memory only: after a
restart every stored version is visible. A file the registry cannot read (edited by hand, cut
short by a full disk) stops it at start with `RegistryDataError`, naming the file, the line and
what to do; it is never served or rewritten half-understood.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from release_train.infra.fs import atomic_write
from release_train.registries.interface import RegistryError
from release_train.registries.local_cargo.index import (
    ApiError,
    canonical_name,
    check_name,
    check_version,
    index_line,
    index_path,
    version_key,
)
from release_train.values import dataclass

STATE_FORMAT = 1
_ENTRY_FIELDS = {"name": str, "vers": str, "deps": list, "cksum": str, "features": dict, "yanked": bool}


class RegistryDataError(RegistryError):
    """A file of the registry's data directory cannot be read as the registry wrote it."""


@dataclass
class StoredVersion:
    entry: dict[str, Any]  # the index line; only `yanked` ever changes
    visible_at: float  # monotonic seconds; the index hides the line before then


class Storage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.RLock()
        # canonical name -> versions in publish order
        self._crates: dict[str, list[StoredVersion]] = {}
        try:
            (root / "index").mkdir(parents=True, exist_ok=True)
            (root / "crates").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RegistryDataError(
                f"cannot use {root} as the registry's data directory: {exc.strerror or exc}",
                hint="name a directory you can write to (it is created if missing)",
            ) from None
        self._load()

    def _load(self) -> None:
        self._state = self._read_state()
        index = self.root / "index"
        for path in sorted(index.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            versions = [StoredVersion(entry, 0.0) for entry in _read_index_file(path, index)]
            if not versions:
                continue
            key = canonical_name(versions[0].entry["name"])
            if key in self._crates:
                raise RegistryDataError(
                    f"{path} holds crate `{versions[0].entry['name']}`, which another index file "
                    "of the registry holds too",
                    hint="keep the file of the spelling first published and move the other away "
                    "(or restore the index directory from a backup)",
                )
            self._crates[key] = versions

    def _read_state(self) -> dict[str, Any]:
        path = self.root / "state.json"
        if not path.exists():
            return {}
        hint = (
            f"delete {path}: it only records the URL the registry was last served at, and the "
            "next start writes it again"
        )
        try:
            state = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise RegistryDataError(f"cannot read {path}: {_why(exc)}", hint=hint) from None
        if not isinstance(state, dict) or not isinstance(state.get("url", ""), str):
            raise RegistryDataError(
                f"{path} is not a registry state file (a JSON object with a `url`)", hint=hint
            )
        if state.get("format", STATE_FORMAT) != STATE_FORMAT:
            raise RegistryDataError(
                f"{path} has format {state.get('format')!r}; this release-train reads format {STATE_FORMAT}",
                hint="serve this directory with the release-train that wrote it, or start a new one",
            )
        return state

    # ----- reading

    def exact_name(self, name: str) -> str | None:
        """The spelling under which a crate clashing with `name` was first published, if any."""
        with self._lock:
            versions = self._crates.get(canonical_name(name))
            return str(versions[0].entry["name"]) if versions else None

    def find(self, name: str, version: str) -> dict[str, Any] | None:
        with self._lock:
            for stored in self._crates.get(canonical_name(name), []):
                if version_key(stored.entry["vers"]) == version_key(version):
                    return dict(stored.entry)
            return None

    def entries(self, name: str) -> list[dict[str, Any]]:
        """Every stored version of `name`, visible or not (what the web API reports)."""
        with self._lock:
            return [dict(s.entry) for s in self._crates.get(canonical_name(name), [])]

    def index_file(self, lower_name: str, now: float) -> bytes | None:
        """The index file cargo gets for a lower-cased name: only lines already visible."""
        with self._lock:
            versions = self._crates.get(canonical_name(lower_name), [])
            if not versions or str(versions[0].entry["name"]).lower() != lower_name:
                return None
            lines = [index_line(s.entry) for s in versions if s.visible_at <= now]
            return b"".join(lines) if lines else None

    def is_visible(self, name: str, version: str, now: float) -> bool:
        with self._lock:
            return any(
                s.entry["vers"] == version and s.visible_at <= now
                for s in self._crates.get(canonical_name(name), [])
            )

    def crate_file(self, name: str, version: str) -> bytes | None:
        exact = self.exact_name(name)
        stored = self.find(name, version)
        if exact is None or stored is None:
            return None
        path = self._crate_path(exact, str(stored["vers"]))  # the stored spelling, not the URL's
        return path.read_bytes() if path.is_file() else None

    def published(self) -> dict[str, list[str]]:
        with self._lock:
            return {
                str(versions[0].entry["name"]): [str(s.entry["vers"]) for s in versions]
                for versions in self._crates.values()
            }

    # ----- writing

    def add(self, entry: dict[str, Any], crate: bytes, visible_at: float) -> None:
        name = str(entry["name"])
        with self._lock:
            crate_path = self._crate_path(name, str(entry["vers"]))
            crate_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(crate_path, crate)
            versions = self._crates.setdefault(canonical_name(name), [])
            versions.append(StoredVersion(dict(entry), visible_at))
            self._write_index(name)

    def set_yanked(self, name: str, version: str, yanked: bool) -> bool:
        """Flip `yanked` in place; False when the version does not exist."""
        with self._lock:
            for stored in self._crates.get(canonical_name(name), []):
                if stored.entry["vers"] == version:
                    stored.entry["yanked"] = yanked
                    self._write_index(str(stored.entry["name"]))
                    return True
            return False

    def record_url(self, url: str) -> str | None:
        """Remember the URL the registry is served at; return the previous one.

        Published crates carry the index URL baked in, so a change of URL is worth a warning.
        """
        previous = self._state.get("url")
        self._state = {"format": STATE_FORMAT, "url": url}
        atomic_write(self.root / "state.json", json.dumps(self._state, indent=2).encode() + b"\n")
        return previous

    def _write_index(self, name: str) -> None:
        path = self.root / "index" / index_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        versions = self._crates[canonical_name(name)]
        atomic_write(path, b"".join(index_line(s.entry) for s in versions))

    def _crate_path(self, name: str, version: str) -> Path:
        return self.root / "crates" / name.lower() / f"{version}.crate"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_index_file(path: Path, index: Path) -> list[dict[str, Any]]:
    """The entries of one index file, each checked as far as serving it depends on."""
    hint = (
        "restore the file from a backup; or, if the broken line is a version nobody uses yet, "
        "delete that line (the version can then be published again)"
    )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise RegistryDataError(f"cannot read the index file {path}: {_why(exc)}", hint=hint) from None
    entries = []
    expected = path.relative_to(index).as_posix()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            entry = json.loads(line)
        except ValueError as exc:
            column = f" (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise RegistryDataError(f"{where} is not a JSON index entry{column}", hint=hint) from None
        problem = _entry_problem(entry, expected)
        if problem:
            raise RegistryDataError(f"{where}: {problem}", hint=hint)
        entries.append(entry)
    return entries


def _entry_problem(entry: object, expected_path: str) -> str | None:
    if not isinstance(entry, dict):
        return "an index entry must be a JSON object"
    for key, kind in _ENTRY_FIELDS.items():
        if not isinstance(entry.get(key), kind):
            return f"the entry has no valid `{key}`"
    try:
        check_name(entry["name"])
        check_version(entry["vers"])
    except ApiError as exc:
        return exc.detail
    if index_path(entry["name"]) != expected_path:
        return (
            f"crate `{entry['name']}` belongs in index/{index_path(entry['name'])}, not index/{expected_path}"
        )
    return None


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)
