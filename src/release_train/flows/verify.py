"""`verify`: the checks that need no registry (SPEC section 3.6).

The invariants of SPEC sections 1 and 2: every manifest reads, the publish set is complete, no
dependency cycle, no published package depends on an unpublished one, version files agree with
the train version, and `bump major` and `bump patch` would succeed (which checks every
requirement's value and style). Bumps are computed in memory; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from release_train.config import Settings
from release_train.context import Context
from release_train.errors import ReleaseTrainError
from release_train.model.version import Operation
from release_train.workspaces.interface import Workspace


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


def verify(settings: Settings, ctx: Context | None = None) -> VerifyReport:
    ctx = ctx or Context()
    from release_train.workspaces import load_workspace

    try:
        ws = load_workspace(settings)
    except ReleaseTrainError as exc:
        check = Check("workspace reads; publish set complete; no cycle", (str(exc),))
        ctx.emit("warn", f"{check.name}: failed")
        return VerifyReport((check,))
    steps: list[Callable[[], Check]] = [
        lambda: Check("workspace reads; publish set complete; no cycle"),
        lambda: _published_deps(ws),
        lambda: _version_files(settings, ws),
        lambda: _bump(settings, ws, Operation.MAJOR),
        lambda: _bump(settings, ws, Operation.PATCH),
    ]
    checks = []
    for done, step in enumerate(steps, 1):  # one at a time, so a progress bar moves with them
        check = step()
        checks.append(check)
        ctx.emit("progress", f"{check.name}: {'ok' if check.ok else 'failed'}", done=done, total=len(steps))
        if not check.ok:
            ctx.emit("warn", f"{check.name}: failed")
    return VerifyReport(tuple(checks))


def _published_deps(ws: Workspace) -> Check:
    unpublished = {p.name for p in ws.packages if not p.publish}
    problems = tuple(
        f"{p.manifest}: {p.name} is published but depends on unpublished {d.name} "
        f"(fix: publish {d.name}, make it a dev-dependency, or set publish = false on {p.name})"
        for p in ws.publishable()
        for d in p.dependencies
        if d.first_party and d.kind != "dev" and d.name in unpublished
    )
    return Check("published packages depend only on published packages", problems)


def _version_files(settings: Settings, ws: Workspace) -> Check:
    from release_train.workspaces.version_files import disagreements

    problems = tuple(str(p) for p in disagreements(settings, ws.train_version))
    return Check(f"version files agree with the train version {ws.train_version}", problems)


def _bump(settings: Settings, ws: Workspace, op: Operation) -> Check:
    from release_train.flows.bump import plan_bump

    name = f"bump {op.value} would succeed (requirement values and styles)"
    try:
        plan_bump(settings, op, ws)
    except ReleaseTrainError as exc:
        return Check(name, (str(exc),))
    return Check(name)
