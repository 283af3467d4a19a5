"""security release (SPEC 3.7): one advisory fixed on every supported line, released together.

A train without release branches (`[release] branches = false`) has one line, main: `prepare`
opens its next patch release as a held PR to main (`flows/train/mainline.py`), `status` and
`release` treat main as that line; `release` rebuilds the PR on main's tip when main moved
(main then ships the fix with whatever else landed since the previous release).

- `prepare`: opens the `release-patch` PRs of every target line at once, as DRAFTS (held: the fix
  is prepared privately and not merged yet), each body carrying a `Security-Advisory: ID` line,
  and says which lines' notes already name the advisory.
- `status`: per line: fix merged (the branch's notes name the advisory), notes (the PR carries
  them), PR ready (not a draft), checks; and whether the line is ready to release.
- `release`: refuses while any line is not ready, listing why. Otherwise, per line oldest first:
  rebuild the PR on its branch when the fix landed after it was prepared (so it carries the fix
  and its notes), mark it ready, and on the local forge merge it, so the tag reactions follow.
  The uploads of all lines are planned by the publish engine (`publish/plan.py`) from the
  commits about to be tagged, as one schedule against the registry limits and its daily cap, one
  ETA. With a registry (what the CLI does), the plan is made against it, the merges defer the
  forge's publish reaction (`reactions.publish_deferred`), and the new tags are published by that engine
  in ONE paced execution afterwards (shared buckets, the same schedule printed before the first
  upload, a journal per tag), then the forge releases are made oldest version first, so
  "latest" stays on the newest line (and `forge_release.is_latest` never gives it to an older
  line anyway).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from release_train.errors import RefusedError, UsageError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.lines import patch, patch_lines
from release_train.flows.plan import Plan, Progress, Report, Step
from release_train.flows.publish.finish import finish_steps, finish_together
from release_train.flows.publish.plan import PublishPlan
from release_train.flows.reactions import publish_deferred
from release_train.forges.interface import CheckState, ForgeCapability, PrState, PullRequest, require_forge
from release_train.model.branches import release_branch_version
from release_train.model.version import Version
from release_train.values import dataclass, replace

if TYPE_CHECKING:
    from release_train.flows.publish.execute import Tuning
    from release_train.model.pacing import Estimates
    from release_train.registries.interface import Registry, RegistryFactory

TRAILER = "Security-Advisory:"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


class NotReady(RefusedError):
    """Some line of the security release is not ready; nothing was changed."""


def _trailer(advisory: str) -> str:
    return f"{TRAILER} {advisory}"


def _check_id(advisory: str) -> str:
    if not _ID.match(advisory):
        raise UsageError(
            f"{advisory!r} is not an advisory id", hint="e.g. --advisory RUSTSEC-2026-0042 or GHSA-xxxx"
        )
    return advisory


def _extra_body(advisory: str) -> str:
    return (
        f"\n**Security release for {advisory}.** This PR is held as a draft until the fix is merged "
        f"on this line; `release-train security release --advisory {advisory}` marks every line "
        f"ready and releases them together.\n\n{_trailer(advisory)}\n"
    )


def _names(text: str, advisory: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(advisory)}(?![\w-])", text) is not None


# --- prepare -------------------------------------------------------------------------------------
def prepare(
    env: FlowEnv, advisory: str, to: Sequence[str], *, requested_by: str = "", allow_breaking: bool = False
) -> patch_lines.PatchLinesPlan:
    _check_id(advisory)
    require_forge(
        env.forge, ForgeCapability.HOLD_PRS, needed_by="`security prepare` (the fix is held until released)"
    )
    if not env.settings.release.branches:
        planned = _prepare_on_main(
            env, advisory, to, requested_by=requested_by, allow_breaking=allow_breaking
        )
    else:
        planned = _prepare_lines(env, advisory, to, requested_by=requested_by, allow_breaking=allow_breaking)
    said = ["every PR is opened as a draft: held until `security release`"]
    for p in planned.plans:
        if _names(bw.read_notes(env, p.proposal.base_sha, p.branch), advisory):
            said.append(f"{p.branch}: the notes name {advisory}")
        else:
            said.append(
                f"{p.branch}: the notes do not name {advisory} yet: merge the fix with an entry under "
                f"`## {p.version}` naming it"
            )
    return replace(
        planned, summary=f"security release {advisory}: {planned.summary}", notes=(*planned.notes, *said)
    )


def _prepare_lines(
    env: FlowEnv, advisory: str, to: Sequence[str], *, requested_by: str, allow_breaking: bool
) -> patch_lines.PatchLinesPlan:
    return patch_lines.plan(
        env,
        to,
        requested_by=requested_by,
        # The advisory being fixed is open by definition: it must not block its own fix.
        allow_open_advisories=True,
        allow_empty_notes=True,  # the fix and its notes land later; `release` checks them
        allow_breaking=allow_breaking,
        draft=True,
        extra_body=_extra_body(advisory),
        include_unchanged=True,
        flow="security-prepare",
    )


def _prepare_on_main(
    env: FlowEnv, advisory: str, to: Sequence[str], *, requested_by: str, allow_breaking: bool
) -> patch_lines.PatchLinesPlan:
    """A train without release branches has one line, main: the security release is its next
    patch release, prepared as a held PR to main like any line's."""
    main = env.settings.branches.main
    named = {name.strip() for item in to for name in item.split(",") if name.strip()}
    if named - {"supported", main}:
        raise RefusedError(
            f"this train has no release branches ([release] branches = false): its security releases "
            f"are patch releases of {main}, not of {', '.join(sorted(named - {'supported', main}))}",
            hint=f"run it with --to supported (the default) or --to {main}; nothing was changed",
        )
    planned = _plan_on_main(
        env, advisory, requested_by=requested_by, allow_breaking=allow_breaking, draft=True
    )
    return patch_lines.PatchLinesPlan(
        flow="security-prepare",
        summary=f"patch release of {env.settings.project_name}: {planned.version} on {main}",
        steps=planned.steps,
        plans=(planned,),
    )


