"""The publishes of several tags in ONE paced execution (a security release, SPEC 3.7).

Each tag is published as `publish.py` would (registry first, verify once, journal per tag, layers,
index waits), but all of them share one set of token buckets and one scheduler, so the combined
uploads never exceed the registry's limits, and one schedule with one ETA is printed before the
first upload. The jobs are named `crate@version`; `publish_exec.Target` routes each to its tag's
worktree and journal, so an interrupted run resumes per tag (the same call, or `publish --tag T`).

A crate that is not in the registry yet is a *new crate* only for its first upload: its other
versions are new versions and wait for that one (the registry decides the action by whether the
crate exists when the upload arrives). The registry's daily cap on new versions of one crate
(`[publish] daily-cap`) holds back whole tags, newest last: they are published by a later run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from release_train.config import Settings
from release_train.context import Context
from release_train.errors import RefusedError
from release_train.flows.env import FlowEnv
from release_train.flows.plan import Progress, Step
from release_train.flows.publish import plan as single
from release_train.flows.publish.execute import RESUME, Outcome, Target, Tuning, execute
from release_train.flows.publish.journal import Journal
from release_train.flows.worktree import temporary_worktree
from release_train.infra.git import Git
from release_train.model.branches import parse_name
from release_train.model.pacing import Estimates, Job, Rate, Schedule, format_duration, simulate
from release_train.model.version import Version
from release_train.registries.interface import Registry
from release_train.workspaces.interface import Workspace


@dataclass(frozen=True)
class Part:
    """One tag of the combined publish, opened in its own worktree."""

    plan: single.PublishPlan
    workspace: Workspace
    journal: Journal

    @property
    def tag(self) -> str:
        return self.plan.tag


@dataclass(frozen=True)
class TogetherReport:
    tags: tuple[str, ...]  # published completely (now or before)
    published: tuple[str, ...]  # `crate@version` uploaded by this run
    held: tuple[str, ...]  # tags left for a later run by the daily cap
    schedule: Schedule

    def to_json(self) -> dict[str, Any]:
        return {
            "tags": list(self.tags),
            "published": list(self.published),
            "held_by_daily_cap": list(self.held),
            "eta_seconds": self.schedule.eta,
        }


def key(crate: str, version: str) -> str:
    return f"{crate}@{version}"


def publish_together(
    settings: Settings,
    registry: Registry,
    ctx: Context,
    tags: Sequence[str],
    *,
    resume: str,
    tuning: Tuning | None = None,
    estimates: Estimates | None = None,
) -> TogetherReport:
    """Publish every tag in `tags` (present in the repository at settings.root) as one paced run.
    `resume` is the command that resumes this run, named in a failure's message."""
    tuning = tuning or Tuning(index_timeout=settings.publish.index_timeout)
    estimates = estimates or single.ESTIMATES.get(settings.publish.registry, Estimates())
    rates = {
        "new-crate": Rate(settings.publish.new_crate.burst, settings.publish.new_crate.every),
        "new-version": Rate(settings.publish.new_version.burst, settings.publish.new_version.every),
    }
    with _opened(settings, registry, tags, estimates) as parts:
        today, held = _within_cap(parts, max(1, settings.publish.daily_cap))
        jobs, targets = _combine(today)
        schedule = simulate(jobs, rates, estimates, concurrency=tuning.concurrency)
        for line in _describe(today, held, jobs, targets, schedule):
            ctx.emit("plan", line)
        for part in today:  # each tag's packages, for observers (the CI summary's tables)
            ctx.emit("plan", f"  {part.plan.describe()[0]}", **single.plan_facts(part.plan))
        for part in today:
            _prepare(registry, part)
        total = sum(len(p.workspace.publish_order()) for p in today)
        first = today[0] if today else parts[0]
        outcome = execute(
            jobs,
            rates,
            registry,
            first.workspace.root,
            first.journal,
            ctx,
            tuning,
            total=total,
            targets=targets,
        )
        complete = _finish(today, outcome)
        if len(complete) < len(today) or held:
            raise _failure(parts, today, held, outcome, resume)
        return TogetherReport(tuple(complete), tuple(outcome.visible), tuple(held), schedule)


