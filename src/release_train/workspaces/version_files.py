"""Extra files that carry the train version (`[[version-file]]`), for example a C header:

    #define WASMTIME_VERSION "48.0.0"
    #define WASMTIME_VERSION_MAJOR 48

Each pattern is literal text with `{version}`, `{major}`, `{minor}` and `{patch}` holes. A pattern
that matches nothing is an error (a renamed macro must not silently stop being bumped).
"""

from __future__ import annotations

import re
from pathlib import Path

from release_train.config import Settings, VersionFileSettings
from release_train.model.record import Record
from release_train.model.version import Version
from release_train.workspaces.cargo_lock import splice
from release_train.workspaces.interface import Problem

_HOLE = re.compile(r"\{(version|major|minor|patch)\}")
_HOLE_REGEX = {"version": r"([0-9A-Za-z.+-]+?)", "major": r"(\d+)", "minor": r"(\d+)", "patch": r"(\d+)"}
_HOLE_REGEX_LAST = {**_HOLE_REGEX, "version": r"([0-9A-Za-z.+-]+)"}


class Hole(Record):
    """One matched hole: which part of the version it holds, its span and line, its text now."""

    __slots__ = FIELDS = ("part", "start", "end", "line", "text")
    part: str
    start: int
    end: int
    line: int
    text: str

    def __init__(self, part: str, start: int, end: int, line: int, text: str) -> None:
        self._init(part, start, end, line, text)


def compile_pattern(pattern: str) -> tuple[re.Pattern[bytes], list[str]]:
    parts: list[str] = []
    regex = ""
    pos = 0
    holes = list(_HOLE.finditer(pattern))
    for n, hole in enumerate(holes):
        regex += re.escape(pattern[pos : hole.start()])
        last = n == len(holes) - 1 and hole.end() == len(pattern)
        regex += (_HOLE_REGEX_LAST if last else _HOLE_REGEX)[hole.group(1)]
        parts.append(hole.group(1))
        pos = hole.end()
    regex += re.escape(pattern[pos:])
    return re.compile(regex.encode()), parts


def values(version: Version) -> dict[str, str]:
    return {
        "version": str(version),
        "major": str(version.major),
        "minor": str(version.minor),
        "patch": str(version.patch),
    }


def find_holes(
    settings: Settings, vf: VersionFileSettings, data: bytes, problems: list[Problem]
) -> list[Hole]:
    path = settings.resolve(vf.path)
    holes: list[Hole] = []
    for pattern in vf.patterns:
        regex, parts = compile_pattern(pattern)
        matches = list(regex.finditer(data))
        if not matches:
            problems.append(
                Problem(
                    path,
                    0,
                    f"version-file pattern {pattern!r} matches nothing",
                    f"fix the pattern under [[version-file]] path = {vf.path!r} in the configuration, or the file",
                )
            )
        for match in matches:
            for group, part in enumerate(parts, start=1):
                start = match.start(group)
                holes.append(
                    Hole(
                        part, start, match.end(group), data.count(b"\n", 0, start) + 1, match[group].decode()
                    )
                )
    return holes


def read(settings: Settings, vf: VersionFileSettings, problems: list[Problem]) -> bytes | None:
    """The file's bytes, or None with a problem: unreadable, or outside the repository (a bump
    writes where it reads: `path = "../../x.h"` or a link out must not be followed)."""
    files = settings.files()
    path = settings.resolve(vf.path)
    root = Path(files.root)
    if not path.is_relative_to(root):
        problems.append(
            Problem(
                settings.root / vf.path,
                0,
                f"[[version-file]] path {vf.path!r} resolves to {path}, outside the repository {root}; "
                "nothing was read or written",
                "name a file inside the repository in [[version-file]] path (a symbolic link must point inside too)",
            )
        )
        return None
    try:
        return files.read(str(path))
    except OSError as exc:
        problems.append(
            Problem(
                path,
                0,
                f"cannot read version file: {exc.strerror}",
                "fix [[version-file]] path in the configuration",
            )
        )
        return None


def bump_version_files(settings: Settings, new: Version, problems: list[Problem]) -> dict[Path, bytes]:
    """New contents of every version file with the holes set to `new` (the train version)."""
    files: dict[Path, bytes] = {}
    wanted = values(new)
    for vf in settings.version_files:
        data = read(settings, vf, problems)
        if data is None:
            continue
        holes = find_holes(settings, vf, data, problems)
        updated = splice(data, [(h.start, h.end, wanted[h.part].encode()) for h in holes])
        if updated != data:
            files[settings.resolve(vf.path)] = updated
    return files


def disagreements(settings: Settings, train: Version) -> list[Problem]:
    """Holes whose text differs from the train version (for `verify`), plus unmatched patterns."""
    problems: list[Problem] = []
    wanted = values(train)
    for vf in settings.version_files:
        data = read(settings, vf, problems)
        if data is None:
            continue
        for hole in find_holes(settings, vf, data, problems):
            if hole.text != wanted[hole.part]:
                problems.append(
                    Problem(
                        settings.resolve(vf.path),
                        hole.line,
                        f"{hole.part} is {hole.text} but the train version is {train}",
                        f"set it to {wanted[hole.part]}; a bump rewrites it",
                    )
                )
    return problems
