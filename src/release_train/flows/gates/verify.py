"""`verify`: every problem a release would hit, found before anything is proposed or tagged.

The checks: every manifest reads, the publish set is complete, no dependency cycle; no published
package depends on an unpublished one; every first-party requirement is satisfied by its member's
version; `Cargo.lock` lists each member at its manifest version; the registry's refusals
(`description`, `license` or `license-file`, a `readme` or `license-file` that does not exist, a
package over 10 MiB); version files agree with the train version; `bump major` and `bump patch`
would succeed; and the notes file exists in a shape the flows accept (on `main`: cut, then the
release of the branch cut from it; on a release branch: its release). Nothing is written: bumps
and notes changes are computed in memory. Each problem names file, line and fix.

The package size is estimated without packaging (which would compile nothing but resolve and
copy every file): the git-tracked files of each package, with the tar overhead, are summed, and
only a package whose sum exceeds the limit is compressed in memory. `publish` measures the real
`.crate` files. The train flows run these checks at plan time on the commit they propose from
(`flows/gates/verify_gate.py`), reading its tree from git's object database (`settings.files()`):
every file is read through the workspace's `files`, never from the disk directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date
from typing import TYPE_CHECKING

from release_train.config import Settings
from release_train.context import Context
from release_train.errors import ReleaseTrainError
from release_train.model.version import Operation
from release_train.values import dataclass, field

if TYPE_CHECKING:
    from pathlib import Path

    from release_train.flows.train.bump import BumpPlan
    from release_train.workspaces.interface import Problem, Workspace

LOADS = "workspace reads; publish set complete; no cycle"


@dataclass(frozen=True)
class Check:
    name: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class VerifyReport:
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[str]:
        return [p for c in self.checks for p in c.problems]


def verify(settings: Settings, ctx: Context | None = None, *, branch: str) -> VerifyReport:
    """Check the workspace at `settings.root`. `branch`: the branch it is on (a release branch's
    notes are checked as such; "" for none)."""
    from release_train.workspaces import load_workspace

    ctx = ctx or Context()
    try:
        ws = load_workspace(settings)
    except ReleaseTrainError as exc:
        check = Check(LOADS, (str(exc),))
        ctx.emit("warn", f"{check.name}: failed")
        return VerifyReport((check,))

    def observe(check: Check, done: int, total: int) -> None:  # one at a time: a progress bar moves
        ctx.emit("progress", f"{check.name}: {'ok' if check.ok else 'failed'}", done=done, total=total)
        if not check.ok:
            ctx.emit("warn", f"{check.name}: failed")

    return VerifyReport(
        run_checks(
            settings, ws, release_branch=_is_release(settings, branch), day=_today(ctx), on_check=observe
        )
    )


def _is_release(settings: Settings, branch: str) -> bool:
    from release_train.model.branches import release_branch_version

    return release_branch_version(settings.branches.release, branch) is not None


def _today(ctx: Context) -> date:
    return ctx.clock.now().astimezone(UTC).date()


def run_checks(
    settings: Settings,
    ws: Workspace,
    *,
    release_branch: bool,
    day: date,
    on_check: Callable[[Check, int, int], None] | None = None,
    plans: dict[Operation, BumpPlan] | None = None,
) -> tuple[Check, ...]:
    """Every check on a loaded workspace (the flows call this on a commit's tree). `on_check`
    hears of each check as it finishes, with the step it belongs to and the number of steps;
    `plans` receives the bumps the checks computed, for a flow to reuse."""
    steps: list[Callable[[], list[Check]]] = [
        lambda: [Check(LOADS), _published_deps(ws)],
        lambda: _cargo_checks(settings, ws),
        lambda: [_version_files(settings, ws)],
        lambda: [_bump(settings, ws, Operation.MAJOR, plans)],
        lambda: [_bump(settings, ws, Operation.PATCH, plans)],
        lambda: [_notes(settings, ws, release_branch=release_branch, day=day)],
    ]
    # Paths relative to the repository: the flows check a commit's tree, whose path means
    # nothing to the reader.
    prefix = f"{ws.files.root}/"
    checks: list[Check] = []
    for done, step in enumerate(steps, 1):
        for found in step():
            check = Check(found.name, tuple(p.replace(prefix, "") for p in found.problems))
            checks.append(check)
            if on_check is not None:
                on_check(check, done, len(steps))
    return tuple(checks)


def show(problem: Problem, root: Path) -> str:
    """A problem with its file relative to the repository (the flows check a commit's tree)."""
    where = problem.file.relative_to(root).as_posix() if problem.file.is_relative_to(root) else problem.file
    return f"{where}:{problem.line}: {problem.message} (fix: {problem.fix})"


def _published_deps(ws: Workspace) -> Check:
    unpublished = {p.name for p in ws.packages if not p.publish}
    problems = tuple(
        f"{p.manifest}:{_key_line(ws, p.manifest, d.key)}: {p.name} is published but depends on unpublished "
        f"{d.name} (fix: publish {d.name}, make it a dev-dependency, or set publish = false on {p.name})"
        for p in ws.publishable()
        for d in p.dependencies
        if d.first_party and d.kind != "dev" and d.name in unpublished
    )
    return Check("published packages depend only on published packages", problems)


def _key_line(ws: Workspace, manifest: Path, key: str) -> int:
    """The line of a dependency `key = ...` or `[...dependencies.key]` in `manifest` (else 1)."""
    import re

    wanted = re.compile(rf"^\s*(?:{re.escape(key)}\s*=|\[.*dependencies\.{re.escape(key)}\s*\])")
    lines = ws.files.read(str(manifest)).decode(errors="replace").splitlines()
    return next((n for n, line in enumerate(lines, 1) if wanted.match(line)), 1)


def _cargo_checks(settings: Settings, ws: Workspace) -> list[Check]:
    """What cargo and crates.io would refuse. (A Python workspace's registry has other rules: the
    metadata a package index checks is `twine check`'s, at publish time.)"""
    from release_train.flows.gates.verify_cargo import lock_problems, requirement_problems
    from release_train.flows.publish.checks import estimated_size_problems, metadata_problems
    from release_train.workspaces.cargo import CargoWorkspace

    cargo = [part for part in ws.parts() if isinstance(part, CargoWorkspace)]
    if not cargo:
        return []

    def each(problems: Callable[[CargoWorkspace], list[str]]) -> tuple[str, ...]:
        return tuple(problem for part in cargo for problem in problems(part))

    return [
        Check(
            "every first-party requirement is satisfied by its member's version",
            each(lambda part: [show(p, settings.root) for p in requirement_problems(part)]),
        ),
        Check(
            "Cargo.lock lists each member at its manifest version",
            each(lambda part: [show(p, settings.root) for p in lock_problems(part)]),
        ),
        Check(
            "the registry would take every package (description, license, readme)",
            each(lambda part: list(metadata_problems(part, part.publishable()))),
        ),
        Check(
            "every package is under the registry's 10 MiB limit (estimated)",
            each(lambda part: list(estimated_size_problems(part, part.publishable()))),
        ),
    ]


def _version_files(settings: Settings, ws: Workspace) -> Check:
    from release_train.workspaces.version_files import disagreements

    problems = tuple(str(p) for p in disagreements(settings, ws.train_version))
    return Check(f"version files agree with the train version {ws.train_version}", problems)


def _bump(settings: Settings, ws: Workspace, op: Operation, plans: dict[Operation, BumpPlan] | None) -> Check:
    from release_train.flows.train.bump import plan_bump

    name = f"bump {op.value} would succeed (requirement values and styles)"
    try:
        plan = plan_bump(settings, op, ws)
    except ReleaseTrainError as exc:
        return Check(name, (str(exc),))
    if plans is not None:
        plans[op] = plan
    return Check(name)


def _notes(settings: Settings, ws: Workspace, *, release_branch: bool, day: date) -> Check:
    from release_train.flows.train.notes_files import check_notes

    if not settings.release.branches:  # a train without release branches releases from main
        from release_train.flows.train.mainline import notes_check

        return notes_check(settings, ws, day)
    where = "a release branch" if release_branch else "main"
    name = f"the notes file {settings.release.notes} is in a shape the flows accept (as on {where})"
    return Check(name, tuple(check_notes(settings, ws.train_version, release_branch=release_branch, day=day)))
