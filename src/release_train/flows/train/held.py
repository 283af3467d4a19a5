"""Held releases: a marker commit that was not tagged because its checks were pending or failing
when the tag flow ran. `tag --held` and `tick` re-examine every one until it is tagged; `status`
lists them with why.

A held release is the newest marker commit of a version on `main` or a release branch whose
version has no tag (and is new against its first parent's release history, as `tag` demands).
Each branch is read newest first, back to the first marker commit whose version is tagged (older
ones were settled then) or `WINDOW` commits.

- Checks green on the marker commit: it is tagged.
- Pending: it stays held, naming the checks still running.
- Failing: with `[release] tag-fix` (the default), the tag goes on the newest later commit of the
  same branch that keeps the version and whose checks pass (the fix, as Wasmtime's 2.0.1, 12.0.2
  and 47.0.4 ended up), and the report says so; otherwise it stays held, naming the failed checks.
"""

from __future__ import annotations

from typing import Any

from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.plan import Plan, Progress, Report, Step
from release_train.flows.train.tag import is_train_branch, released_before
from release_train.forges.interface import CheckState
from release_train.model.branches import format_name
from release_train.model.marker import has_marker
from release_train.model.version import Version
from release_train.values import dataclass

WINDOW = 200  # commits read per branch, newest first
FIX_WINDOW = 30  # later commits looked at for a green fix


@dataclass(frozen=True)
class HeldRelease:
    branch: str
    version: Version
    tag: str
    marker: str  # the marker commit
    state: CheckState  # of the marker commit
    checks: tuple[tuple[str, CheckState], ...]  # the marker commit's checks by name
    target: str | None  # the commit to tag now (the marker or a green fix); None: still held

    @property
    def why(self) -> str:
        if self.state == "success":
            return f"checks passed on {self.marker[:10]}: ready to tag"
        said = "pending" if self.state == "pending" else "failed"
        names = [name for name, state in self.checks if state == self.state]
        named = f": {', '.join(names)}" if names else ""
        text = f"checks {said} on the marker commit {self.marker[:10]}{named}"
        if self.target is not None and self.target != self.marker:
            text += f"; {self.target[:10]}, a later commit of {self.version}, passes"
        return text

    @property
    def label(self) -> str:
        return f"{self.tag} on {self.branch}"

    def to_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "version": str(self.version),
            "tag": self.tag,
            "marker": self.marker,
            "checks": self.state,
            "by_name": dict(self.checks),
            "target": self.target,
            "why": self.why,
        }


def find(env: FlowEnv) -> list[HeldRelease]:
    """Every held release on the origin's train branches (fetched first)."""
    bw.fetch(env)
    tags = env.forge.tags()
    found: list[HeldRelease] = []
    for branch in sorted(b for b in bw.origin_branches(env) if is_train_branch(env.settings, b)):
        found += _held_on(env, branch, tags)
    return found


def _held_on(env: FlowEnv, branch: str, tags: dict[str, str]) -> list[HeldRelease]:
    tip = f"refs/remotes/{bw.REMOTE}/{branch}"
    tagged = set(tags.values())
    seen: set[Version] = set()
    held = []
    for sha in _marker_commits(env, tip):
        if sha in tagged:
            break  # a tagged release: everything older was settled then
        version = bw.train_version(env, sha)
        tag = format_name(env.settings.release.tag, version)
        if tag in tags:
            break
        if version in seen or released_before(env, sha, version, tags) is not None:
            continue  # an older marker of a held version, or a marker copied into a released line
        seen.add(version)
        held.append(_examine(env, branch, sha, version, tag))
    return held


def _marker_commits(env: FlowEnv, tip: str) -> list[str]:
    out = env.git.run("log", f"-{WINDOW}", "--format=%H%x00%B%x1e", tip)
    marker = env.settings.release.marker
    found = []
    for record in out.split("\x1e"):
        sha, sep, message = record.strip("\n").partition("\x00")
        if sep and has_marker(message, marker):
            found.append(sha)
    return found


def _examine(env: FlowEnv, branch: str, sha: str, version: Version, tag: str) -> HeldRelease:
    state = env.forge.check_state(sha)
    checks = tuple(sorted(env.forge.checks(sha).items()))
    target: str | None = sha if state == "success" else None
    if state == "failure" and env.settings.release.tag_fix:
        target = _green_fix(env, branch, sha, version)
    return HeldRelease(branch, version, tag, sha, state, checks, target)


def _green_fix(env: FlowEnv, branch: str, marker: str, version: Version) -> str | None:
    """The newest commit after `marker` on `branch` (first parents) that keeps `version` and
    whose checks pass."""
    later = env.git.run(
        "rev-list", "--first-parent", f"-{FIX_WINDOW}", f"{marker}..refs/remotes/{bw.REMOTE}/{branch}"
    ).split()
    for sha in later:
        if env.forge.check_state(sha) == "success" and bw.train_version(env, sha) == version:
            return sha
    return None


# --- re-examining: tag what is green now ---------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class HeldPlan(Plan):
    held: tuple[HeldRelease, ...]

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "held": [h.to_json() for h in self.held]}


def plan(env: FlowEnv) -> HeldPlan:
    held = tuple(find(env))
    steps = tuple(
        Step(f"tag:{h.tag}", "tag", f"tag {h.target[:10]} as {h.tag}" if h.target else f"{h.label}: {h.why}")
        for h in held
    )
    notes = () if held else ("no held release: every marker commit's version is tagged",)
    return HeldPlan(
        flow="tag-held",
        summary=f"re-examine held releases ({len(held)} found)",
        steps=steps,
        notes=notes,
        held=held,
    )


def apply(env: FlowEnv, planned: HeldPlan) -> Report:
    progress = Progress(env.ctx, planned)
    for h, step in zip(planned.held, planned.steps, strict=True):
        data = {"tag": h.tag, "branch": h.branch, "marker": h.marker}
        existing = env.forge.tags().get(h.tag)
        if existing is not None:
            progress.skipped(step, f"{h.tag} is already on {existing[:10]}", sha=existing, **data)
        elif h.target is None:
            progress.record(step, "held", f"held: {h.label}: {h.why}", **data)
        else:
            env.forge.create_tag(h.tag, h.target)
            progress.done(step, _tagged(h), sha=h.target, **data)
    return progress.report()


def _tagged(h: HeldRelease) -> str:
    if h.target is None or h.target == h.marker:
        return f"tagged {h.marker[:10]} as {h.tag} (held until its checks passed)"
    return (
        f"tagged {h.target[:10]} as {h.tag} instead of the marker commit {h.marker[:10]}: checks failed "
        f"on the marker commit, and {h.target[:10]} is the newest later commit of {h.version} on "
        f"{h.branch} whose checks pass"
    )
