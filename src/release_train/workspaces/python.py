"""The Python workspace (`[[workspace]] kind = "python"`): its distributions, their requirements on
each other and the train version. Members are found by `python_members.py`, each project read by
`python_project.py`, its version located by `python_version_source.py`. No network, no tool run.

Names are PEP 503-normalised (`Foo_Bar` is `foo-bar`), so requirements, `[tool.uv.sources]`,
`public`, `publish`, rules and `version-from` match however a name is spelled. A requirement is
first-party when it names a member and does not come from elsewhere: its `[tool.uv.sources]`
entry (the project's own, else the workspace root's, as uv reads them) is `workspace = true` or a
`path` to the member, or it has none. A distribution is published unless it carries the
`Private :: Do Not Upload` classifier, is a uv project that is not a package (`[tool.uv] package =
false`), or is left out of `[[workspace]] publish` when that allow-list is given.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_train.config import Settings, WorkspaceSettings
from release_train.errors import WorkspaceError
from release_train.infra.confine import Files
from release_train.model.pep440 import to_pep440, to_train
from release_train.model.version import Operation, Version, VersionError
from release_train.workspaces.interface import (
    Dependency,
    Package,
    Problem,
    VersionFromElsewhere,
    Workspace,
    raise_problems,
    workspace_root,
)
from release_train.workspaces.python_members import find_projects
from release_train.workspaces.python_project import Project, Requirement, normalise
from release_train.workspaces.python_version_source import VersionSource, version_source
from release_train.workspaces.toml_doc import Str

if TYPE_CHECKING:
    from release_train.workspaces.interface import BumpEdits

_FOLLOWS = {"tag": "the tag", "cargo": "Cargo.toml"}


class PythonWorkspace(Workspace):
    __slots__ = ("project_of", "projects", "root_project", "sources", "train_from")
    FIELDS = (*Workspace.FIELDS, "root_project", "projects", "project_of", "sources", "train_from")
    root_project: Project | None
    projects: tuple[Project, ...]  # every pyproject.toml read: the root first, then the members
    project_of: dict[str, Project]  # package name -> its pyproject.toml
    sources: dict[str, VersionSource]  # package name -> where its version is written
    train_from: str  # the package whose version is the train's; "" when all share one

    def __init__(
        self,
        root: Path,
        packages: tuple[Package, ...],
        train_version: Version,
        files: Files,
        root_project: Project | None,
        projects: tuple[Project, ...],
        project_of: dict[str, Project],
        sources: dict[str, VersionSource],
        train_from: str,
    ) -> None:
        super().__init__(root, packages, train_version, files)
        own = (root_project, projects, project_of, sources, train_from)
        for name, value in zip(self.FIELDS[len(Workspace.FIELDS) :], own, strict=True):
            object.__setattr__(self, name, value)

    def spell(self, version: Version) -> str:
        try:
            return to_pep440(version)
        except VersionError:
            return str(version)

    def follows_train(self, name: str) -> bool:
        """Whether the package's version is set by the train, not written (tag or Cargo.toml)."""
        return not self.sources[name].written

    def first_party(self, project: Project, requirement: Requirement) -> bool:
        """Whether `requirement` (written in `project`) resolves to the member of its name."""
        return first_party(project, requirement, self.project_of, self.root_project)

    def bump(self, op: Operation, *, rc_train: bool) -> BumpEdits:
        from release_train.workspaces.python_bump import bump_python

        return bump_python(self, op, rc_train=rc_train)


def first_party(
    project: Project, requirement: Requirement, project_of: dict[str, Project], root_project: Project | None
) -> bool:
    """Whether `requirement` names a member and its `[tool.uv.sources]` entry (the project's own,
    else the workspace root's) does not take it from elsewhere."""
    member = project_of.get(requirement.name)
    if member is None:
        return False
    source = project.sources().get(requirement.name)
    if source is None and root_project is not None:
        source = root_project.sources().get(requirement.name)
    if source is None:
        return True
    return any(_to_member(project, s, member.dir) for s in (source if isinstance(source, list) else [source]))


def _to_member(project: Project, source: Any, member_dir: str) -> bool:
    if not isinstance(source, dict):
        return False
    if source.get("workspace") is True:
        return True
    path = source.get("path")
    return isinstance(path, Str) and os.path.normpath(os.path.join(project.dir, path.value)) == member_dir  # noqa: PTH118


class PythonKind:
    """The `python` entry of `WORKSPACES`."""

    def load(self, settings: Settings, config: WorkspaceSettings) -> Workspace:
        return load_python(settings, config)


def load_python(settings: Settings, config: WorkspaceSettings) -> PythonWorkspace:
    confined, root = workspace_root(settings, config)
    root_project, projects = find_projects(settings, config, root, confined)
    members = [p for p in projects if p.is_package]
    sources = {normalise(p.name().value): version_source(p, confined) for p in members}
    _check_duplicates(members)
    project_of = {normalise(p.name().value): p for p in members}
    packages = tuple(_package(p, sources, config, root) for p in members)
    if config.rule:
        from release_train.workspaces.rules import apply_rules

        packages = apply_rules(packages, config, settings, normalise)
    packages = _published(packages, config, settings, project_of)
    train, train_from = _train_version(settings, packages, sources, root_project)
    packages = tuple(
        p.replace(
            version=p.version if sources[p.name].written else train,
            dependencies=_dependencies(p, project_of, root_project),
        )
        for p in packages
    )
    ws = PythonWorkspace(
        root, packages, train, confined, root_project, tuple(projects), project_of, sources, train_from
    )
    from release_train.workspaces.graph import check_acyclic

    check_acyclic(ws)
    return ws


