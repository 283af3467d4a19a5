"""publish (SPEC 3.5, 3.7): every package of one tag, or of several tags together, in dependency
layers, paced, resumable.

`publish` opens each tag's tree, plans (`plan.py`), prints the plan, then (unless `dry_run`):

1. verifies each tag once: metadata a registry would refuse (every offender listed), then `cargo
   package --workspace` (Python: an sdist and a wheel per distribution, `twine check`); a resumed
   run reuses the files it kept; a version already in the registry with a file of the same name
   and other bytes is an error (`checks.py`);
2. runs the plan's first day in one paced execution (`execute.py`), each upload into its tag's
   journal, so an interrupted run resumes per tag (the same call, or `publish --tag T`);
3. closes each tag's journal, done when every one of its versions is visible, and raises
   `PublishFailed` (what was published, what was not and why, the command that resumes) when a
   tag is incomplete or the daily cap held some back.

The forge release follows in `finish.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from release_train.config import Settings
from release_train.context import Context
from release_train.flows.publish.checks import Artefacts, package_once, refuse_changed, refuse_metadata
from release_train.flows.publish.execute import Batch, Outcome, PublishFailed, Target, Tuning, execute
from release_train.flows.publish.plan import PublishPlan, estimates_for, plan
from release_train.flows.publish.survey import RESUME_COMMAND, Opened, Part, opened, resolve_tag
from release_train.infra.git import Git
from release_train.model.pacing import Estimates
from release_train.registries.interface import Registry
from release_train.values import dataclass


@dataclass(frozen=True)
class PublishReport:
    plan: PublishPlan
    published: tuple[str, ...]  # the jobs this run uploaded (`crate@version` with several tags)
    elapsed: float

    def to_json(self) -> dict[str, Any]:
        return {**self.plan.to_json(), "published": list(self.published), "elapsed_seconds": self.elapsed}


def publish(
    settings: Settings,
    registry: Registry,
    ctx: Context,
    tags: Sequence[str],
    *,
    git: Git,
    dry_run: bool = False,
    resume: str | None = None,
    tuning: Tuning | None = None,
    estimates: Estimates | None = None,
) -> PublishPlan | PublishReport:
    """Publish the commits of `tags` (in the working repository `git`, at settings.root) in one
    paced run; with `dry_run`, return the plan only. `resume` is the command a failure names (default: `publish
    --tag` of each tag)."""
    tuning = tuning or Tuning(index_timeout=settings.publish.index_timeout)
    estimates = estimates or estimates_for(settings)
    with opened(settings, [resolve_tag(settings, git, tag) for tag in tags], git=git) as found:
        planned = plan(settings, registry, found, estimates, tuning)
        for line, facts in planned.announcement():
            ctx.emit("plan", line, **facts)
        if dry_run:
            # What the registry would refuse fails the dry run too, before a real run finds it.
            for part, tag in zip(planned.parts, found, strict=True):
                uploading = {job.name for job in part.jobs}
                refuse_metadata(
                    tag.workspace, [p for p in tag.workspace.publish_order() if p.name in uploading]
                )
            return planned
        return apply(planned, found, registry, ctx, resume=resume)


def apply(
    planned: PublishPlan,
    tags: Sequence[Opened],
    registry: Registry,
    ctx: Context,
    *,
    resume: str | None = None,
) -> PublishReport:
    """Run the plan's first day against the opened `tags`."""
    today = planned.today
    by_tag = {tag.tag: tag for tag in tags}
    artefacts = {part.tag: _prepare(registry, part, by_tag[part.tag]) for part in today.parts}
    targets = {
        name: Target(crate, by_tag[tag].workspace.root, by_tag[tag].journal, artefacts[tag].get(crate, ()))
        for name, (tag, crate) in today.owners.items()
    }
    total = sum(len(part.packages) for part in today.parts)
    started = ctx.clock.monotonic()
    outcome = execute(Batch(today.jobs, targets, planned.rates, total), registry, ctx, planned.tuning)
    complete = _close(planned, by_tag, outcome)
    if len(complete) < len(today.parts) or planned.held:
        raise failure(planned, outcome, resume)
    return PublishReport(planned, tuple(outcome.visible), ctx.clock.monotonic() - started)


def _prepare(registry: Registry, part: Part, tag: Opened) -> Artefacts:
    """Before the uploads: verify once, check what is there, mark it in the journal; the files
    each package is uploaded as. A tag whose publish was done before and which the registry
    still has all of needs none (its files were checked against the index then, and removed
    when its release finished): nothing is packaged again."""
    finished = not part.jobs and tag.journal.state == "done"
    artefacts = {} if finished else package_once(registry, tag.workspace, tag.journal)
    refuse_changed(artefacts, part.tag, part.present)
    for there in part.present:
        tag.journal.crates[there.name] = "visible"
    tag.journal.state = "running"
    tag.journal.save()
    return artefacts


def _close(planned: PublishPlan, tags: dict[str, Opened], outcome: Outcome) -> list[str]:
    """Close each tag's journal: done when every one of its versions is visible (a version two
    tags share was uploaded once, for both). Returns the tags done."""
    visible = set(outcome.visible)
    complete = []
    for part in planned.today.parts:
        journal = tags[part.tag].journal
        mine = {planned.job_name(job): job.name for job in part.jobs}
        for name, crate in mine.items():
            if name in visible:
                journal.crates[crate] = "visible"
        if set(mine) <= visible:
            journal.finish("done")
            complete.append(part.tag)
        else:
            journal.finish("failed")
    return complete


def failure(planned: PublishPlan, outcome: Outcome, resume: str | None) -> PublishFailed:
    """What was published, what was not and why, per tag, and the command that resumes."""
    visible = set(outcome.visible)
    why = {**outcome.failed}
    why.update(dict.fromkeys(outcome.blocked, "waits for a failed dependency"))
    why.update(dict.fromkeys(outcome.not_started, "not started: the run stopped"))
    tags = ", ".join(planned.tags)
    out = [
        f"publish of {tags} stopped: {outcome.rejected}"
        if outcome.rejected
        else f"publish of {tags} is incomplete"
    ]
    for part in planned.today.parts:
        done = [p.name for p in part.present]
        done += [j.name for j in part.jobs if planned.job_name(j) in visible]
        missing = [
            f"{j.name} ({why.get(planned.job_name(j), 'not published')})"
            for j in part.jobs
            if planned.job_name(j) not in visible
        ]
        out.append(f"{part.tag}: published ({len(done)}): {', '.join(done) or 'none'}")
        if missing:
            out.append(f"  not published ({len(missing)}):")
            out += [f"    - {m}" for m in missing]
    out += [f"{tag}: held by the daily cap: nothing published by this run" for tag in planned.held]
    each = "; ".join(RESUME_COMMAND.format(tag=tag) for tag in planned.tags)
    hint = f"{outcome.fix or 'fix the cause'}; then resume with: {resume or each}"
    if resume and len(planned.tags) > 1:
        hint += f" (or per tag: {each})"
    return PublishFailed("\n".join(out), hint=hint)
