"""`tick`: do whatever the `[schedule]` says is due now, exactly once per slot; then re-examine
held releases (`held.py`), tagging those whose checks now pass.

A scheduled event (cut, release) is due when it has a fire time on the same UTC day as `now`, at
or before `now`: that fire time is the slot. Due slots run in a fixed order, cut before release,
so a schedule that puts both on one day releases the branch it has just cut.

A train without release branches (`[release] branches = false`) has one event, the release: it
proposes the release PR to main (`flows/train/mainline.py`, bumping by `[schedule] release-bump`); a
`[schedule] cut` that fires today is reported as nothing to do.

Why a record: after a cut's bump PR is merged, `main` already holds the next version, so a second
tick on the 5th could not tell from the repository alone that the cut was done; it would cut
again. Each completed slot is therefore recorded on the forge as a ref,
`refs/release-train/ticks/<event>-<YYYY-MM-DD>` (with `T<HHMM>` when the slot is not at 00:00),
pushed to `origin` with a plain `git push` (forge-agnostic) and read back with `git ls-remote`.
The ref holds an annotated tag object that points at the commit the flow acted on and whose
message says what was done ("release-27.0.0, PR #3"); a ref pushed by hand to a plain commit
counts as done too, which is how a maintainer marks a slot as handled. The record is written only
after the flow's `apply` succeeded: an interrupted tick leaves no record, and the re-run finishes
the flow, whose own steps observe before acting. One window stays open: a crash after the flow
finished but before the record was pushed, followed by someone merging the bump PR before the
re-run, would let the re-run cut the next version. The record push is the very next action, so
the window is a single `git push`; `status` shows the branches, so a double cut is visible.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from release_train.config import Settings
from release_train.errors import ReleaseTrainError
from release_train.flows.env import FlowEnv
from release_train.flows.plan import Plan, Progress, Report, Step
from release_train.flows.publish import finish
from release_train.infra.git import Git
from release_train.model.calendar import Cron, last_fire, next_fire, parse_cron
from release_train.values import dataclass

if TYPE_CHECKING:
    from release_train.flows.publish.state import Standing

RECORD_PREFIX = "refs/release-train/ticks/"
REMOTE = "origin"
EVENTS = ("cut", "release")  # the order due slots run in


@dataclass(frozen=True)
class Slot:
    event: str  # "cut" | "release"
    at: datetime  # the fire time, UTC

    @property
    def name(self) -> str:
        stamp = self.at.strftime("%Y-%m-%d")
        if (self.at.hour, self.at.minute) != (0, 0):
            stamp += self.at.strftime("T%H%M")
        return f"{self.event}-{stamp}"

    @property
    def ref(self) -> str:
        return RECORD_PREFIX + self.name

    @property
    def label(self) -> str:
        when = self.at.strftime("%Y-%m-%d")
        if (self.at.hour, self.at.minute) != (0, 0):
            when += self.at.strftime(" %H:%M UTC")
        return f"{self.event} for {when}"


@dataclass(frozen=True)
class Record:
    """A completed slot as read back from the forge."""

    slot: Slot
    commit: str  # the commit acted on
    summary: str  # "release-27.0.0, PR #3"


@dataclass(frozen=True, kw_only=True)
class TickPlan(Plan):
    now: datetime
    pending: tuple[Slot, ...]  # due, not done yet: these run
    done: tuple[Record, ...]  # due, already done: these are reported
    upcoming: tuple[Slot, ...]  # the next fire of each event, earliest first
    subplans: tuple[tuple[str, tuple[str, ...]], ...] = ()  # slot name -> its flow's plan (dry run)
    unfinished: tuple[Standing, ...] = ()  # finished first: their steps come before the slots'

    @property
    def next_slot(self) -> Slot:
        return self.upcoming[0]

    def describe(self) -> list[str]:
        lines = super().describe()
        for name, described in self.subplans:
            lines.append(f"{name}:")
            lines.extend(f"    {line}" for line in described)
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "now": self.now.isoformat(),
            "due": [_slot_json(s) for s in self.pending],
            "already_done": [
                {**_slot_json(r.slot), "commit": r.commit, "summary": r.summary} for r in self.done
            ],
            "next": [_slot_json(s) for s in self.upcoming],
        }


def _slot_json(slot: Slot) -> dict[str, Any]:
    return {"event": slot.event, "at": slot.at.isoformat(), "ref": slot.ref}


def schedule(env: FlowEnv) -> dict[str, Cron]:
    """The configured crons, parsed (a malformed one is a configuration error naming the field).
    A train without release branches has no cut: its schedule is the release alone."""
    crons = {"release": parse_cron(env.settings.schedule.release)}
    if env.settings.release.branches:
        crons["cut"] = parse_cron(env.settings.schedule.cut)
    return crons


def due_slots(crons: dict[str, Cron], now: datetime) -> list[Slot]:
    """The slots on `now`'s UTC day at or before `now`, in run order."""
    slots = [Slot(event, last_fire(crons[event], now)) for event in EVENTS if event in crons]
    return [slot for slot in slots if slot.at.date() == now.date()]


