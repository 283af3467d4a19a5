"""The registry's data directory: index files, `.crate` files and a small state file.

    DIR/index/<path by name length>   one JSON line per version, exactly what cargo is served
    DIR/crates/<name>/<version>.crate the uploaded tarballs
    DIR/state.json                    format version and the URL the registry was last served at

Everything is written atomically (a temporary sibling, then a rename), the `.crate` before its
index line, so a crash never leaves an index line pointing at a missing file. A restart reloads the
index files and serves the same registry. Index propagation delay is kept in memory only: after a
restart every stored version is visible.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_train.infra.fs import atomic_write
from release_train.registries.local_cargo.index import canonical_name, index_line, index_path, version_key

STATE_FORMAT = 1


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
        (root / "index").mkdir(parents=True, exist_ok=True)
        (root / "crates").mkdir(parents=True, exist_ok=True)
        self._load()

    def _load(self) -> None:
        for path in sorted((self.root / "index").rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            versions = [StoredVersion(json.loads(line), 0.0) for line in lines]
            if versions:
                self._crates[canonical_name(versions[0].entry["name"])] = versions

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
        if exact is None or self.find(name, version) is None:
            return None
        path = self._crate_path(exact, version)
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
        path = self.root / "state.json"
        previous: str | None = None
        if path.is_file():
            previous = json.loads(path.read_text(encoding="utf-8")).get("url")
        state = {"format": STATE_FORMAT, "url": url}
        atomic_write(path, json.dumps(state, indent=2).encode() + b"\n")
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
