"""SPEC section 2 for Python: compute every `pyproject.toml`, `__version__` file and `uv.lock`
after a version operation.

Nothing is written here. Versions are moved as the train's `Version`s and written back in PEP
440's normalised spelling (`model/pep440.py`); requirements on members are checked and moved by
`python_reqs.py`. Every problem is collected, each with its file, line and fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from release_train.model.pep440 import parse_pep440, to_pep440
from release_train.model.version import Operation, Version, VersionError
from release_train.workspaces.cargo_lock import splice
from release_train.workspaces.interface import BumpEdits, Package, Problem
from release_train.workspaces.moves import moved, version_lines
from release_train.workspaces.python_reqs import (
    Clause,
    RequirementProblem,
    admits,
    clauses,
    compatible_range,
    follow,
    is_pin,
)

if TYPE_CHECKING:
    from release_train.workspaces.python import PythonWorkspace
    from release_train.workspaces.python_project import Project, Requirement

Edits = dict[Path, tuple[bytes, list[tuple[int, int, bytes]]]]  # file -> (its bytes, its edits)


def new_versions(ws: PythonWorkspace, op: Operation, rc_train: bool) -> tuple[Version, dict[str, Version]]:
    """The train version after `op` and each package's: a written version moves as `moves.moved`
    says; one the train sets (the tag's, Cargo.toml's) is the new train version."""
    versions = {p.name: moved(p, op, rc_train) for p in ws.packages if not ws.follows_train(p.name)}
    train = versions[ws.train_from] if ws.train_from else ws.train_version.bump(op, rc_train=rc_train)
    for p in ws.packages:
        versions.setdefault(p.name, train)
    return train, versions


def bump_python(ws: PythonWorkspace, op: Operation, *, rc_train: bool) -> BumpEdits:
    train, versions = new_versions(ws, op, rc_train)
    problems: list[Problem] = []
    edits: Edits = {}
    for p in ws.packages:
        source = ws.sources[p.name]
        if source.written and source.file is not None and versions[p.name] != p.version:
            text = _spelled(versions[p.name], source.file, source.line, problems)
            _add(edits, source.file, source.data, (source.start, source.end, text))
    for project in ws.projects:
        owner = _owner(ws, project)
        for requirement in project.requirements:
            for edit in _requirement_edits(ws, project, owner, requirement, versions, problems):
                _add(edits, project.path, project.data, edit)
    files: dict[Path, bytes] = {}
    for path, (data, changes) in edits.items():
        if (new := splice(data, changes)) != data:
            files[path] = new
    _bump_locks(ws, versions, files)
    return BumpEdits(
        files=files,
        lines=_lines(ws, op, train, versions),
        old_train=ws.train_version,
        new_train=train,
        new_versions=versions,
        problems=problems,
    )


def _add(edits: Edits, path: Path, data: bytes, edit: tuple[int, int, bytes]) -> None:
    edits.setdefault(path, (data, []))[1].append(edit)


def _spelled(version: Version, file: Path, line: int, problems: list[Problem]) -> bytes:
    try:
        return to_pep440(version).encode()
    except VersionError as exc:
        problems.append(Problem(file, line, exc.message, "bump to a version PEP 440 can spell"))
        return str(version).encode()


def _owner(ws: PythonWorkspace, project: Project) -> Package | None:
    if not project.is_package:
        return None
    from release_train.workspaces.python_project import normalise

    return ws.package(normalise(project.name().value))


class Where:
    """One requirement's place (file, table, dependent): words its problems."""

    __slots__ = ("owner", "project", "requirement")

    def __init__(self, project: Project, owner: Package | None, requirement: Requirement) -> None:
        self.project = project
        self.owner = owner
        self.requirement = requirement

    def problem(self, message: str, fix: str) -> Problem:
        """`fix` says where with `{at}` ("[project] dependencies")."""
        who = self.owner.name if self.owner else "the workspace root"
        text = self.requirement.text
        return Problem(self.project.path, text.line, f"{who} {message}", fix.replace("{at}", self.at))

    @property
    def at(self) -> str:
        section, _, key = self.requirement.table.rpartition(".")
        return f"[{section}] {key}"


def _requirement_edits(
    ws: PythonWorkspace,
    project: Project,
    owner: Package | None,
    requirement: Requirement,
    versions: dict[str, Version],
    problems: list[Problem],
) -> list[tuple[int, int, bytes]]:
    """The edits of one requirement on a member: a shape that follows the member moves with it,
    wherever it is written. A range left as written must admit the member's new version when it
    is published metadata (uv resolves members from the workspace whatever version a requirement
    names, so a dependency group or a private project's range harms nothing). Styles are checked
    on published requirements between published distributions: internal members pinned, public
    ones a range."""
    if not requirement.name or (owner is not None and requirement.name == owner.name):
        return []  # not a name, or the distribution requiring its own extras
    if not ws.first_party(project, requirement):
        return []
    dep = ws.package(requirement.name)
    where = Where(project, owner, requirement)
    value = requirement.text.value
    try:
        found = clauses(value)
    except RequirementProblem as exc:
        problems.append(where.problem(f"lists {value!r}, which {exc}", "write a PEP 508 requirement in {at}"))
        return []
    published = requirement.published and owner is not None and owner.publish
    if published and dep.publish:
        _check_style(where, dep, found, problems)
    new = versions[dep.name]
    moves = follow(found, dep.version, new) if new != dep.version else None
    if moves is None:
        if published:  # uv ignores the versions required of members: only published metadata must admit
            _check_admits(where, dep, found, new, problems)
        return []
    return _byte_edits(where, dep, moves, problems)