@contextmanager
def _opened(
    settings: Settings, registry: Registry, tags: Sequence[str], estimates: Estimates
) -> Iterator[list[Part]]:
    """Every tag's worktree, workspace, journal and single-tag plan, oldest version first."""
    git = Git(settings.root)
    ordered = sorted(tags, key=lambda t: _version(settings, t))
    with ExitStack() as stack:
        parts = []
        for name in ordered:
            tag, commit = single.resolve_tag(settings, git, name)
            tree = stack.enter_context(temporary_worktree(git, commit))
            ws, journal = single.open_tag(settings, tree.path, tag, commit)
            plan = single._plan(settings, registry, ws, journal, tag, commit, estimates)
            parts.append(Part(plan, ws, journal))
        yield parts


def _version(settings: Settings, tag: str) -> Version:
    return parse_name(settings.release.tag, tag) or Version.parse("0.0.0")


def _within_cap(parts: list[Part], cap: int) -> tuple[list[Part], list[str]]:
    """The tags this run may publish without giving a crate more than `cap` new versions, in
    version order; the first tag that would break the cap and every later one wait."""
    counts: Counter[str] = Counter()
    for index, part in enumerate(parts):
        uploads = [j.name for j in part.plan.jobs if j.action != RESUME]
        if index and any(counts[name] + 1 > cap for name in uploads):
            return parts[:index], [p.tag for p in parts[index:]]
        counts.update(uploads)
    return parts, []


def _combine(parts: Sequence[Part]) -> tuple[list[Job], dict[str, Target]]:
    """The jobs of every tag, named `crate@version`, with their deps renamed the same way. The
    first upload of a crate new to the registry stays a new crate; its later versions wait for it."""
    jobs: list[Job] = []
    targets: dict[str, Target] = {}
    first_new: dict[str, str] = {}
    for part in parts:
        versions = {p.name: str(p.version) for p in part.workspace.publish_order()}
        for job in part.plan.jobs:
            name = key(job.name, job.version)
            if name in targets:
                continue  # the same crate and version in two tags: one upload serves both
            deps = {key(d, versions[d]) for d in job.deps if d in versions}
            action = job.action
            if action == "new-crate":
                if job.name in first_new:
                    action = "new-version"
                    deps.add(first_new[job.name])
                else:
                    first_new[job.name] = name
            jobs.append(Job(name, job.version, action, frozenset(deps)))
            targets[name] = Target(job.name, part.workspace.root, part.journal)
    return jobs, targets


def _describe(
    parts: Sequence[Part],
    held: Sequence[str],
    jobs: Sequence[Job],
    targets: dict[str, Target],
    schedule: Schedule,
) -> list[str]:
    present = sum(len(p.plan.present) for p in parts)
    tags = ", ".join(p.tag for p in parts) or "nothing"
    lines = [
        f"one publish schedule for {tags}: {len(jobs)} to upload, {present} already there "
        f"(shared limits: the uploads of every tag count against the same buckets)"
    ]
    for slot in sorted(schedule.slots, key=lambda s: (s.start, s.name)):
        what = "wait for the index" if slot.action == RESUME else slot.action.replace("-", " ")
        crate = targets[slot.name].crate
        lines.append(f"  +{format_duration(slot.start):>8}  {crate} {slot.version} ({what})")
    if jobs:
        lines.append(
            f"ETA {format_duration(schedule.eta)} (lower bound {format_duration(schedule.bound.seconds)})"
        )
    if held:
        lines.append(f"held by the daily cap of new versions per crate, for a later run: {', '.join(held)}")
    return lines


def _prepare(registry: Registry, part: Part) -> None:
    """What `publish` does before its uploads: verify once, check what is there, mark it."""
    packages = part.workspace.publish_order()
    single._verify(registry, part.workspace, part.journal, packages)
    single._check_present(part.journal, part.plan)
    for there in part.plan.present:
        part.journal.crates[there.name] = "visible"
    part.journal.state = "running"
    part.journal.save()