def _package(
    project: Project, sources: dict[str, VersionSource], config: WorkspaceSettings, root: Path
) -> Package:
    name = normalise(project.name().value)
    source = sources[name]
    version = Version(0, 0, 0)  # the train's, for a version the train sets (below)
    where = ""
    if source.written:
        version = _read_version(source)
        if source.kind == "file" and source.file is not None:
            where = os.path.relpath(source.file, root)
    else:
        where = f"{_FOLLOWS[source.kind]} ({source.tool})"
    return Package(
        name=name,
        directory=project.directory,
        manifest=project.path,
        version=version,
        publish=not project.private(),
        public=_matches(name, tuple(config.public)),
        inherits_version=not source.written,
        version_source=where,
    )


def _read_version(source: VersionSource) -> Version:
    try:
        return to_train(source.text)
    except VersionError as exc:
        raise WorkspaceError(
            f"{source.file}:{source.line}: {exc.message}",
            hint='write the version as MAJOR.MINOR.PATCH, optionally with rcN or .devN: "1.2.0", "2.0.0rc1"',
        ) from None


@functools.cache
def _globs(globs: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalise(g) for g in globs)


def _matches(name: str, globs: tuple[str, ...]) -> bool:
    from fnmatch import fnmatchcase

    return any(fnmatchcase(name, g) for g in _globs(globs))


def _dependencies(
    p: Package, project_of: dict[str, Project], root_project: Project | None
) -> tuple[Dependency, ...]:
    project = project_of[p.name]
    return tuple(
        Dependency(
            req.name if req.name else req.text.value,
            req.written_name,
            req.kind,
            req.text.value,
            None,
            req.name != p.name and first_party(project, req, project_of, root_project),
        )
        for req in project.requirements
    )


def _check_duplicates(members: list[Project]) -> None:
    seen: dict[str, Project] = {}
    for project in members:
        name = normalise(project.name().value)
        if name in seen:
            raise WorkspaceError(
                f"{project.path}:{project.name().line}: two members are named {name!r} (PEP 503): "
                f"{seen[name].path} and {project.path}",
                hint="rename one of them or exclude it from the workspace",
            )
        seen[name] = project


def _published(
    packages: tuple[Package, ...],
    config: WorkspaceSettings,
    settings: Settings,
    project_of: dict[str, Project],
) -> tuple[Package, ...]:
    """With a `[[workspace]] publish` allow-list, only the packages it names are published."""
    if config.publish is None:
        return packages
    where = settings.config_file or settings.root / "release-train.toml"
    allowed = tuple(config.publish)
    problems = [
        Problem(
            where,
            0,
            f"[[workspace]] publish names {glob!r}, which matches no package",
            "fix the name (`release-train packages` lists them) or remove it",
        )
        for glob in allowed
        if not any(_matches(p.name, (glob,)) for p in packages)
    ]
    problems += [
        Problem(
            p.manifest,
            project_of[p.name].line_of("project", "classifiers"),
            f"{p.name} is in the publish allow-list but marked private (Private :: Do Not Upload or "
            "[tool.uv] package = false)",
            f"remove {p.name} from [[workspace]] publish, or remove the private marking",
        )
        for p in packages
        if not p.publish and any(normalise(g) == p.name for g in allowed)  # named, not a glob's match
    ]
    raise_problems(problems, "the publish allow-list does not fit the workspace")
    return tuple(p.replace(publish=p.publish and _matches(p.name, allowed)) for p in packages)


def _train_version(
    settings: Settings,
    packages: tuple[Package, ...],
    sources: dict[str, VersionSource],
    root_project: Project | None,
) -> tuple[Version, str]:
    """The train version and the package it comes from: `[project] version-from`, else the
    workspace root's own distribution, else the one version every published distribution with a
    written version shares."""
    written = [p for p in packages if sources[p.name].written]
    source = settings.project.version_from
    if source:
        name = normalise(source)
        chosen = next((p for p in packages if p.name == name), None)
        if chosen is None:
            raise VersionFromElsewhere(
                f"[project] version-from names {source!r}, which is not a member of the workspace",
                hint="set version-from to a package listed by `release-train packages`",
            )
        if not sources[name].written:
            raise WorkspaceError(
                f"[project] version-from names {source!r}, whose version is not written in a file "
                f"({chosen.version_source}): the train needs one it can read",
                hint="set version-from to a package with a static version or a __version__ file",
            )
        return chosen.version, name
    if root_project is not None and root_project.is_package:
        root = next(p for p in packages if p.manifest == root_project.path)
        if root.publish and sources[root.name].written:
            return root.version, root.name
    shared = {p.version for p in written if p.publish and p.major_rule == "major"}
    if len(shared) == 1:
        return shared.pop(), ""
    if not shared:
        raise WorkspaceError(
            "no published distribution of the workspace writes its version (each takes it from the tag "
            "or is private), so there is no train version to read",
            hint="give one distribution a static version or a __version__ file and name it in "
            '[project] version-from = "<package>"',
        )
    by_version: dict[str, list[str]] = {}
    for p in sorted(written, key=lambda p: p.name):
        if p.publish:
            by_version.setdefault(to_pep440(p.version), []).append(p.name)
    listed = "; ".join(
        f"{version}: " + ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        for version, names in sorted(by_version.items(), key=lambda item: -len(item[1]))
    )
    raise WorkspaceError(
        f"the published distributions have different versions ({listed}): which is the train's?",
        hint='set [project] version-from = "<package>" in release-train.toml',
    )
