"""The publish journal: what one publish of a tag has done so far, so a crashed run resumes.

One JSON file per tag under `[publish] journal-dir` (default `target/release-train/`), rewritten
atomically after every change. The registry stays the source of truth: a re-run asks it first and
uses the journal only for what the registry cannot tell yet, an upload that landed but is not in
the index (re-uploading it would be refused as a duplicate), and the checksums of the verified
packages (so a resumed run does not verify again).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from release_train.infra.fs import atomic_write_text

CrateState = Literal["pending", "uploading", "uploaded", "visible", "failed"]
RunState = Literal["running", "done", "failed"]


@dataclass
class Journal:
    path: Path
    tag: str
    version: str
    commit: str
    state: RunState = "running"
    checksums: dict[str, str] = field(default_factory=dict)  # crate name -> sha256 of our .crate
    crates: dict[str, CrateState] = field(default_factory=dict)

    @classmethod
    def open(cls, directory: Path, tag: str, version: str, commit: str) -> Journal:
        """The journal of `tag`, or a fresh one when there is none or it belongs to another commit
        (the tag was moved: nothing of the old run can be trusted)."""
        path = cls.path_for(directory, tag)
        fresh = cls(path, tag, version, commit)
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return fresh
        if data.get("commit") != commit or data.get("version") != version:
            return fresh
        return cls(
            path,
            tag,
            version,
            commit,
            state=data.get("state", "running"),
            checksums=dict(data.get("checksums", {})),
            crates=dict(data.get("crates", {})),
        )

    @staticmethod
    def path_for(directory: Path, tag: str) -> Path:
        return directory / f"publish-{_safe(tag)}.json"

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def set(self, name: str, state: CrateState) -> None:
        self.crates[name] = state
        self.save()

    def finish(self, state: RunState) -> None:
        self.state = state
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "tag": self.tag,
            "version": self.version,
            "commit": self.commit,
            "state": self.state,
            "checksums": self.checksums,
            "crates": dict(sorted(self.crates.items())),
        }
        atomic_write_text(self.path, json.dumps(data, indent=2) + "\n")


def _safe(tag: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", tag)
