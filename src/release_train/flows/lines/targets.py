"""`--to supported | --to BRANCH...`: which release lines a backport, patch or security flow
acts on. `supported` is every line the support policy still covers today (`flows/lines/release_lines.py`);
named branches must be release branches on the origin. An expired line is never reached through
`supported`; naming it explicitly works and is said."""

from __future__ import annotations

from collections.abc import Sequence

from release_train.errors import RefusedError, UsageError
from release_train.flows.env import FlowEnv
from release_train.flows.lines.release_lines import Line, release_lines
from release_train.model.branches import format_name, release_branch_version
from release_train.model.notes import archive_label
from release_train.values import dataclass

SUPPORTED = "supported"


@dataclass(frozen=True)
class Targets:
    lines: tuple[Line, ...]  # oldest line first
    notes: tuple[str, ...]  # what was left out or is worth saying


def line_label(line: Line) -> str:
    """`12.0.x`: how a line is named in PR titles."""
    return archive_label(str(line.version))


def resolve(env: FlowEnv, to: Sequence[str]) -> Targets:
    """The lines named by `--to` (several flags and comma lists allowed), in version order."""
    names = [name.strip() for item in to for name in item.split(",") if name.strip()]
    if not names:
        raise UsageError("name the target lines: --to supported, or --to BRANCH (repeatable)")
    pattern = env.settings.branches.release
    lines = release_lines(env, env.settings, env.ctx.clock.now())
    by_branch = {line.branch: line for line in lines}
    chosen: dict[str, Line] = {}
    notes: list[str] = []
    for name in names:
        if name == SUPPORTED:
            chosen.update((line.branch, line) for line in lines if line.supported)
            expired = [_expired(line) for line in lines if not line.supported]
            if expired:
                notes.append("not for expired lines: " + ", ".join(expired))
            continue
        if release_branch_version(pattern, name) is None:
            raise RefusedError(
                f"{name!r} is not a release branch (branches are named {format_name(pattern, 'X.Y.Z')})",
                hint="name release branches, or --to supported; nothing was changed",
            )
        if name not in by_branch:
            raise RefusedError(
                f"the origin has no branch {name!r}",
                hint="run `release-train branches` to list the release lines; nothing was changed",
            )
        line = by_branch[name]
        if not line.supported:
            notes.append(
                f"{name} is no longer supported ({_expired(line)}); acting on it because it was named"
            )
        chosen[name] = line
    if not chosen:
        raise RefusedError(
            "no supported release line to act on",
            hint="run `release-train branches` to see each line's support window; nothing was changed",
        )
    ordered = tuple(sorted(chosen.values(), key=lambda line: line.version))
    return Targets(ordered, tuple(notes))


def _expired(line: Line) -> str:
    until = line.supported_until.isoformat() if line.supported_until else "?"
    return f"{line.branch} (support ended {until})"
