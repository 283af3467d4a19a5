"""The checks of `verify` that read a Cargo workspace's own files: every first-party requirement
is satisfied by its member's version (Cargo's matching rules, `model/cargo_req.py`), and
`Cargo.lock` lists each member at its manifest version. Each problem names file, line and fix.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from release_train.errors import ReleaseTrainError, WorkspaceError
from release_train.workspaces.cargo_manifest import WORKSPACE_DEPS
from release_train.workspaces.interface import Problem

if TYPE_CHECKING:
    from release_train.workspaces.cargo import CargoWorkspace

_LOCK_ENTRY = re.compile(
    r'^\[\[package\]\]\r?\nname = "([^"\r\n]+)"\r?\nversion = "([^"\r\n]+)"\r?\n(source = )?', re.M
)


def requirement_problems(ws: CargoWorkspace) -> list[Problem]:
    """Every requirement on a member (by `path`) that the member's version does not satisfy."""
    from release_train.model.cargo_req import Requirement

    owner = {m.path: name for name, m in ws.member_manifest.items()}
    problems: list[Problem] = []
    for manifest in ws.manifests:
        for entry in manifest.entries:
            req = entry.version
            if req is None or entry.registry_only or entry.dir is None or not ws.has(entry.name):
                continue
            if entry.dir != ws.member_manifest[entry.name].dir:
                continue  # a registry package of the same name, not the member
            member = ws.package(entry.name)
            who = (
                owner.get(manifest.path, "") if entry.table != WORKSPACE_DEPS else "[workspace.dependencies]"
            )
            try:
                satisfied = Requirement.parse(req.value).matches(member.version)
            except ReleaseTrainError:
                problems.append(
                    Problem(
                        manifest.path,
                        req.line,
                        f"{who} requires {entry.name} {req.value!r}, which is not a Cargo version requirement",
                        f'write a requirement such as "{member.version}" in [{entry.table}] {entry.key}',
                    )
                )
                continue
            if not satisfied:
                problems.append(
                    Problem(
                        manifest.path,
                        req.line,
                        f"{who} requires {entry.name} {req.value!r}, but {entry.name} is at {member.version}: "
                        "cargo cannot resolve the workspace",
                        f'set it to "{member.version}" in [{entry.table}] {entry.key}',
                    )
                )
    return problems


def lock_problems(ws: CargoWorkspace) -> list[Problem]:
    """Members `Cargo.lock` does not list at their manifest version (none without a lock file)."""
    lock = ws.lock_path
    if not ws.files.is_file(str(lock)):
        return []
    try:
        text = ws.files.read(str(lock)).decode(errors="replace")
    except WorkspaceError:  # a link out of the repository: the bump checks say so
        return []
    listed: dict[str, list[tuple[str, int]]] = {}
    for match in _LOCK_ENTRY.finditer(text):
        if match.group(3) is None:  # members and path packages have no `source`
            line = text.count("\n", 0, match.start(2)) + 1
            listed.setdefault(match.group(1), []).append((match.group(2), line))
    problems: list[Problem] = []
    fix = "run `cargo update --workspace` (it rewrites only the members' entries) and commit Cargo.lock"
    for pkg in ws.packages:
        entries = listed.get(pkg.name)
        if not entries:
            problems.append(Problem(lock, 1, f"Cargo.lock does not list the member {pkg.name}", fix))
        elif all(version != str(pkg.version) for version, _ in entries):
            version, line = entries[0]
            problems.append(
                Problem(
                    lock,
                    line,
                    f"Cargo.lock lists {pkg.name} {version}, but its manifest says {pkg.version}",
                    fix,
                )
            )
    return problems
