"""The security gate (SPEC 3.8): before `cut`, `release-latest` and `release-patch` propose a PR,
look for open security issues of the project.

Sources: the forge's open security issues (`Forge.open_security_issues()`: the local forge's
advisories; on GitHub the configured issue search plus repository advisories in triage or draft)
and, when `[gates] advisory-db` / `[gates] osv-dir` are set, a local RustSec advisory-db checkout
and OSV JSON files checked against the registry packages of the workspace's `Cargo.lock`.

Open ones block the flow before anything changes (the flows call `enforce` at plan time), with a
listing and the override `--allow-open-advisories`. The PR body carries `summary_markdown` either
way, so reviewers see what was found and whether the override was used.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from release_train.errors import RefusedError
from release_train.flows.env import FlowEnv
from release_train.forges.interface import SecurityIssue
from release_train.values import dataclass, replace

if TYPE_CHECKING:
    from release_train.advisories import Advisory
    from release_train.flows.branchwork import Proposal

OVERRIDE_FLAG = "--allow-open-advisories"


class SecurityGateBlocked(RefusedError):
    """Open security issues or advisories block the release; nothing was changed."""

    def __init__(self, message: str, found: tuple[SecurityIssue, ...], *, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.found = found


@dataclass(frozen=True)
class GateResult:
    found: tuple[SecurityIssue, ...]
    blocked: bool  # something was found and the override was not given
    summary_markdown: str  # the "Security gate" section of the PR body
    allowed: bool = False  # the override was given (and recorded)


def check(env: FlowEnv, workspace_lock_path: Path | None, allow: bool) -> GateResult:
    """The gate against the lock file at `workspace_lock_path` (None: forge issues only)."""
    lock = workspace_lock_path.read_text(encoding="utf-8") if workspace_lock_path else None
    locks = [(str(workspace_lock_path), lock)] if lock is not None else []
    return _result(collect(env, locks), allow)


def check_at(env: FlowEnv, rev: str, allow: bool) -> GateResult:
    """The gate against the `Cargo.lock` files of the workspaces as committed at `rev` (the
    commit the flow proposes on top of, not whatever the working tree holds)."""
    from release_train.flows import branchwork as bw

    locks: list[tuple[str, str]] = []
    if _dependency_sources(env):
        for workspace in env.settings.workspaces:
            if workspace.kind != "cargo":
                continue
            path = bw.repo_path(env, str(PurePosixPath(workspace.path) / "Cargo.lock"))
            data = env.git.show_file(rev, path)
            if data is not None:
                locks.append((f"{rev[:10]}:{path}", data.decode()))
    return _result(collect(env, locks), allow)


def enforce(env: FlowEnv, rev: str, *, allow: bool, flow: str) -> GateResult:
    """`check_at`, raising `SecurityGateBlocked` (with the listing) when the gate blocks."""
    result = check_at(env, rev, allow)
    if result.blocked:
        listing = "\n".join(f"  - {_line(issue)}" for issue in result.found)
        raise SecurityGateBlocked(
            f"{flow} is blocked by {_count(result.found)}:\n{listing}",
            result.found,
            hint=f"fix and close them first, or re-run with {OVERRIDE_FLAG} to propose the release anyway "
            "(the PR body records it); nothing was changed",
        )
    if result.found:
        env.ctx.emit(
            "warn",
            f"{_count(result.found)} found; proceeding because {OVERRIDE_FLAG} was given",
            ids=[i.id for i in result.found],
        )
    return result


def collect(env: FlowEnv, locks: list[tuple[str, str]]) -> tuple[SecurityIssue, ...]:
    """Every open issue: the forge's first, then the dependency advisories of each lock file."""
    found: dict[str, SecurityIssue] = {i.id: i for i in env.forge.open_security_issues()}
    sources = _dependency_sources(env)
    if sources and locks:
        from release_train.advisories import vulnerable
        from release_train.advisories.lockfile import locked_packages

        for where, text in locks:
            locked = locked_packages(text, where)
            advisories = [a for read in sources for a in read([p.name for p in locked])]
            for issue in vulnerable(locked, advisories):
                found.setdefault(issue.id, issue)
    return tuple(found.values())


def _dependency_sources(env: FlowEnv) -> list[_Reader]:
    gates = env.settings.gates
    readers: list[_Reader] = []
    if gates.advisory_db:
        readers.append(_Reader("advisory-db", env.settings.resolve(gates.advisory_db)))
    if gates.osv_dir:
        readers.append(_Reader("osv", env.settings.resolve(gates.osv_dir)))
    return readers


@dataclass(frozen=True)
class _Reader:
    kind: str
    path: Path

    def __call__(self, crates: list[str]) -> list[Advisory]:
        from release_train.advisories.osv import read_osv_dir
        from release_train.advisories.rustsec import read_advisory_db

        if self.kind == "advisory-db":
            return read_advisory_db(self.path, crates)
        return read_osv_dir(self.path)


def _result(found: tuple[SecurityIssue, ...], allow: bool) -> GateResult:
    blocked = bool(found) and not allow
    return GateResult(found, blocked, summary_markdown(found, allowed=allow and bool(found)), allow)


def summary_markdown(found: tuple[SecurityIssue, ...], *, allowed: bool) -> str:
    lines = ["### Security gate", ""]
    if not found:
        lines.append("No open security issues or advisories were found when this PR was proposed.")
        return "\n".join(lines) + "\n"
    lines += [f"Found {_count(found)} when this PR was proposed:", ""]
    lines += [f"- {_markdown(issue)}" for issue in found]
    if allowed:
        lines += ["", f"**The gate was overridden** with `{OVERRIDE_FLAG}`: the release is proposed anyway."]
    return "\n".join(lines) + "\n"


def _count(found: tuple[SecurityIssue, ...]) -> str:
    n = len(found)
    return f"{n} open security issue{'s' if n != 1 else ''}/advisor{'ies' if n != 1 else 'y'}"


def _where(issue: SecurityIssue) -> str:
    parts = [issue.source or "forge", *issue.packages]
    return ", ".join(parts)


def _line(issue: SecurityIssue) -> str:
    url = f" {issue.url}" if issue.url else ""
    return f"{issue.id}: {issue.title} ({_where(issue)}){url}"


def _markdown(issue: SecurityIssue) -> str:
    ident = f"[{issue.id}]({issue.url})" if issue.url else f"`{issue.id}`"
    return f"{ident}: {issue.title} ({_where(issue)})"


def annotate(proposals: Sequence[Proposal], gate: GateResult) -> list[Proposal]:
    """The proposals with the gate's section appended to each PR body."""
    return [replace(p, pr_body=f"{p.pr_body.rstrip()}\n\n{gate.summary_markdown}") for p in proposals]


def open_issues(env: FlowEnv) -> tuple[SecurityIssue, ...]:
    """What `status` lists: the forge's open issues and, when configured, the advisories against
    the `Cargo.lock` of the origin's main branch (as last fetched)."""
    sha = env.git.rev_parse(f"refs/remotes/origin/{env.settings.branches.main}")
    if sha is None or not _dependency_sources(env):
        return tuple(env.forge.open_security_issues())
    return check_at(env, sha, allow=True).found