def _plan_on_main(
    env: FlowEnv, advisory: str, *, requested_by: str = "", allow_breaking: bool, draft: bool = False
) -> patch.PatchPlan:
    from release_train.flows.train import mainline

    gates = mainline.Gates(
        # The advisory being fixed is open by definition: it must not block its own fix; the fix
        # and its notes land later, and `release` checks them.
        allow_open_advisories=True,
        allow_empty_notes=True,
        allow_breaking=allow_breaking,
    )
    return mainline.plan(
        env,
        "patch",
        gates=gates,
        requested_by=requested_by,
        draft=draft,
        extra_body=_extra_body(advisory),
        include_unchanged=True,
    ).as_patch()


apply_prepare = patch_lines.apply


# --- status --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineStatus:
    advisory: str
    branch: str
    pr: int
    head: str
    title: str
    state: PrState
    draft: bool
    fix_merged: bool  # the branch's notes name the advisory
    notes: bool  # the PR's notes name it (a PR made before the fix is rebuilt by `release`)
    checks: CheckState | None  # on the PR's head commit; None when the head is gone
    stale: bool  # the branch moved since the PR was made

    @property
    def problems(self) -> list[str]:
        if self.state == "merged":
            return []
        found = []
        if self.state == "closed":
            found.append(f"PR #{self.pr} is closed (run `security prepare` again)")
        if not self.fix_merged:
            found.append(f"the fix is not merged: the notes on {self.branch} do not name {self.advisory}")
        if self.checks in ("failure", "pending"):
            found.append(f"checks are {self.checks} on PR #{self.pr}")
        if self.checks is None:
            found.append(f"the head branch {self.head} of PR #{self.pr} is gone")
        return found

    @property
    def ready(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "pr": self.pr,
            "title": self.title,
            "state": self.state,
            "pr_ready": self.state == "merged" or (self.state == "open" and not self.draft),
            "fix_merged": self.fix_merged,
            "notes": self.notes,
            "checks": self.checks,
            "ready": self.ready,
            "problems": self.problems,
        }


def status(env: FlowEnv, advisory: str) -> tuple[LineStatus, ...]:
    """Every line with a PR for `advisory`, oldest line first."""
    _check_id(advisory)
    bw.fetch(env)
    found = []
    for pr in _prs(env, advisory):
        base_sha = env.git.rev_parse(f"refs/remotes/{bw.REMOTE}/{pr.base}")
        head_sha = (
            pr.merge_commit
            if pr.state == "merged"
            else env.git.rev_parse(f"refs/remotes/{bw.REMOTE}/{pr.head}")
        )
        fixed = base_sha is not None and _names(bw.read_notes(env, base_sha, pr.base), advisory)
        carried = head_sha is not None and _names(bw.read_notes(env, head_sha, pr.base), advisory)
        stale = pr.state == "open" and head_sha is not None and env.git.rev_parse(f"{head_sha}^1") != base_sha
        checks = env.forge.check_state(head_sha) if head_sha is not None else None
        found.append(
            LineStatus(
                advisory,
                pr.base,
                pr.number,
                pr.head,
                pr.title,
                pr.state,
                pr.draft,
                fixed,
                carried,
                checks,
                stale,
            )
        )
    pattern = env.settings.branches.release
    floor = Version.parse("0.0.0")
    return tuple(sorted(found, key=lambda s: (release_branch_version(pattern, s.branch) or floor, s.branch)))


