"""The version bump of SPEC section 2, as a plan (a value) and its application.

`plan_bump` reads the workspace and computes the new bytes of every manifest, the lock file and
the version files, running every check first; it writes nothing and never touches git, so other
flows call it on any checked-out branch. `apply_bump` writes all files at once (all or nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from release_train.infra.fs import write_all
from release_train.model.record import Record
from release_train.model.version import Operation
from release_train.workspaces import load_workspace
from release_train.workspaces.interface import raise_problems

if TYPE_CHECKING:
    from collections.abc import Mapping

    from release_train.config import Settings
    from release_train.model.version import Version
    from release_train.workspaces.interface import Problem, Workspace


class BumpPlan(Record):
    __slots__ = FIELDS = ("operation", "root", "files", "lines", "old_version", "new_version", "new_versions")
    operation: Operation
    root: Path
    files: dict[Path, bytes]  # new full contents of every changed file
    lines: list[tuple[str, str, str]]  # (version line label, old, new)
    old_version: Version  # the train version before
    new_version: Version  # and after
    new_versions: Mapping[str, Version]  # each package's version after

    def __init__(
        self,
        operation: Operation,
        root: Path,
        files: dict[Path, bytes],
        lines: list[tuple[str, str, str]],
        old_version: Version,
        new_version: Version,
        new_versions: Mapping[str, Version],
    ) -> None:
        self._init(operation, root, files, lines, old_version, new_version, new_versions)

    def changed_paths(self) -> list[Path]:
        return sorted(self.files)


def plan_bump(settings: Settings, op: Operation | str, workspace: Workspace | None = None) -> BumpPlan:
    """Everything a bump would write; raises `WorkspaceError` listing every problem first."""
    operation = Operation(op)
    ws = workspace if workspace is not None else load_workspace(settings)
    edits = ws.bump(operation, rc_train=settings.release.rc)
    problems: list[Problem] = list(edits.problems)
    files = dict(edits.files)
    if settings.version_files:
        from release_train.workspaces.version_files import bump_version_files

        files.update(bump_version_files(settings, edits.new_train, problems))
    raise_problems(problems, "the bump cannot proceed; nothing was changed")
    return BumpPlan(
        operation=operation,
        root=ws.root,
        files=files,
        lines=edits.lines,
        old_version=edits.old_train,
        new_version=edits.new_train,
        new_versions=edits.new_versions,
    )


def apply_bump(plan: BumpPlan) -> None:
    """Write every file of the plan, all or nothing. A file that is a link (to a target inside
    the repository: loading refused the others) is written at its target, so the link stays."""
    import os

    write_all({Path(os.path.realpath(p)) if p.is_symlink() else p: data for p, data in plan.files.items()})
