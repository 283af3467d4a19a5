"""The publish journal: what one publish of a tag has done so far, so a crashed run resumes.

One JSON file per tag under `[publish] journal-dir` (default `target/release-train/`), written
atomically by `save()`, and beside it a log of the crate states set since (`set()` appends one
line): rewriting the whole file for each of the three changes of every upload made a publish of N
crates write O(N^2) bytes, its cost per upload growing with N (bench/publish.py). The log's lines
carry the file's generation, so lines a crash left from before a rewrite are ignored, and a line
cut short by a crash is skipped. `open()` reads both; `save()` folds the log back into the file.

The registry stays the source of truth: a re-run asks it first and uses the journal only for what
the registry cannot tell yet, an upload that landed but is not in the index (re-uploading it would
be refused as a duplicate), and the files each package was packaged as, with their sha256, kept in
a directory beside the journal (`artefact_dir`): a resumed run uploads those same files and does
not package again (a rebuilt sdist or wheel need not be byte for byte the one half uploaded).
They are removed once the publish has finished, forge release included (`discard_files`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

from release_train.config import Settings
from release_train.infra.fs import atomic_write_text
from release_train.values import dataclass, field

CrateState = Literal["pending", "uploading", "uploaded", "visible", "failed"]
RunState = Literal["running", "done", "failed"]
CRATE_STATES = ("pending", "uploading", "uploaded", "visible", "failed")
COMPACT_AFTER = 256  # log lines before `set` rewrites the file (at least one per crate)


@dataclass
class Journal:
    path: Path
    tag: str
    version: str
    commit: str
    state: RunState = "running"
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # package -> {file name: sha256}
    crates: dict[str, CrateState] = field(default_factory=dict)
    _generation: int = field(default=0, repr=False)  # of the file; the log's lines name theirs
    _logged: int = field(default=0, repr=False)  # lines in the log of this generation

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
        journal = cls(
            path,
            tag,
            version,
            commit,
            state=data.get("state", "running"),
            files={str(k): dict(v) for k, v in data.get("files", {}).items() if isinstance(v, dict)},
            crates=dict(data.get("crates", {})),
        )
        journal._generation = int(data.get("generation", 0))
        journal._replay_log()
        return journal

    @staticmethod
    def path_for(directory: Path, tag: str) -> Path:
        return directory / f"publish-{_safe(tag)}.json"

    @property
    def artefact_dir(self) -> Path:
        """Where the files of the packages of this tag are kept until its publish is done."""
        return self.files_beside(self.path)

    @staticmethod
    def files_beside(path: Path) -> Path:
        """The directory of kept files beside the journal at `path`."""
        return path.with_name(path.stem + "-files")

    @property
    def log_path(self) -> Path:
        return self.path.with_suffix(".log")

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def set(self, name: str, state: CrateState) -> None:
        """Record one crate's state: one line appended to the log. The line is written with one
        call and starts with its own newline, so a line a crash cut short ends there and is
        skipped when read, without taking the next one with it."""
        self.crates[name] = state
        if self._generation == 0:  # never written (or read from a file of before the log)
            self.save()
            return
        line = "\n" + json.dumps({"generation": self._generation, "crate": name, "state": state})
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        self._logged += 1
        if self._logged > max(COMPACT_AFTER, len(self.crates)):  # amortised: O(1) per set
            self.save()

    def finish(self, state: RunState) -> None:
        self.state = state
        self.save()

    def save(self) -> None:
        """Write the whole journal as a new generation; the log of the old one is then dropped."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._generation += 1
        data = {
            "tag": self.tag,
            "version": self.version,
            "commit": self.commit,
            "state": self.state,
            "generation": self._generation,
            "files": self.files,
            "crates": dict(sorted(self.crates.items())),
        }
        atomic_write_text(self.path, json.dumps(data, indent=2) + "\n")
        self.log_path.unlink(missing_ok=True)  # its lines are of the previous generation
        self._logged = 0

    def _replay_log(self) -> None:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        for line in text.splitlines():
            try:
                change = json.loads(line)
            except ValueError:
                continue  # cut short by a crash
            if (
                isinstance(change, dict)
                and change.get("generation") == self._generation
                and change.get("state") in CRATE_STATES
                and isinstance(change.get("crate"), str)
            ):
                self.crates[change["crate"]] = change["state"]
                self._logged += 1


def _safe(tag: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", tag)


def journal_path(settings: Settings, tag: str) -> Path:
    """Where the journal of `tag` lives (for tests and `status`)."""
    return Journal.path_for(settings.resolve(settings.publish.journal_dir), tag)


def discard_files(settings: Settings, tag: str) -> None:
    """Remove the files kept for `tag`'s publish: called once its publish has finished (every
    package visible, the forge release made), when nothing is left to resume. The journal stays
    (it says the run is done, and which files each package was uploaded as)."""
    import shutil

    shutil.rmtree(Journal.files_beside(journal_path(settings, tag)), ignore_errors=True)
