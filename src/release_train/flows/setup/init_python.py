"""`init` on a Python repository: what is derived from a uv workspace (or the one project at the
root) instead of a Cargo workspace. The rest (forge, branch, notes file, the train's shape) is
found as for Cargo (`init.py`).

- the train's version: the one every published distribution shares; when they differ,
  `version-from` = the distribution the others build up to (the last in publish order);
- public distributions: published ones no first-party requirement pins exactly (`pkg==1.2.3`
  marks an internal one);
- the project name: the repository's (from origin, else a github.com URL of the root project's
  `[project.urls]`), else the root project's name, else the directory's;
- `[publish] registry = "pypi"`.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from release_train.config import Settings, WorkspaceSettings
from release_train.errors import RefusedError, WorkspaceError
from release_train.flows.setup import init
from release_train.workspaces.interface import Workspace

SKIPPED = {".venv", "venv", ".git", "node_modules", "build", "dist", "target", ".tox", ".nox"}


def derive(root: Path, *, github: bool) -> init.Derived:
    from release_train.workspaces import load_workspace

    root_project = _read(root / "pyproject.toml")
    settings = Settings(root=root, config_file=None, workspaces=(WorkspaceSettings(kind="python"),))
    version_from = ""
    try:
        ws = load_workspace(settings)
    except WorkspaceError:
        version_from = _top_distribution(root, settings)
        settings = replace(settings, project=replace(settings.project, version_from=version_from))
        ws = load_workspace(settings)
    remote, forge_kind, forge_path = init._forge(root, github=github)
    repository = remote or _repository_from_urls(root_project)
    notes, shape = init._notes_file(root)
    main = init._development_branch(root)
    train = init._train_shape(root, main, ws)
    version = str(ws.train_version)
    tagged = ws.package(train.version_from).version if train.version_from else None
    if train.version_from and train.version_from != version_from and tagged != ws.train_version:
        version_from, version = train.version_from, str(tagged)
    project = root_project.get("project")
    own = project.get("name") if isinstance(project, dict) else None
    return init.Derived(
        name=repository.partition("/")[2] if repository else (own if isinstance(own, str) else root.name),
        repository=repository,
        version_from=version_from,
        public=tuple(init.public_globs(ws, _exact_pins(ws))),
        forge_kind=forge_kind,
        forge_path=forge_path,
        version=version,
        main=main,
        notes=notes,
        notes_shape=shape,
        branches=train.branches,
        branches_why=train.why,
        minor=train.minor,
        minor_why=train.minor_why,
        kind="python",
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(
            f"{path}: malformed TOML: {exc}", hint="fix the syntax at the position given"
        ) from exc


def _exact_pins(ws: Workspace) -> set[str]:
    """First-party distributions some requirement pins exactly (`==`): internal ones."""
    from packaging.requirements import InvalidRequirement, Requirement

    pinned = set()
    for dep in (d for p in ws.packages for d in p.dependencies if d.first_party and d.req):
        try:
            specifiers = Requirement(dep.req or "").specifier
        except InvalidRequirement:
            continue
        if any(s.operator in ("==", "===") and "*" not in s.version for s in specifiers):
            pinned.add(dep.name)
    return pinned


def _repository_from_urls(root_project: dict[str, Any]) -> str:
    project = root_project.get("project")
    urls = project.get("urls") if isinstance(project, dict) else None
    for url in (urls or {}).values() if isinstance(urls, dict) else ():
        match = init._GITHUB_REMOTE.search(url) if isinstance(url, str) else None
        if match:
            return f"{match[1]}/{match[2]}"
    return ""


def _top_distribution(root: Path, settings: Settings) -> str:
    """With distributions at several versions: the one published last. Loading needs a version
    source, so each distribution found stands in until one loads."""
    from release_train.workspaces import load_workspace
    from release_train.workspaces.graph import layers

    for path in sorted(root.rglob("pyproject.toml")):
        if SKIPPED & set(path.relative_to(root).parts):
            continue
        project = _read(path).get("project")
        name = project.get("name") if isinstance(project, dict) else None
        if not isinstance(name, str):
            continue
        probe = replace(settings, project=replace(settings.project, version_from=name))
        try:
            ws = load_workspace(probe)
        except WorkspaceError:
            continue
        order = [p.name for layer in layers(ws) for p in layer if p.publish]
        return order[-1] if order else name
    raise RefusedError(
        f"found no distribution with a version in the workspace at {root}",
        hint="give the distributions a [project] version (or a __version__ file) in pyproject.toml",
    )