def _prs(env: FlowEnv, advisory: str) -> list[PullRequest]:
    """The newest PR per release branch whose body carries the advisory's line (an open or merged
    one wins over a closed one)."""
    mine = [pr for pr in env.forge.list_prs(state=None) if _trailer(advisory) in pr.body.splitlines()]
    best: dict[str, PullRequest] = {}
    for pr in sorted(mine, key=lambda p: (p.state != "closed", p.number)):
        best[pr.base] = pr
    return list(best.values())


# --- release -------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SecurityReleasePlan(Plan):
    advisory: str
    lines: tuple[LineStatus, ...]
    refresh: tuple[tuple[int, bw.Proposal], ...]  # (PR number, the proposal rebuilt on its branch)
    merge: bool  # the local forge merges; elsewhere a maintainer does
    schedule: PublishPlan  # of every line's new tag, as the publish engine runs it
    tags: tuple[str, ...] = ()  # the lines' new tags, oldest first, when this flow publishes them

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "advisory": self.advisory,
            "lines": [s.to_json() for s in self.lines],
            "schedule": self.schedule.to_json(),
            "tags": list(self.tags),
        }


def release_plan(
    env: FlowEnv,
    advisory: str,
    *,
    allow_breaking: bool = False,
    registry: RegistryFactory | None = None,
    tuning: Tuning | None = None,
    estimates: Estimates | None = None,
) -> SecurityReleasePlan:
    """The schedule is the publish engine's, planned against the `registry` (opened once every
    line is ready; without one: nothing is in it yet, every upload a new version). With a
    `registry` and a forge whose CI runs here (which merges), the plan ends with one combined publish of
    the new tags, run as scheduled, and their forge releases; without it, the forge's reactions
    do whatever they do on each merge (tuning and estimates are for tests against a time-scaled
    local registry)."""
    lines = status(env, advisory)
    if not lines:
        raise RefusedError(
            f"no PR carries the security advisory {advisory}",
            hint=f"run `release-train security prepare --advisory {advisory} --to supported` first",
        )
    blocked = [line for line in lines if line.problems]
    if blocked:
        listed = "\n".join(f"  {line.branch}: {'; '.join(line.problems)}" for line in blocked)
        raise NotReady(
            f"the security release {advisory} is not ready on {len(blocked)} of {len(lines)} lines:\n{listed}",
            hint=f"merge each line's fix (with its notes naming {advisory}) and get the checks green, "
            f"see `release-train security status --advisory {advisory}`; nothing was changed",
        )
    refresh = []
    for line in lines:
        if line.state == "open" and line.stale:
            rebuilt = (
                patch.plan(
                    env,
                    branch=line.branch,
                    allow_open_advisories=True,
                    allow_breaking=allow_breaking,
                    extra_body=_extra_body(advisory),
                ).proposal
                if env.settings.release.branches
                else _plan_on_main(env, advisory, allow_breaking=allow_breaking).proposal
            )
            if rebuilt.head != line.head:
                raise RefusedError(
                    f"{line.branch} moved to another version since PR #{line.pr} ({line.head}) was prepared",
                    hint=f"close PR #{line.pr} and run `security prepare --advisory {advisory}` again",
                )
            refresh.append((line.pr, rebuilt))
    # Where CI's reactions run in this process, the release merges and publishes the tags as one
    # schedule; elsewhere a person merges the PRs on the forge and the forge's CI publishes.
    merge = ForgeCapability.EMBEDDED_CI in env.forge.capabilities
    schedule = _schedule(env, lines, registry() if registry is not None else None, tuning, estimates)
    tags = schedule.tags if registry is not None and merge else ()
    steps = _release_steps(lines, refresh, merge) + finish_steps(tags)
    notes = [f"one publish schedule for {len(lines)} lines: {schedule.summary()}"]
    if not merge:
        notes.append("merge the PRs on the forge, oldest line first: each merge tags and publishes its line")
    return SecurityReleasePlan(
        flow="security-release",
        summary=f"security release {advisory} on {', '.join(line.branch for line in lines)}",
        steps=steps,
        notes=tuple(notes),
        advisory=advisory,
        lines=lines,
        refresh=tuple(refresh),
        merge=merge,
        schedule=schedule,
        tags=tags,
    )