def _check_style(where: Where, dep: Package, found: list[Clause], problems: list[Problem]) -> None:
    value = where.requirement.text.value
    name = _name_as_written(value)
    if not found:
        kind = "a compatible range" if dep.public else "a pin"
        wanted = compatible_range(dep.version) if dep.public else f"=={to_pep440(dep.version)}"
        problems.append(
            where.problem(
                f"requires {dep.name} without a version ({value!r}): the published metadata would accept "
                "any version of it",
                f'write {kind} in {{at}}: "{name}{wanted}"',
            )
        )
    elif dep.public and is_pin(found):
        problems.append(
            where.problem(
                f"pins public package {dep.name} with {value!r} (public packages keep their API in "
                "patch releases: a pin would hold back every fix)",
                f'write a compatible range in {{at}}: "{name}{compatible_range(dep.version)}"',
            )
        )
    elif not dep.public and not is_pin(found):
        problems.append(
            where.problem(
                f"uses a range requirement {value!r} on internal package {dep.name}",
                f'pin it in {{at}}: "{name}=={to_pep440(dep.version)}", or list {dep.name} in [[workspace]] public '
                "if its API is stable",
            )
        )


def _check_admits(
    where: Where, dep: Package, found: list[Clause], new: Version, problems: list[Problem]
) -> None:
    if not found or admits(found, new):
        return
    value = where.requirement.text.value
    name = _name_as_written(value)
    if is_pin(found) and new != dep.version:
        problems.append(
            where.problem(
                f"lists {dep.name} {value!r} but {dep.name} is at {to_pep440(dep.version)}",
                f'set it to "{name}=={to_pep440(dep.version)}" in {{at}}',
            )
        )
        return
    after = "after the bump" if new != dep.version else "now"
    wanted = f"=={to_pep440(new)}" if is_pin(found) else compatible_range(new)
    problems.append(
        where.problem(
            f"lists {dep.name} {value!r}, which {dep.name} {to_pep440(new)} ({after}) does not satisfy",
            f'write "{name}{wanted}" in {{at}}, or a range that admits it',
        )
    )


def _byte_edits(
    where: Where, dep: Package, moves: list[tuple[int, int, str]], problems: list[Problem]
) -> list[tuple[int, int, bytes]]:
    """Character offsets in the string's value -> byte offsets in the file. A string with escapes
    maps one to one up to its first backslash (markers hold them: `\\"3.11\\"`), which is after
    the version clauses in any requirement written as people write them."""
    text = where.requirement.text
    raw = where.project.data[text.start : text.end]
    plain = raw.find(b"\\")
    result = []
    for start, end, new in moves:
        byte_start = len(text.value[:start].encode())
        byte_end = byte_start + len(text.value[start:end].encode())
        if plain != -1 and byte_end > plain:
            problems.append(
                where.problem(
                    f"writes the requirement on {dep.name} with escapes before its version",
                    f"write it without escapes in {{at}}: {text.value!r}",
                )
            )
            return []
        result.append((text.start + byte_start, text.start + byte_end, new.encode()))
    return result


def _name_as_written(value: str) -> str:
    """The requirement up to its version clauses: `pkg[extra]` as written."""
    cut = min((i for i in (value.find(c) for c in "<>=!~;@(") if i != -1), default=len(value))
    return value[:cut].rstrip()


def _bump_locks(ws: PythonWorkspace, versions: dict[str, Version], files: dict[Path, bytes]) -> None:
    """Every `uv.lock` of the workspace: the root's, and each member's own (projects that are not
    one uv workspace lock themselves, listing their siblings as editable sources)."""
    from release_train.workspaces.uv_lock import bump_uv_lock

    changes: dict[str, tuple[str, str, str]] = {}
    for p in ws.packages:
        source = ws.sources[p.name]
        if source.written and versions[p.name] != p.version:
            try:
                old = str(parse_pep440(source.text))
                changes[ws.project_of[p.name].dir] = (p.name, old, to_pep440(versions[p.name]))
            except VersionError:
                continue  # reported with the manifest
    if not changes:
        return
    directories = dict.fromkeys([str(ws.root), *(project.dir for project in ws.projects)])
    for directory in directories:
        lock = Path(directory, "uv.lock")
        if not ws.files.is_file(str(lock)):
            continue
        data = ws.files.read(str(lock))
        new = bump_uv_lock(data, directory, changes)
        if new != data:
            files[lock] = new


def _lines(
    ws: PythonWorkspace, op: Operation, train: Version, versions: dict[str, Version]
) -> list[tuple[str, str, str]]:
    """Each group of published distributions with written versions that move alike, then those
    whose version the train sets (the tag's)."""
    order = ws.publish_order()
    written = (p for p in order if not ws.follows_train(p.name))
    lines = version_lines(written, versions, op, spell=to_pep440)
    following = [p.name for p in order if ws.follows_train(p.name)]
    if following:
        label = ", ".join(following[:3]) + (f" and {len(following) - 3} more" if len(following) > 3 else "")
        lines.append((f"{label} (version from the tag)", to_pep440(ws.train_version), to_pep440(train)))
    return lines