def _finish(parts: Sequence[Part], outcome: Outcome) -> list[str]:
    """Close each tag's journal: done when every one of its crates is visible. Returns those tags."""
    visible = set(outcome.visible)
    complete = []
    for part in parts:
        mine = {key(j.name, j.version) for j in part.plan.jobs}
        for job in part.plan.jobs:  # a version shared with another tag was uploaded there
            if key(job.name, job.version) in visible:
                part.journal.crates[job.name] = "visible"
        if mine <= visible:
            part.journal.finish("done")
            complete.append(part.tag)
        else:
            part.journal.finish("failed")
    return complete


def _failure(
    parts: Sequence[Part], today: Sequence[Part], held: Sequence[str], outcome: Outcome, resume: str
) -> single.PublishFailed:
    visible = set(outcome.visible)
    why = {**outcome.failed}
    why.update(dict.fromkeys(outcome.blocked, "waits for a failed dependency"))
    why.update(dict.fromkeys(outcome.not_started, "not started: the run stopped"))
    out = [
        f"the publish of {', '.join(p.tag for p in parts)} stopped: {outcome.rejected}"
        if outcome.rejected
        else f"the publish of {', '.join(p.tag for p in parts)} is incomplete"
    ]
    for part in today:
        done = [p.name for p in part.plan.present]
        done += [j.name for j in part.plan.jobs if key(j.name, j.version) in visible]
        missing = [
            f"{j.name} ({why.get(key(j.name, j.version), 'not published')})"
            for j in part.plan.jobs
            if key(j.name, j.version) not in visible
        ]
        out.append(f"{part.tag}: published ({len(done)}): {', '.join(done) or 'none'}")
        if missing:
            out.append(f"  not published ({len(missing)}):")
            out += [f"    - {m}" for m in missing]
    out += [f"{tag}: held by the daily cap: nothing published by this run" for tag in held]
    each = "; ".join(f"release-train publish --tag {p.tag}" for p in parts)
    return single.PublishFailed(
        "\n".join(out),
        hint=f"fix the cause, then resume with: {resume} (or per tag: {each})",
    )


def publish_and_release(
    env: FlowEnv,
    progress: Progress,
    steps: dict[str, Step],
    tags: Sequence[str],
    registry: Registry,
    resume: str,
    tuning: Tuning | None = None,
    estimates: Estimates | None = None,
) -> None:
    """The end of a multi-line release (steps `publish` and `forge-release:TAG`): one paced
    publish of every tag the merges made, then their forge releases oldest version first."""
    from release_train.flows.publish.forge_release import create_release

    on_forge = env.forge.tags()
    missing = [t for t in tags if t not in on_forge]
    if missing:
        raise RefusedError(
            f"the merges did not tag {', '.join(missing)}: nothing was published",
            hint=f"see why the tag reaction refused (are the checks green?), then run `{resume}` again",
        )
    env.git.run("fetch", "--quiet", env.forge.remote_url, *(f"+refs/tags/{t}:refs/tags/{t}" for t in tags))
    report = publish_together(
        env.settings, registry, env.ctx, tags, resume=resume, tuning=tuning, estimates=estimates
    )
    if report.published:
        progress.done(steps["publish"], f"published {len(report.published)} versions of {', '.join(tags)}")
    else:
        progress.skipped(steps["publish"], f"{', '.join(tags)}: every version is in the registry already")
    released = {r.tag for r in env.forge.list_releases()}
    for tag in sorted(tags, key=lambda t: _version(env.settings, t)):  # "latest" ends on the newest
        step = steps[f"forge-release:{tag}"]
        if tag in released:
            progress.skipped(step, f"the forge release {tag} exists already", tag=tag)
            continue
        made = create_release(env.settings, env.forge, registry, env.ctx, tag=tag)
        progress.done(step, f"forge release {tag}" + (" (latest)" if made.latest else ""), tag=tag)


def publish_steps(tags: Sequence[str]) -> tuple[Step, ...]:
    """The steps `publish_and_release` records: `publish`, then `forge-release:TAG` per tag."""
    if not tags:
        return ()
    together = Step("publish", "upload", f"publish {', '.join(tags)} together: one paced schedule")
    return (together, *(Step(f"forge-release:{t}", "release", f"forge release {t}") for t in tags))
