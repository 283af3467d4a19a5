"""backport (SPEC 3.9): carry a change from `main` to release branches, one PR per branch.

For each target line: if the branch has the change already (in its history, cherry-picked from it,
or the same `git patch-id`), it is skipped and said. Otherwise the change is cherry-picked with
`-x` (at plan time, see `backport_git.py`) onto `ci/backport-<id>-to-<branch>`, pushed, and
proposed as a PR titled `[<line>] <original title>` whose body links the original.

A conflict is never a green no-op: the conflicted state is committed with its markers and
proposed as a DRAFT PR whose title says so and whose body lists the files (or, with
`conflict_pr=False`, nothing is pushed); the other targets still proceed; then `conflict_error`
gives the error the command exits with, naming the files and the commands to resolve locally.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from release_train.errors import ReleaseTrainError
from release_train.flows import branchwork as bw
from release_train.flows.env import FlowEnv
from release_train.flows.lines import targets as tg
from release_train.flows.lines.backport_git import Source, already_on, cherry_pick, resolve_source
from release_train.flows.plan import Plan, Progress, Report, Step
from release_train.forges.interface import ForgeCapability, require_forge
from release_train.values import dataclass

State = Literal["pick", "conflict", "proposed"]


class BackportConflict(ReleaseTrainError):
    """At least one target could not take the change cleanly."""

    exit_code = 9


@dataclass(frozen=True)
class Target:
    branch: str
    line: str  # "12.0.x"
    base_sha: str
    head: str  # the bot branch
    state: State  # "proposed": an open, non-draft PR exists (a resolved conflict stays resolved)
    commit: str
    conflicts: tuple[str, ...]
    pr_title: str
    pr_body: str

    def steps(self) -> tuple[Step, Step]:
        what = (
            f"conflicts in {', '.join(self.conflicts)}: commit the markers"
            if self.conflicts
            else "cherry-pick -x"
        )
        return (
            Step(
                f"commit:{self.head}",
                "commit",
                f"{what} on {self.head} from {self.branch} ({self.base_sha[:10]}) and push it",
            ),
            Step(
                f"pr:{self.head}",
                "pr",
                f"open a {'DRAFT ' if self.conflicts else ''}PR {self.head} -> {self.branch}: {self.pr_title!r}",
                tuple(f"| {line}" for line in self.pr_body.rstrip().splitlines()),
            ),
        )


@dataclass(frozen=True, kw_only=True)
class BackportPlan(Plan):
    source: Source
    targets: tuple[Target, ...]
    conflict_pr: bool


def plan(env: FlowEnv, ref: str, to: Sequence[str], *, conflict_pr: bool = True) -> BackportPlan:
    bw.require_branches(env.settings, "backport")  # without release branches there is nowhere to carry a fix
    bw.fetch(env)
    source = resolve_source(env, ref)
    chosen = tg.resolve(env, to)
    notes = list(chosen.notes)
    found: list[Target] = []
    for line in chosen.lines:
        base_sha = bw.require_remote_sha(env, line.branch)
        label = tg.line_label(line)
        if (why := already_on(env, source, base_sha)) is not None:
            notes.append(f"{line.branch}: already there ({why}); skipped")
            continue
        target = _target(env, source, line.branch, label, base_sha)
        if target is None:
            notes.append(f"{line.branch}: the cherry-pick is empty (the change is already there); skipped")
        else:
            found.append(target)
    if conflict_pr and any(t.conflicts for t in found):
        # A conflict is proposed as a PR held from merging until someone resolves it.
        require_forge(env.forge, ForgeCapability.HOLD_PRS, needed_by="a backport that conflicts")
    steps = tuple(step for t in found for step in t.steps())
    return BackportPlan(
        flow="backport",
        summary=f"backport {source.id} ({source.title}) to {', '.join(line.branch for line in chosen.lines)}",
        steps=steps,
        notes=tuple(notes),
        source=source,
        targets=tuple(found),
        conflict_pr=conflict_pr,
    )


def _target(env: FlowEnv, source: Source, branch: str, line: str, base_sha: str) -> Target | None:
    head = bw.bot_branch(env.settings, f"backport-{source.id}-to-{branch}")
    picked = cherry_pick(env, source, base_sha, line)
    if picked.commit is None:
        return None
    open_pr = env.forge.find_pr(head, branch, state="open")
    resolved = open_pr is not None and not open_pr.draft
    conflicts = () if resolved else picked.conflicts
    title = f"[{line}] {source.title}"
    if conflicts:
        title = f"[CONFLICT] {title}"
    return Target(
        branch=branch,
        line=line,
        base_sha=base_sha,
        head=head,
        state="proposed" if resolved else ("conflict" if conflicts else "pick"),
        commit=picked.commit,
        conflicts=conflicts,
        pr_title=title,
        pr_body=_body(env, source, branch, line, head, conflicts),
    )


def _body(env: FlowEnv, source: Source, branch: str, line: str, head: str, conflicts: tuple[str, ...]) -> str:
    notes = env.settings.release.notes
    text = (
        f"Backport of {source.origin} to `{branch}` (the {line} line): {source.title}\n\n"
        f"Cherry-picked with `git cherry-pick -x`, so the commit names the original `{source.sha}`.\n"
        f"Add the change to `{notes}` on `{branch}` before the next patch release of this line.\n"
    )
    if conflicts:
        listed = "\n".join(f"- `{path}`" for path in conflicts)
        text += (
            f"\n**This backport has conflicts.** The commit carries the conflict markers in:\n\n{listed}\n\n"
            f"Resolve them locally, then mark this PR ready:\n\n```\n{resolve_commands(source, branch, head)}\n```\n"
        )
    return text


def resolve_commands(source: Source, branch: str, head: str) -> str:
    pick = f"git cherry-pick -x {'-m 1 ' if source.merge else ''}{source.sha}"
    return "\n".join(
        [
            "git fetch origin",
            f"git switch -C {head} origin/{branch}",
            pick,
            "# edit the conflicting files, then:",
            "git add -A && git cherry-pick --continue",
            f"git push --force origin {head}",
        ]
    )


def apply(env: FlowEnv, backport: BackportPlan) -> Report:
    progress = Progress(env.ctx, backport)
    for target in backport.targets:
        _apply_target(env, progress, backport, target)
    return progress.report()


def _apply_target(env: FlowEnv, progress: Progress, backport: BackportPlan, target: Target) -> None:
    commit_step, pr_step = target.steps()
    if target.conflicts and not backport.conflict_pr:
        why = f"conflicts in {', '.join(target.conflicts)}; no PR opened (--no-conflict-pr)"
        for step in (commit_step, pr_step):
            progress.record(step, "held", f"{target.branch}: {why}", conflicts=list(target.conflicts))
        return
    pr = env.forge.find_pr(target.head, target.branch, state=None)
    if pr is not None and pr.state == "merged":
        for step in (commit_step, pr_step):
            progress.skipped(step, f"{target.branch}: PR #{pr.number} is already merged", pr=pr.number)
        return
    existing = bw.remote_sha(env, target.head)
    if existing is not None:
        progress.skipped(commit_step, f"{target.head} is already on the origin", sha=existing)
    else:
        bw.push_branch(env, env.git.path, target.commit, target.head)
        progress.done(commit_step, f"pushed {target.head}", sha=target.commit)
    pr = env.forge.find_pr(target.head, target.branch, state="open")
    if pr is None:
        pr = env.forge.open_pr(
            target.head, target.branch, target.pr_title, target.pr_body, draft=bool(target.conflicts)
        )
        verb = "opened"
    else:
        verb = "already open:"
    message = f"{target.branch}: {verb} PR #{pr.number} {pr.title}"
    if target.conflicts:
        listed = ", ".join(target.conflicts)
        progress.record(
            pr_step,
            "held",
            f"{message} (DRAFT: conflicts in {listed})",
            pr=pr.number,
            conflicts=list(target.conflicts),
        )
    elif verb == "opened":
        progress.done(pr_step, message, pr=pr.number)
    else:
        progress.skipped(pr_step, message, pr=pr.number)


def conflict_error(backport: BackportPlan, report: Report) -> BackportConflict | None:
    """The error the command ends with when any target conflicts (after every target was done)."""
    stuck = [t for t in backport.targets if t.conflicts]
    if not stuck:
        return None
    parts = [
        f"backport of {backport.source.id} conflicts on {len(stuck)} of {len(backport.targets)} branches:"
    ]
    for target in stuck:
        pr = report.data(f"pr:{target.head}").get("pr")
        where = (
            f"draft PR #{pr} carries the markers"
            if pr is not None and backport.conflict_pr
            else "no PR opened"
        )
        parts.append(f"  {target.branch}: {', '.join(target.conflicts)} ({where})")
    first = stuck[0]
    parts.append(f"to resolve {first.branch} locally:")
    parts.extend(
        f"  {line}" for line in resolve_commands(backport.source, first.branch, first.head).splitlines()
    )
    return BackportConflict(
        "\n".join(parts),
        hint="resolve each branch the same way (its bot branch is named in the plan), push, and mark "
        "the draft PR ready (release-train pr ready N); the other targets are done",
    )