def upcoming_slots(crons: dict[str, Cron], now: datetime) -> list[Slot]:
    return sorted(
        (Slot(event, next_fire(crons[event], now)) for event in EVENTS if event in crons), key=lambda s: s.at
    )


def _unused_cut(env: FlowEnv, now: datetime) -> list[str]:
    """On a train without release branches, a `[schedule] cut` due today does nothing: say so."""
    if env.settings.release.branches:
        return []
    cut = last_fire(parse_cron(env.settings.schedule.cut), now)
    if cut.date() != now.date():
        return []
    return [
        f"{Slot('cut', cut).label}: nothing to do, this train has no release branches "
        f"([release] branches = false; its releases come on the [schedule] release day)"
    ]


def plan(env: FlowEnv, *, with_subplans: bool = False) -> TickPlan:
    """What is due now. `with_subplans` adds each pending slot's flow plan (for `--dry-run`)."""
    now = env.ctx.clock.now().astimezone(UTC)
    crons = schedule(env)
    due = due_slots(crons, now)
    records = read_records(env.git, [s.ref for s in due])
    done = tuple(Record(s, *records[s.ref]) for s in due if s.ref in records)
    pending = tuple(s for s in due if s.ref not in records)
    upcoming = tuple(upcoming_slots(crons, now))
    finishing = finish.to_finish(env)  # a release an earlier run left half-done comes first
    steps = tuple(step for _, step in finishing) + tuple(
        Step(f"tick:{s.name}", "flow", f"run {s.event} ({s.label}), then record {s.ref}") for s in pending
    )
    notes = [f"{r.slot.label} already done: {r.summary}" for r in done] + _unused_cut(env, now)
    if not due:
        first = upcoming[0]
        notes.append(f"nothing due until {_when(first.at)} ({first.event})")
    summary = f"tick at {now.strftime('%Y-%m-%d %H:%M')} UTC: " + (
        ", ".join(s.label for s in due) + " due" if due else "nothing due"
    )
    subplans = _subplans(env, pending) if with_subplans else []
    return TickPlan(
        flow="tick",
        summary=summary,
        steps=steps,
        notes=tuple(notes),
        now=now,
        pending=pending,
        done=done,
        upcoming=upcoming,
        subplans=tuple(subplans),
        unfinished=tuple(item for item, _ in finishing),
    )