def _release_steps(
    lines: Sequence[LineStatus], refresh: Sequence[tuple[int, bw.Proposal]], merge: bool
) -> tuple[Step, ...]:
    rebuilt = {number for number, _ in refresh}
    steps: list[Step] = []
    for line in lines:
        if line.pr in rebuilt:
            steps.append(
                Step(
                    f"refresh:#{line.pr}",
                    "commit",
                    f"rebuild {line.head} on {line.branch}, which now has the fix",
                )
            )
        if line.state == "open":
            steps.append(Step(f"ready:#{line.pr}", "pr", f"mark PR #{line.pr} ({line.branch}) ready"))
    if merge:
        steps += [
            Step(f"merge:#{line.pr}", "pr", f"merge PR #{line.pr} into {line.branch} (tags and publishes it)")
            for line in lines
        ]
    return tuple(steps)


def _schedule(
    env: FlowEnv,
    lines: Sequence[LineStatus],
    registry: Registry | None,
    tuning: Tuning | None,
    estimates: Estimates | None,
) -> PublishPlan:
    """The publish engine's plan of every line's release: the PR's head while it is open (what
    the merge will tag), else the branch."""
    from release_train.flows.publish.execute import Tuning
    from release_train.flows.publish.plan import estimates_for, plan_commits

    commits = [
        bw.require_remote_sha(env, line.head if line.state == "open" else line.branch) for line in lines
    ]
    tuning = tuning or Tuning(index_timeout=env.settings.publish.index_timeout)
    return plan_commits(
        env.settings, registry, commits, estimates or estimates_for(env.settings), tuning, git=env.git
    )


def release_apply(
    env: FlowEnv, planned: SecurityReleasePlan, *, registry: RegistryFactory | None = None
) -> Report:
    """Apply the plan; a plan with tags to publish needs the `registry`."""
    if planned.tags and registry is None:
        raise UsageError("this security release publishes its tags: it needs the registry")
    progress = Progress(env.ctx, planned)
    by_name = {step.name: step for step in planned.steps}
    for number, proposal in planned.refresh:
        _refresh(env, progress, by_name[f"refresh:#{number}"], number, proposal)
    for line in planned.lines:
        if (step := by_name.get(f"ready:#{line.pr}")) is None:
            continue
        pr = env.forge.get_pr(line.pr)
        if pr.draft:
            env.forge.update_pr(line.pr, draft=False)
            progress.done(step, f"{line.branch}: PR #{line.pr} is ready", pr=line.pr)
        else:
            progress.skipped(step, f"{line.branch}: PR #{line.pr} is ready already", pr=line.pr)
    if planned.merge:
        # With tags to publish here, the merges' publish reactions wait for the one run below.
        with publish_deferred(bool(planned.tags)):
            for line in planned.lines:
                _merge(env, progress, by_name[f"merge:#{line.pr}"], line)
    if planned.tags and registry is not None:
        resume = f"release-train security release --advisory {planned.advisory}"
        finish_together(env, progress, by_name, planned.schedule, registry(), resume)
    return progress.report()


def _refresh(env: FlowEnv, progress: Progress, step: Step, number: int, proposal: bw.Proposal) -> None:
    head = bw.remote_sha(env, proposal.head)
    if head is not None and env.git.run("rev-parse", f"{head}^1", check=False).strip() == proposal.base_sha:
        progress.skipped(step, f"{proposal.head} is already on top of {proposal.base}", sha=head)
        return
    # The body first: a crash after it leaves the branch stale, which the next run rebuilds.
    env.forge.update_pr(number, body=proposal.pr_body)
    sha = bw.commit(env, proposal)
    env.forge.push(env.git.path, [f"{sha}:refs/heads/{proposal.head}"], force=True)
    progress.done(step, f"rebuilt {proposal.head} on {proposal.base} ({proposal.base_sha[:10]})", sha=sha)


def _merge(env: FlowEnv, progress: Progress, step: Step, line: LineStatus) -> None:
    pr = env.forge.get_pr(line.pr)
    if pr.state == "merged":
        progress.skipped(step, f"{line.branch}: PR #{line.pr} is merged already", pr=line.pr)
        return
    commit = env.forge.merge_pr(line.pr)
    progress.done(step, f"{line.branch}: merged PR #{line.pr} as {commit[:10]}", pr=line.pr, sha=commit)
