"""Several `[[workspace]]` entries (a Cargo workspace and a Python one: a Rust crate with Python
bindings next to it) as one workspace that moves together: one bump, one release PR, one tag.

Each entry is read by its own kind; the composite lists every package of every part, answers the
graph questions over all of them (a package depends only on members of its own part) and bumps
every part before anything is written. Its root is the repository's. The train version is that
of the part holding `[project] version-from`, else of the first entry; a part that does not hold
it is read as if version-from were unset (its own train version: Cargo's `[workspace.package]
version`, the Python root distribution's or the version its distributions share), so `bump
major` moves every part as it would move alone. A package name may be in one part only: the
publish journal, the plan and `version-from` name packages without their kind.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.errors import WorkspaceError
from release_train.values import replace
from release_train.workspaces.interface import (
    BumpEdits,
    Problem,
    VersionFromElsewhere,
    Workspace,
    raise_problems,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from release_train.config import Settings, WorkspaceSettings
    from release_train.model.version import Operation, Version
    from release_train.workspaces.interface import Package

    LoadOne = Callable[[Settings, WorkspaceSettings], Workspace]


class CompositeWorkspace(Workspace):
    __slots__ = ("_kinds", "_lead", "_of", "_parts")
    _parts: tuple[Workspace, ...]
    _kinds: tuple[str, ...]  # each part's `[[workspace]] kind`
    _lead: Workspace  # the part whose train version is the train's
    _of: dict[str, Workspace]  # package name -> its part

    def __init__(
        self, root: Path, parts: tuple[Workspace, ...], kinds: tuple[str, ...], lead: Workspace
    ) -> None:
        packages = tuple(p for part in parts for p in part.packages)
        super().__init__(root, packages, lead.train_version, lead.files)
        of = {p.name: part for part in parts for p in part.packages}
        for name, value in (("_parts", parts), ("_kinds", kinds), ("_lead", lead), ("_of", of)):
            object.__setattr__(self, name, value)

    def parts(self) -> tuple[Workspace, ...]:
        return self._parts

    def part_of(self, name: str) -> Workspace:
        self.package(name)  # the usual error for a name of no part
        return self._of[name]

    def spell(self, version: Version) -> str:
        return self._lead.spell(version)

    def spelled(self, package: Package, version: Version | None = None) -> str:
        return self.part_of(package.name).spelled(package, version)

    def bump(self, op: Operation, *, rc_train: bool) -> BumpEdits:
        """Every part's bump, computed before the caller writes any file."""
        files: dict[Path, bytes] = {}
        lines: list[tuple[str, str, str]] = []
        versions: dict[str, Version] = {}
        problems: list[Problem] = []
        new_train = self.train_version
        for part, kind in zip(self._parts, self._kinds, strict=True):
            edits = part.bump(op, rc_train=rc_train)
            files.update(edits.files)
            lines += [(f"{label} ({kind})", old, new) for label, old, new in edits.lines]
            versions.update(edits.new_versions)
            problems += edits.problems
            if part is self._lead:
                new_train = edits.new_train
        return BumpEdits(files, lines, self.train_version, new_train, versions, problems)


def load_composite(settings: Settings, load_one: LoadOne) -> CompositeWorkspace:
    """Read every `[[workspace]]` entry with `load_one` (the kind's loader) and join them."""
    wanted = settings.project.version_from
    parts: list[Workspace] = []
    lead: Workspace | None = None
    for config in settings.workspaces:
        try:
            part = load_one(settings, config)
            lead = lead or (part if wanted else None)
        except VersionFromElsewhere:
            part = load_one(replace(settings, project=replace(settings.project, version_from="")), config)
        parts.append(part)
    if wanted and lead is None:
        where, line = _config_line(settings, "version-from")
        raise WorkspaceError(
            f"{where}:{line}: [project] version-from names {wanted!r}, which is no package of the "
            f"{len(parts)} workspaces ({', '.join(_entry(c.kind, c.path) for c in settings.workspaces)})",
            hint="set version-from to a package `release-train packages` lists, or remove it "
            "(the first [[workspace]]'s version is then the train's)",
        )
    _check_names(parts)
    root = Path(parts[0].files.root)  # the repository's (as confined), where entries' paths start
    kinds = tuple(c.kind for c in settings.workspaces)
    return CompositeWorkspace(root, tuple(parts), kinds, lead or parts[0])


def _entry(kind: str, path: str) -> str:
    return f"{kind} at {path!r}"


def _check_names(parts: list[Workspace]) -> None:
    seen: dict[str, Path] = {}
    problems: list[Problem] = []
    for part in parts:
        for p in part.packages:
            if p.name in seen:
                problems.append(
                    Problem(
                        p.manifest,
                        _name_line(part, p.manifest),
                        f"{p.name!r} is a package of two workspaces: {seen[p.name]} and {p.manifest}",
                        "rename one of them (one name, one package: the train names packages "
                        "without their kind), or leave one out of its workspace",
                    )
                )
            seen.setdefault(p.name, p.manifest)
    raise_problems(problems, "the workspaces share package names")


_NAME = re.compile(r"^\s*name\s*=")


def _name_line(part: Workspace, manifest: Path) -> int:
    """The line of the manifest's first `name = ...` ([package] or [project] name)."""
    text = part.files.read(str(manifest)).decode(errors="replace")
    return next((n for n, line in enumerate(text.splitlines(), 1) if _NAME.match(line)), 1)


def _config_line(settings: Settings, key: str) -> tuple[Path, int]:
    """The configuration file and the line of `key = ...` in it (1 when not found)."""
    where = settings.config_file or settings.root / "release-train.toml"
    try:
        text = where.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return where, 1
    wanted = re.compile(rf"^\s*{re.escape(key)}\s*=")
    return where, next((n for n, line in enumerate(text.splitlines(), 1) if wanted.match(line)), 1)