def _subplans(env: FlowEnv, pending: tuple[Slot, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """Each pending slot's flow plan, as of now. A slot after another pending one may depend on
    it (a release of the branch the cut above makes): if it cannot be planned yet, say so."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for number, slot in enumerate(pending):
        try:
            described = tuple(scheduled_flow(slot.event, env.settings).plan(env).describe())
        except ReleaseTrainError as exc:
            if number == 0:
                raise
            described = (f"planned once the {pending[0].event} above has run (now: {exc.message})",)
        found.append((slot.label, described))
    return found


@dataclass(frozen=True)
class TickReport:
    plan: TickPlan
    report: Report
    flows: tuple[tuple[str, Report], ...]  # slot label -> the report of the flow it ran

    @property
    def lines(self) -> list[str]:
        lines: list[str] = []
        for label, report in self.flows:
            lines.append(f"{label}:")
            lines.extend(f"  {line}" for line in report.lines)
        lines.extend(self.report.lines)
        if self.plan.pending or self.plan.done:  # otherwise "nothing due until ..." said it
            first = self.plan.next_slot
            lines.append(f"next: {first.event} on {_when(first.at)}")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            **self.plan.to_json(),
            "outcomes": self.report.to_json()["outcomes"],
            "flows": [{"slot": label, **report.to_json()} for label, report in self.flows],
        }


def apply(env: FlowEnv, plan: TickPlan) -> TickReport:
    progress = Progress(env.ctx, plan)
    flows: list[tuple[str, Report]] = []
    for item, step in zip(plan.unfinished, plan.steps, strict=False):
        finish.finish_in_tick(env, progress, item, step)
    for slot, step in zip(plan.pending, plan.steps[len(plan.unfinished) :], strict=True):
        # Re-read: another tick may have finished this slot since we planned.
        existing = read_records(env.git, [slot.ref]).get(slot.ref)
        if existing is not None:
            progress.skipped(step, f"{slot.label} already done: {existing[1]}", ref=slot.ref)
            continue
        flow = scheduled_flow(slot.event, env.settings)
        sub = flow.plan(env)
        acted_on = flow.acted_on(env, sub)
        report = flow.apply(env, sub)
        flows.append((slot.label, report))
        summary = flow.summary(sub, report)
        write_record(env, slot, acted_on, summary)
        progress.done(
            step, f"{slot.label} done: {summary}; recorded as {slot.ref}", ref=slot.ref, summary=summary
        )
    from release_train.flows.train import held  # every tick re-examines held releases

    again = held.plan(env)
    if again.held:
        flows.append(("held releases", held.apply(env, again)))
    return TickReport(plan, progress.report(), tuple(flows))


# --- the records on the forge ------------------------------------------------------------------------
def read_records(git: Git, refs: list[str]) -> dict[str, tuple[str, str]]:
    """ref -> (commit acted on, summary) for each of `refs` recorded on the origin."""
    if not refs:
        return {}
    out = git.run("ls-remote", REMOTE, *refs)
    records: dict[str, tuple[str, str]] = {}
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref in refs:
            records[ref] = _read_record(git, ref, sha)
    return records


def _read_record(git: Git, ref: str, sha: str) -> tuple[str, str]:
    """(commit, summary) of the record object `sha`: an annotated tag written by `write_record`,
    or a plain commit pushed by hand."""
    if not git.ok("cat-file", "-e", sha):
        git.run("fetch", "--quiet", "--no-tags", "--no-recurse-submodules", REMOTE, f"+{ref}:{ref}")
    if git.run("cat-file", "-t", sha).strip() != "tag":
        return sha, f"recorded by hand at commit {sha[:12]}"
    header, _, body = git.run("cat-file", "tag", sha).partition("\n\n")
    commit = next((line.split()[1] for line in header.splitlines() if line.startswith("object ")), sha)
    summary = body.strip().splitlines()[0] if body.strip() else f"recorded at commit {commit[:12]}"
    return commit, summary


def write_record(env: FlowEnv, slot: Slot, commit: str, summary: str) -> None:
    """Push `slot.ref` as an annotated tag object on `commit` whose message is `summary`."""
    git = env.git
    stamp = int(env.ctx.clock.now().timestamp())
    tag_object = git.run(
        "mktag",
        input=(
            f"object {commit}\ntype commit\ntag {slot.name}\n"
            f"tagger release-train <release-train@users.noreply.invalid> {stamp} +0000\n\n"
            f"{summary}\n\ntick {slot.label}, slot {slot.at.isoformat()}\n"
        ),
    ).strip()
    # Not a force push: if another tick recorded the slot first, the push fails instead of
    # overwriting its record.
    git.push(REMOTE, [f"{tag_object}:{slot.ref}"])


def _when(moment: datetime) -> str:
    if (moment.hour, moment.minute) == (0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# --- the flows a tick runs ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduledFlow:
    """How a tick drives one flow: its plan and apply, the commit it acts on (what the record
    points at) and the one-line summary of what it did."""

    plan: Callable[[FlowEnv], Any]
    apply: Callable[[FlowEnv, Any], Report]
    acted_on: Callable[[FlowEnv, Any], str]
    summary: Callable[[Any, Report], str]


def _prs(report: Report) -> list[int]:
    """The PR numbers a flow opened or found, in step order."""
    return [o.data["pr"] for o in report.outcomes if isinstance(o.data.get("pr"), int)]


def _summary(branch: str, report: Report) -> str:
    prs = _prs(report)
    if not prs:
        return branch if not report.notes else f"{branch}: {report.notes[0]}"
    return f"{branch}, " + ", ".join(f"PR #{n}" for n in prs)


def _cut_flow() -> ScheduledFlow:
    from release_train.flows.train import cut

    return ScheduledFlow(
        plan=cut.plan,
        apply=cut.apply,
        acted_on=lambda env, p: p.main_sha,
        summary=lambda p, report: _summary(p.release_branch, report),
    )


def _release_flow() -> ScheduledFlow:
    from release_train.flows import branchwork
    from release_train.flows.train import release

    def acted_on(env: FlowEnv, p: Any) -> str:
        if p.proposals:
            return str(p.proposals[0].base_sha)
        return branchwork.require_remote_sha(env, p.branch)

    return ScheduledFlow(
        plan=release.plan,
        apply=release.apply,
        acted_on=acted_on,
        summary=lambda p, report: _summary(p.branch, report),
    )


def _main_release_flow() -> ScheduledFlow:
    """A train without release branches: the release PR to main, bumped by `[schedule] release-bump`."""
    from release_train.flows.train import mainline

    return ScheduledFlow(
        plan=lambda env: mainline.plan(env, mainline.scheduled_operation(env.settings)),
        apply=mainline.apply,
        acted_on=lambda env, p: str(p.proposal.base_sha) if p.proposal else _main_sha(env),
        summary=lambda p, report: _summary(f"{p.version} on {p.branch}", report),
    )


def _main_sha(env: FlowEnv) -> str:
    from release_train.flows import branchwork

    return branchwork.require_remote_sha(env, env.settings.branches.main)


# Literal table, imported lazily: `status` reads the schedule without loading the flows.
_FLOWS: dict[str, Callable[[], ScheduledFlow]] = {"cut": _cut_flow, "release": _release_flow}


def scheduled_flow(event: str, settings: Settings) -> ScheduledFlow:
    if event == "release" and not settings.release.branches:
        return _main_release_flow()
    return _FLOWS[event]()
