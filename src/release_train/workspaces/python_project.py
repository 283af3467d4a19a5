"""One `pyproject.toml`, read once: its `[project]` fields and every requirement string with its
byte span (PEP 621 `dependencies` and `optional-dependencies`, PEP 735 `[dependency-groups]`), so a
bump can splice new versions in and keep every other byte. The TOML is read by the same
position-keeping parser as `Cargo.toml` (`toml_doc.parse`)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from release_train.errors import WorkspaceError
from release_train.infra.confine import Files
from release_train.workspaces.interface import DependencyKind, read_manifest_bytes
from release_train.workspaces.toml_doc import Str, Table, parse

PRIVATE = "Private :: Do Not Upload"  # the classifier PyPI refuses: the convention for "never upload"
_SEPARATORS = re.compile(r"[-_.]+")
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def normalise(name: str) -> str:
    """PEP 503: `Foo_Bar.baz` and `foo-bar-baz` are the same distribution."""
    return _SEPARATORS.sub("-", name).lower()


class Requirement:
    """One requirement string as written, where it was written, and the name it requires."""

    __slots__ = ("kind", "name", "table", "text")

    def __init__(self, text: Str, table: str, kind: DependencyKind, name: str) -> None:
        self.text = text  # the string, with its span in the file
        self.table = (
            table  # "project.dependencies", "project.optional-dependencies.x", "dependency-groups.dev"
        )
        self.kind = kind  # "normal", "optional" (an extra) or "dev" (a dependency group)
        self.name = name  # PEP 503-normalised; "" when the string does not start with a name

    def __repr__(self) -> str:
        return f"Requirement({self.table}: {self.text.value!r})"

    @property
    def written_name(self) -> str:
        """The name as the requirement spells it (`Foo_Bar` for `foo-bar`)."""
        match = _NAME.match(self.text.value)
        return match.group(1) if match else self.text.value

    @property
    def published(self) -> bool:
        """Part of the distribution's metadata (groups are not: PEP 735)."""
        return self.kind != "dev"


class Project:
    """One parsed `pyproject.toml`: its bytes, its values (`doc`) and its requirements."""

    __slots__ = ("data", "dir", "doc", "path", "requirements")

    def __init__(self, path: Path, data: bytes, doc: Table) -> None:
        self.path = path
        self.data = data
        self.doc = doc
        self.dir = os.path.dirname(path)  # noqa: PTH120  (normalised string: members compare by it)
        self.requirements = tuple(_requirements(path, doc))

    def __repr__(self) -> str:
        return f"Project({self.path})"

    @property
    def directory(self) -> Path:
        return self.path.parent

    def table(self, *keys: str) -> Table:
        """The table at `keys` (`table("tool", "uv")`), or {} when absent or not a table."""
        value: Any = self.doc
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, dict) else {}

    def has(self, *keys: str) -> bool:
        """Whether a table is written at `keys` (an empty `[tool.setuptools_scm]` counts)."""
        value: Any = self.doc
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return isinstance(value, dict)

    @property
    def is_package(self) -> bool:
        """A `[project]` table: a distribution (a uv workspace's root may only hold the workspace)."""
        return isinstance(self.doc.get("project"), dict)

    def name(self) -> Str:
        name = self.table("project").get("name")
        if not isinstance(name, Str) or _NAME.fullmatch(name.value) is None:
            raise WorkspaceError(
                f"{self.path}: [project] has no valid name",
                hint='write name = "my-package" under [project] (letters, digits, ".", "_" and "-")',
            )
        return name

    def static_version(self) -> Str | None:
        value = self.table("project").get("version")
        return value if isinstance(value, Str) else None

    def dynamic(self) -> list[str]:
        value = self.table("project").get("dynamic")
        return [v.value for v in value if isinstance(v, Str)] if isinstance(value, list) else []

    def private(self) -> bool:
        """Never uploaded: the `Private :: Do Not Upload` classifier, or a uv project that is not a
        package (`[tool.uv] package = false`: uv never builds it)."""
        classifiers = self.table("project").get("classifiers")
        listed = isinstance(classifiers, list) and any(
            isinstance(c, Str) and c.value.strip() == PRIVATE for c in classifiers
        )
        return listed or self.table("tool", "uv").get("package") is False

    def sources(self) -> dict[str, Any]:
        """`[tool.uv.sources]`, keyed by normalised name."""
        return {normalise(k): v for k, v in self.table("tool", "uv", "sources").items()}

    def line_of(self, *keys: str) -> int:
        """The line of the value at `keys` when it is a string or holds one (1 when unknown)."""
        value: Any = self.doc
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        while isinstance(value, list | dict) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
        return value.line if isinstance(value, Str) else 1


def read_project(path: Path, confined: Files) -> Project:
    """Read and parse one `pyproject.toml` in a directory `confined` has checked."""
    data = read_manifest_bytes(
        confined, path, "check the workspace members ([tool.uv.workspace] members, or [[workspace]] members)"
    )
    return Project(path, data, parse(path, data))


def _requirements(path: Path, doc: Table) -> list[Requirement]:
    found: list[Requirement] = []
    project = doc.get("project")
    if isinstance(project, dict):
        found += _strings(path, project.get("dependencies"), "project.dependencies", "normal")
        extras = project.get("optional-dependencies")
        if isinstance(extras, dict):
            for extra, items in extras.items():
                found += _strings(path, items, f"project.optional-dependencies.{extra}", "optional")
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        known = {normalise(g) for g in groups}
        for group, items in groups.items():
            table = f"dependency-groups.{group}"
            found += _strings(path, [i for i in _list(items) if not isinstance(i, dict)], table, "dev")
            for item in _list(items):
                if isinstance(item, dict):
                    _check_include(path, table, item, known)
    return found


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(path: Path, items: object, table: str, kind: DependencyKind) -> list[Requirement]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, Str) for i in items):
        section, _, key = table.rpartition(".")
        raise WorkspaceError(
            f"{path}: [{section}] {key} must be a list of requirement strings",
            hint='write it as ["name>=1.0", ...]',
        )
    result = []
    for item in items:
        match = _NAME.match(item.value)
        result.append(Requirement(item, table, kind, normalise(match.group(1)) if match else ""))
    return result


def _check_include(path: Path, table: str, item: dict[str, Any], known: set[str]) -> None:
    """PEP 735: a group entry that is not a string is `{include-group = "name"}` of another group."""
    name = item.get("include-group")
    group = table.partition(".")[2]
    if not isinstance(name, Str) or len(item) != 1:
        raise WorkspaceError(
            f'{path}: [dependency-groups] {group} holds a table that is not {{include-group = "..."}}',
            hint='list requirement strings, or {include-group = "other-group"} (PEP 735)',
        )
    if normalise(name.value) not in known:
        raise WorkspaceError(
            f"{path}:{name.line}: [dependency-groups] {group} includes group {name.value!r}, which is not defined",
            hint=f"define [dependency-groups] {name.value} or fix the name",
        )
