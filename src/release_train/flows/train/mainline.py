"""release on main: the train without release branches (`[release] branches = false`), the shape
of bytecodealliance/wasm-tools and wit-bindgen.

`release-train release [major|minor|patch]` (and `tick` on `[schedule] release`, bumping by
`[schedule] release-bump`) proposes ONE pull request to main: the bump of every package (its
`[[workspace.rule]]` applies: wasm-tools' API-stable crates move by minor), main's notes dated
(`Shape.release_on_main`: RELEASES.md keeps every release's section on main, the pending top
section named after the release, a fresh one above it; Keep a Changelog dates its Unreleased
section), and the commit "Release <Project> V" with the marker in its body (and at the end of
the PR body), on `ci/release-V`. Merging it tags vV on main, where the tag rule of SPEC 3.4
holds as on any branch (tagged only when the version moved against the first parent's release
history), and the tag publishes and makes the forge release as in the branch train.

When main is exactly where the last release was tagged, nothing landed since: the plan says so
and does nothing (a quiet month's scheduled release makes no empty release).

Before anything is proposed, on main's commit: every check of `verify`, the security gate, and
for a patch release the semver gate against the previous release's tag. Refused, nothing
changed: a train with release branches (its flows are cut / release-latest / release-patch), the
rc train (candidates need a release branch), another release PR still open (one release at a
time: merge or close it), a tag of the new version that exists already.

The flows of the branch train call `branchwork.require_branches` first, so on this train they refuse and
name `release` instead.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from release_train.config import Settings
from release_train.errors import RefusedError, UsageError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.gates import release_gates, semver_gate
from release_train.flows.lines.patch import PatchPlan
from release_train.flows.plan import Plan, Progress, Report
from release_train.flows.train import notes_files
from release_train.model.branches import format_name
from release_train.model.version import Operation, Version
from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.checkers import ApiReport
    from release_train.flows.gates.verify import Check
    from release_train.workspaces.interface import Workspace

OPERATIONS = (Operation.MAJOR, Operation.MINOR, Operation.PATCH)
RELEASE_PURPOSE = "release-"  # bot branches `ci/release-V`


def _require_main_only(settings: Settings) -> None:
    if not settings.release.branches:
        return
    raise RefusedError(
        "`release-train release` is for trains without release branches, and this train cuts them "
        "(`[release] branches` is true)",
        hint="use `release-train cut`, `release-latest` and `release-patch --branch B`; or set "
        "`branches = false` under [release] in release-train.toml to release from "
        f"{settings.branches.main}; nothing was changed",
    )


def scheduled_operation(settings: Settings) -> Operation:
    return Operation(settings.schedule.release_bump)


def _step(op: Operation, train_rule: str) -> Operation:
    """What `op` does to the train's own version: under `major`, its package's rule."""
    if op is Operation.MAJOR and train_rule in ("minor", "patch"):
        return Operation(train_rule)
    return op


def following(settings: Settings, version: Version, train_rule: str) -> Version:
    """The version the scheduled release after `version` would make (the pending notes heading)."""
    return version.core().bump(_step(scheduled_operation(settings), train_rule))


def notes_check(settings: Settings, ws: Workspace, day: date) -> Check:
    """`verify`'s notes check on this train: the scheduled release on main would accept them."""
    from release_train.flows.gates.verify import Check

    rule = bw.train_rule(settings, ws)
    version = following(settings, ws.train_version, rule)
    name = f"the notes file {settings.release.notes} is in a shape the flows accept (a release on main)"
    found = notes_files.check_notes_on_main(settings, version, following(settings, version, rule), day=day)
    return Check(name, tuple(found))


@dataclass(frozen=True, kw_only=True)
class MainReleasePlan(Plan):
    """One release PR to main (None: nothing landed since the last release, nothing to do)."""

    branch: str
    version: Version
    operation: Operation
    proposal: bw.Proposal | None
    api: ApiReport | None = None  # a patch release: the semver gate's verdict

    def as_patch(self) -> PatchPlan:
        """A patch release's plan as a release line's (what a security release prepares)."""
        assert self.proposal is not None, "a security release proposes even when nothing changed"
        return PatchPlan(
            flow=self.flow,
            summary=self.summary,
            steps=self.steps,
            notes=self.notes,
            branch=self.branch,
            version=self.version,
            proposal=self.proposal,
            api=self.api,
        )


@dataclass(frozen=True)
class Gates:
    """The overrides of the gates a release on main runs."""

    allow_open_advisories: bool = False
    allow_verify_failures: bool = False
    allow_empty_notes: bool = False  # a patch release without an entry in the notes
    allow_breaking: bool = False  # a patch release that breaks a public API


NO_OVERRIDES = Gates()


