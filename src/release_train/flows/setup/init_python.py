"""What `init` finds of Python in a repository: the `[[workspace]] kind = "python"` entry to write.

Shapes, in this order:
- a uv workspace: a `pyproject.toml` with `[tool.uv.workspace]` at the root, or in one directory
  below it (`python/` beside a Cargo workspace at the root: a Rust crate with Python bindings);
- one project: a `pyproject.toml` with `[project]` at the root;
- separate projects without a workspace (`packages/*`, `libs/*`, `python/*`): listed with
  `members = ["packages/*"]`.
A `pyproject.toml` that is only tool configuration (no `[project]`, no uv workspace) is not one.

A requirement on a member that pins one version (`pkg==1.2.3`) marks an internal distribution,
unless some member requires it with a range; the repository on GitHub may be named by a
github.com URL in the root project's `[project.urls]`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from release_train.config import WorkspaceSettings
from release_train.workspaces.interface import Workspace

_LAYOUTS = ("packages", "libs", "python", "projects")
_SKIP = {".git", ".venv", "venv", "node_modules", "target", "build", "dist", ".tox", ".nox"}
_GITHUB = re.compile(r"github\.com[:/]+([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _uv_workspace(doc: dict[str, Any]) -> bool:
    return isinstance(doc.get("tool", {}).get("uv", {}).get("workspace"), dict)


def python_entry(root: Path) -> tuple[WorkspaceSettings | None, str]:
    """The Python entry for the repository at `root`, and why (None, "" when there is none)."""
    top = _read(root / "pyproject.toml")
    if _uv_workspace(top):
        return WorkspaceSettings(kind="python"), "pyproject.toml has [tool.uv.workspace]"
    if isinstance(top.get("project"), dict):
        return WorkspaceSettings(kind="python"), "pyproject.toml is one project"
    for child in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in _SKIP):
        if _uv_workspace(_read(child / "pyproject.toml")):
            return (
                WorkspaceSettings(kind="python", path=child.name),
                f"{child.name}/pyproject.toml has [tool.uv.workspace]",
            )
    for layout in _LAYOUTS:
        projects = [p for p in sorted((root / layout).glob("*/pyproject.toml")) if _is_project(p)]
        if projects:
            members = [f"{layout}/*"]
            return (
                WorkspaceSettings(kind="python", members=members),
                f"{len(projects)} projects under {layout}/ (no uv workspace)",
            )
    return None, ""


def _is_project(path: Path) -> bool:
    return isinstance(_read(path).get("project"), dict)


def project_names(root: Path, entry: WorkspaceSettings) -> list[str]:
    """The `[project] name` of each pyproject.toml below the entry (candidates for version-from)."""
    base = root / entry.path
    found = []
    for path in sorted(base.glob("**/pyproject.toml")):
        if _SKIP & set(path.relative_to(base).parts):
            continue
        name = _read(path).get("project", {}).get("name")
        if isinstance(name, str):
            found.append(name)
    return found


def root_project_name(root: Path) -> str:
    name = _read(root / "pyproject.toml").get("project", {}).get("name")
    return name if isinstance(name, str) else ""


def repository_from_urls(root: Path) -> str:
    """owner/name from a github.com URL in the root project's `[project.urls]` ("" when none)."""
    project = _read(root / "pyproject.toml").get("project")
    urls = project.get("urls") if isinstance(project, dict) else None
    for url in urls.values() if isinstance(urls, dict) else ():
        match = _GITHUB.search(url) if isinstance(url, str) else None
        if match:
            return f"{match[1]}/{match[2]}"
    return ""


def _operators(requirement: str) -> list[tuple[str, str]]:
    """The (operator, version) of each specifier of a PEP 508 requirement; [] when unreadable."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return [(s.operator, s.version) for s in Requirement(requirement).specifier]
    except InvalidRequirement:
        return []


def is_pin(requirement: str) -> bool:
    """Whether a Python requirement pins one version (`pkg==1.2.3`, `pkg[extra] == 1.2.3`, not
    `pkg==1.*`), as `=1.2.3` does in Cargo."""
    return any(op in ("==", "===") and "*" not in version for op, version in _operators(requirement))


def pinned(ws: Workspace) -> set[str]:
    """Distributions of the Python parts of `ws` that a member pins (internal ones), less those
    a member requires with a range (public ones, even where a test group pins them)."""
    from release_train.workspaces.python import PythonWorkspace

    pins: set[str] = set()
    ranges: set[str] = set()
    for part in ws.parts():
        if not isinstance(part, PythonWorkspace):
            continue
        for d in (d for p in part.packages for d in p.dependencies if d.first_party and d.req):
            if is_pin(d.req or ""):
                pins.add(d.name)
            elif _operators(d.req or ""):
                ranges.add(d.name)
    return pins - ranges
