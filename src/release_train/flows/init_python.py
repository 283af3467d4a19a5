"""What `init` finds of Python in a repository: the `[[workspace]] kind = "python"` entry to write.

Shapes, in this order:
- a uv workspace: a `pyproject.toml` with `[tool.uv.workspace]` at the root, or in one directory
  below it (`python/` beside a Cargo workspace at the root: a Rust crate with Python bindings);
- one project: a `pyproject.toml` with `[project]` at the root;
- separate projects without a workspace (`packages/*`, `libs/*`, `python/*`): listed with
  `members = ["packages/*"]`.
A `pyproject.toml` that is only tool configuration (no `[project]`, no uv workspace) is not one.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from release_train.config import WorkspaceSettings
from release_train.workspaces.interface import Workspace

_LAYOUTS = ("packages", "libs", "python", "projects")
_SKIP = {".git", ".venv", "venv", "node_modules", "target", "build", "dist", ".tox"}
# `name==1.2.3` (not `===`): a pin, which marks an internal distribution as `=1.2.3` does in Cargo
_PIN = re.compile(r"(?<![=!<>~])==\s*\d")


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


def is_pin(requirement: str) -> bool:
    """Whether a Python requirement pins one version (`pkg==1.2.3`, `pkg[extra] == 1.2.3`)."""
    return _PIN.search(requirement) is not None


def ranged(ws: Workspace) -> set[str]:
    """Distributions of the Python parts of `ws` that a member requires with a range."""
    from release_train.workspaces.python import PythonWorkspace

    return {
        d.name
        for part in ws.parts()
        if isinstance(part, PythonWorkspace)
        for p in part.packages
        for d in p.dependencies
        if d.first_party and d.req and d.req != d.name and not is_pin(d.req) and _has_version(d.req)
    }


def _has_version(requirement: str) -> bool:
    return re.search(r"[<>=~]=?\s*\d", requirement) is not None