def plan(
    env: FlowEnv,
    operation: Operation | str,
    *,
    gates: Gates = NO_OVERRIDES,
    requested_by: str = "",
    draft: bool = False,
    extra_body: str = "",
    include_unchanged: bool = False,
) -> MainReleasePlan:
    """`include_unchanged`: propose even when nothing landed since the last release (a security
    release prepares its PR before the fix lands)."""
    s = env.settings
    op = _preconditions(s, operation)
    bw.fetch(env)
    main = s.branches.main
    sha = bw.require_remote_sha(env, main)
    bumped = bw.prepare(env, sha, op, branch=main)
    released = format_name(s.release.tag, bumped.old)
    if not include_unchanged and env.forge.tags().get(released) == sha:
        return MainReleasePlan(
            flow="release",
            summary=f"{op.value} release {s.project_name} on {main}",
            notes=(f"nothing to release: {main} is where {released} was tagged ({sha[:10]}); nothing to do",),
            steps=(),
            branch=main,
            version=bumped.old,
            operation=op,
            proposal=None,
        )
    gated = release_gates.enforce(
        env,
        bumped,
        branch=main,
        sha=sha,
        flow="release",
        allow_verify_failures=gates.allow_verify_failures,
        allow_open_advisories=gates.allow_open_advisories,
    )
    version, head = bumped.new, bw.bot_branch(s, f"{RELEASE_PURPOSE}{bumped.new}")
    tag = format_name(s.release.tag, version)
    _refuse_taken(env, tag, head)
    day = bw.today(env)
    dated = _dated_notes(
        env, sha, bumped, require_entry=op is Operation.PATCH and not gates.allow_empty_notes, day=day
    )
    api = None
    if op is Operation.PATCH:  # as release-patch: no semver break against the previous release
        baseline = format_name(s.release.tag, bumped.old)
        api = semver_gate.check(
            env, branch=main, rev=sha, baseline=baseline, allow_breaking=gates.allow_breaking
        )
    body = _body(env, bumped, op, tag, day, requested_by)
    if api is not None:
        body += "\n" + semver_gate.body_section(api, allowed=gates.allow_breaking)
    proposal = bw.release_proposal(
        env, bumped, base=main, base_sha=sha, head=head, pr_body=body + extra_body, notes=dated, draft=draft
    )
    (proposal,) = gated.annotate([proposal])
    return MainReleasePlan(
        flow="release",
        summary=f"{op.value} release {s.project_name} {version} on {main} (from {bumped.old}), "
        f"dated {day.isoformat()}",
        steps=proposal.steps(),
        branch=main,
        version=version,
        proposal=proposal,
        api=api,
        operation=op,
    )


def _preconditions(s: Settings, operation: Operation | str) -> Operation:
    """The operation, on a train without release branches and without the rc train."""
    _require_main_only(s)
    op = _operation(operation)
    if s.release.rc:
        raise RefusedError(
            "the rc train (`[release] rc = true`) needs release branches: its candidates are made on them",
            hint="set `rc = false` under [release], or `branches = true` to cut release branches",
        )
    return op


def _dated_notes(
    env: FlowEnv, sha: str, bumped: bw.Bumped, *, require_entry: bool, day: date
) -> notes_files.NotesChange:
    """Main's notes with the release dated; the fresh section is for the next scheduled release."""
    version = str(bumped.new.core())
    pending = str(following(env.settings, bumped.new, bumped.train_rule))
    template = notes_files.template()
    return notes_files.change_at(
        env,
        sha,
        env.settings.branches.main,
        lambda shape, old: shape.release_on_main(
            old, version, day, next_version=pending, template=template, require_entry=require_entry
        ),
    )


def _operation(operation: Operation | str) -> Operation:
    try:
        op = Operation(operation)
    except ValueError:
        op = None
    if op not in OPERATIONS:
        raise UsageError(
            f"{operation!r} is not a release on main",
            hint="release major, release minor or release patch",
        )
    assert op is not None
    return op


def _refuse_taken(env: FlowEnv, tag: str, head: str) -> None:
    """One release at a time: the new version must be free, and no other release PR open."""
    s = env.settings
    if tag in env.forge.tags():
        raise RefusedError(
            f"the tag {tag} exists already, but {s.branches.main} is not at that version yet",
            hint=f"{s.branches.main}'s versions are behind its releases: bump them past {tag} "
            "(`release-train bump`, through a PR), then run again; nothing was changed",
        )
    prefix = bw.bot_branch(s, RELEASE_PURPOSE)
    for pr in env.forge.list_prs(state="open"):
        if pr.base == s.branches.main and pr.head.startswith(prefix) and pr.head != head:
            raise RefusedError(
                f"PR #{pr.number} ({pr.title}) is still open: one release at a time",
                hint=f"merge PR #{pr.number} (it tags and publishes its release) or close it, then run "
                "again; nothing was changed",
            )


def _body(env: FlowEnv, bumped: bw.Bumped, op: Operation, tag: str, day: date, requested_by: str) -> str:
    s = env.settings
    main = s.branches.main
    who = f", requested by {requested_by}" if requested_by else ""
    return (
        f"This is an automated pull request from release-train: the {op.value} release "
        f"{s.project_name} {bumped.new} (from {bumped.old}) on `{main}`{who}, dated {day.isoformat()} "
        f"in `{s.release.notes}`.\n\n"
        f"Its commit bumps the versions and carries the release marker, so merging it into `{main}` "
        f"tags the merge commit `{tag}`, which publishes the packages and creates the release. This "
        f"train has no release branches: fixes land on `{main}` and ship with the next release, or "
        f"sooner as a patch release (`release-train release patch`).\n\n"
        f"{bw.versions_markdown(bumped.lines)}\n"
        f"{bw.publishes_markdown(tag, bumped.publishes)}"
    )


def apply(env: FlowEnv, planned: MainReleasePlan) -> Report:
    proposals = [planned.proposal] if planned.proposal is not None else []
    return bw.apply_proposals(env, Progress(env.ctx, planned), proposals)
