"""The `pyproject.toml`s of a Python workspace, found in this order:

1. `members = [...]` in the `[[workspace]]` entry: directories or globs, relative to its `path`
   (repositories whose distributions are separate projects, each with its own lock file);
2. a uv workspace: the root `pyproject.toml`'s `[tool.uv.workspace] members` globs less `exclude`,
   as uv finds them (a matched directory without a `pyproject.toml` is an error unless it is
   empty, as for uv); the root is a member when it has a `[project]` table;
3. otherwise the single `pyproject.toml` at `path`.

Every directory is checked to stay inside the repository (`infra/confine.py`).
"""

from __future__ import annotations

from pathlib import Path

from release_train.config import Settings, WorkspaceSettings
from release_train.errors import WorkspaceError
from release_train.infra.confine import Files
from release_train.workspaces.cargo_members import glob_dirs
from release_train.workspaces.python_project import Project, read_project
from release_train.workspaces.toml_doc import Str

PYPROJECT = "pyproject.toml"


def find_projects(
    settings: Settings, config: WorkspaceSettings, root: Path, confined: Files
) -> tuple[Project | None, list[Project]]:
    """The root project (None when `members` lists the directories and the root is not one of
    them) and every member's, the root first when it is a member."""
    root_file = root / PYPROJECT
    if config.members is not None:
        dirs = _configured(settings, config.members, root, confined)
        confined.read_ahead([f"{d}/{PYPROJECT}" for d in dirs])
        projects = [read_project(Path(d, PYPROJECT), confined) for d in dirs]
        root_project = next((p for p in projects if p.dir == str(root)), None)
        return root_project, projects
    if not confined.is_file(str(root_file)):
        raise WorkspaceError(
            f"{root} has no {PYPROJECT}",
            hint="point [[workspace]] path at the directory holding the root pyproject.toml, "
            'or list the projects: members = ["packages/*"] in the [[workspace]] entry',
        )
    root_project = read_project(root_file, confined)
    if not root_project.has("tool", "uv", "workspace"):
        return root_project, [root_project]
    dirs = _uv_members(root_project, root, confined)
    confined.read_ahead([f"{d}/{PYPROJECT}" for d in dirs])
    members = [read_project(Path(d, PYPROJECT), confined) for d in dirs]
    return root_project, [root_project, *members]


def _configured(settings: Settings, patterns: list[str], root: Path, confined: Files) -> list[str]:
    where = settings.config_file or settings.root / "release-train.toml"
    found: list[str] = []
    for pattern in patterns:
        matched = [d for d in glob_dirs(root, pattern, confined) if confined.is_file(f"{d}/{PYPROJECT}")]
        if not matched:
            raise WorkspaceError(
                f"{where}: [[workspace]] members {pattern!r} matches no directory with a {PYPROJECT}",
                hint=f"fix the pattern (relative to [[workspace]] path, here {root}), or remove it",
            )
        found += [d for d in matched if d not in found]
    return found


def _uv_members(root_project: Project, root: Path, confined: Files) -> list[str]:
    table = root_project.table("tool", "uv", "workspace")
    excluded: set[str] = set()
    for pattern in _strings(table.get("exclude")):
        excluded.update(glob_dirs(root, pattern.value, confined))
    members: list[str] = []
    for pattern in _strings(table.get("members")):
        for directory in glob_dirs(root, pattern.value, confined):
            if directory in excluded or directory == str(root) or directory in members:
                continue
            if not confined.is_file(f"{directory}/{PYPROJECT}"):
                if not confined.has_entries(directory):  # uv skips an empty directory
                    continue
                raise WorkspaceError(
                    f"{root_project.path}:{pattern.line}: workspace member {directory} has no {PYPROJECT} "
                    f"(matched by {pattern.value!r}; uv refuses the workspace)",
                    hint=f"add a {PYPROJECT} there, or list the directory under [tool.uv.workspace] exclude",
                )
            members.append(directory)
    return sorted(members)


def _strings(value: object) -> list[Str]:
    return [v for v in value if isinstance(v, Str)] if isinstance(value, list) else []
