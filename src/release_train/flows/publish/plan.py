"""Planning a publish (SPEC 3.5, 3.7): one tag, or several published together, as one value.

1. Each tag is surveyed (`survey.py`): what the registry has, the jobs left.
2. The jobs of every tag go into one schedule against one set of buckets (`rates`, built from
   `[publish]` here and nowhere else): with several tags each job is named `crate@version`, and a
   crate new to the registry is a new crate only for its first upload (its other versions are new
   versions and wait for that one: the registry decides by whether the crate exists).
3. The registry's cap on new versions of one crate per day (`[publish] daily-cap`, counted over
   uploads) packs the tags into days, oldest version first; this run publishes the first day's,
   the others are held for a later run.
4. The schedule is the scheduler of `execute.py` run on estimated durations, with the executor's
   concurrency and lag: what is printed before the first upload is what runs. A security
   release plans its lines from the commits about to be tagged, before they are
   (`plan_commits`), with the same function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from release_train.config import PublishSettings, Settings
from release_train.flows.publish.execute import RESUME, Tuning
from release_train.flows.publish.survey import Opened, Part, opened, survey
from release_train.infra.git import Git
from release_train.model.pacing import Estimates, Job, Rate, Schedule, format_duration, simulate
from release_train.registries.interface import (
    PublishedVersion,
    Registry,
    RegistryCapability,
    require_registry,
)
from release_train.values import dataclass

# What an upload and the index's catch-up usually take, for the ETA printed before starting.
ESTIMATES = {
    "crates-io": Estimates(upload=2.0, index_delay=15.0),
    "local": Estimates(upload=0.5, index_delay=0.5),
}
DAY = 86400.0


def rates(publish: PublishSettings) -> dict[str, Rate]:
    """The token buckets of `[publish]`: the one place they are built."""
    return {
        "new-crate": Rate(publish.new_crate.burst, publish.new_crate.every),
        "new-version": Rate(publish.new_version.burst, publish.new_version.every),
    }


def estimates_for(settings: Settings) -> Estimates:
    return ESTIMATES.get(settings.publish.registry, Estimates())


# --- the schedule --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Day:
    """The tags one run publishes: their jobs named uniquely, each job's (tag, crate), and when
    each starts (`offset`: this day's start, from the first's)."""

    parts: tuple[Part, ...]
    jobs: tuple[Job, ...]
    owners: Mapping[str, tuple[str, str]]
    schedule: Schedule
    offset: float = 0.0


@dataclass(frozen=True)
class Upload:
    tag: str
    crate: str
    version: str
    action: str
    start: float  # seconds from the start of the run
    visible: float


@dataclass(frozen=True)
class PublishPlan:
    """A publish of one tag or several: the first day is this run, the rest wait for the cap."""

    parts: tuple[Part, ...]  # every tag, oldest version first
    days: tuple[Day, ...]
    rates: Mapping[str, Rate]  # the buckets the schedule was computed with, and the run uses
    tuning: Tuning
    estimates: Estimates
    limits: str  # the limits, for people

    @property
    def today(self) -> Day:
        return self.days[0]

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(p.tag for p in self.parts)

    @property
    def held(self) -> tuple[str, ...]:
        """Tags the daily cap leaves for a later run."""
        return tuple(p.tag for day in self.days[1:] for p in day.parts)

    @property
    def jobs(self) -> tuple[Job, ...]:
        return self.today.jobs

    @property
    def schedule(self) -> Schedule:
        return self.today.schedule

    @property
    def present(self) -> tuple[PublishedVersion, ...]:
        return tuple(there for part in self.today.parts for there in part.present)

    def job_name(self, job: Job) -> str:
        """The name in the schedule of one of a part's jobs."""
        return _job_name(job.name, job.version, several=len(self.parts) > 1)

    @property
    def uploads(self) -> tuple[Upload, ...]:
        """Every upload of every day, timed from the first."""
        return tuple(
            Upload(*day.owners[s.name], s.version, s.action, day.offset + s.start, day.offset + s.visible)
            for day in self.days
            for s in day.schedule.slots
        )

    @property
    def eta(self) -> float:
        return max((u.visible for u in self.uploads), default=0.0)

    def summary(self) -> str:
        """One line for a plan that publishes later: uploads, ETA, limits, days."""
        text = f"{len(self.uploads)} uploads, ETA {format_duration(self.eta)} ({self.limits})"
        if len(self.days) > 1:
            text += f"; spread over {len(self.days)} days by the daily cap"
        return text

    def announcement(self) -> list[tuple[str, dict[str, Any]]]:
        """What is printed before the first upload, each line with its facts for observers."""
        today = self.today
        if len(self.parts) == 1:
            lines = [(today.parts[0].header(), today.parts[0].facts())]
        else:
            present = sum(len(p.present) for p in today.parts)
            tags = ", ".join(p.tag for p in today.parts) or "nothing"
            head = (
                f"one publish schedule for {tags}: {len(today.jobs)} to upload, {present} already there "
                f"(shared limits: the uploads of every tag count against the same buckets)"
            )
            lines = [(head, {}), *((f"  {p.header()}", p.facts()) for p in today.parts)]
        for slot in sorted(today.schedule.slots, key=lambda s: (s.start, s.name)):
            what = "wait for the index" if slot.action == RESUME else slot.action.replace("-", " ")
            crate = today.owners[slot.name][1]
            lines.append((f"  +{format_duration(slot.start):>8}  {crate} {slot.version} ({what})", {}))
        if today.jobs:
            eta, bound = format_duration(today.schedule.eta), format_duration(today.schedule.bound.seconds)
            lines.append((f"ETA {eta} (lower bound {bound})", {}))
        if self.held:
            held = ", ".join(self.held)
            lines.append((f"held by the daily cap of new versions per crate, for a later run: {held}", {}))
        return lines

    def describe(self) -> list[str]:
        return [line for line, _ in self.announcement()]

    def to_json(self) -> dict[str, Any]:
        one = self.parts[0].to_json() if len(self.parts) == 1 else {"tags": [p.to_json() for p in self.parts]}
        return {
            **one,
            "schedule": [
                {"tag": u.tag, "crate": u.crate, "version": u.version, "action": u.action}
                | {"start": u.start, "visible": u.visible}
                for u in self.uploads
            ],
            "eta_seconds": self.eta,
            "lower_bound_seconds": self.schedule.bound.seconds,
            "held_by_daily_cap": list(self.held),
            "limits": self.limits,
        }


def schedule(
    parts: Sequence[Part], publish: PublishSettings, estimates: Estimates, tuning: Tuning
) -> PublishPlan:
    """The plan of `parts` (oldest version first) under `[publish]`'s buckets and daily cap."""
    table = rates(publish)
    cap = max(1, publish.daily_cap)
    several = len(parts) > 1
    days: list[Day] = []
    created: set[str] = set()  # crates a day before creates
    for index, group in enumerate(_by_day(parts, cap)):
        jobs, owners = _combine(group, several, created)
        timed = simulate(jobs, table, estimates, concurrency=tuning.concurrency, lag=tuning.rate_lag)
        days.append(Day(tuple(group), tuple(jobs), owners, timed, index * DAY))
    return PublishPlan(tuple(parts), tuple(days), table, tuning, estimates, _limits(publish, cap))


def plan(
    settings: Settings,
    registry: Registry | None,
    tags: Sequence[Opened],
    estimates: Estimates,
    tuning: Tuning,
) -> PublishPlan:
    if registry is not None:
        # Uploads only: an rc train's yanks of superseded rcs happen where the registry can
        # yank and are warned about where it cannot (a package index's API has none).
        require_registry(registry, RegistryCapability.UPLOAD, needed_by="publishing this train's releases")
    return schedule([survey(registry, tag) for tag in tags], settings.publish, estimates, tuning)


def plan_commits(
    settings: Settings,
    registry: Registry | None,
    commits: Sequence[str],
    estimates: Estimates,
    tuning: Tuning,
    *,
    git: Git,
) -> PublishPlan:
    """The plan of publishing the workspace versions at `commits` (in the working repository
    `git`), each under the tag its version will get (what a release that tags them will publish)."""
    with opened(settings, [(None, commit) for commit in commits], git=git) as tags:
        return plan(settings, registry, tags, estimates, tuning)


def _by_day(parts: Sequence[Part], cap: int) -> list[list[Part]]:
    """Tags packed into days in order, so that no crate gets more than `cap` uploads a day: the
    first tag that would break the cap starts the next day."""
    days: list[list[Part]] = [[]]
    counts: Counter[str] = Counter()
    for part in parts:
        uploads = [j.name for j in part.jobs if j.action != RESUME]
        if days[-1] and any(counts[name] + 1 > cap for name in uploads):
            days.append([])
            counts = Counter()
        days[-1].append(part)
        counts.update(uploads)
    return days


def _combine(
    parts: Sequence[Part], several: bool, created: set[str]
) -> tuple[list[Job], dict[str, tuple[str, str]]]:
    """The jobs of every tag of one day, named uniquely (`crate@version` when there are several
    tags), deps renamed the same way; one upload serves a version two tags share. The first upload
    of a crate new to the registry stays a new crate; its later versions wait for it."""
    jobs: list[Job] = []
    owners: dict[str, tuple[str, str]] = {}
    first_new: dict[str, str] = {}
    for part in parts:
        versions = dict(part.packages)
        for job in part.jobs:
            named = _job_name(job.name, job.version, several)
            if named in owners:
                continue
            deps = {_job_name(d, versions[d], several) for d in job.deps if d in versions}
            action = job.action
            if action == "new-crate" and job.name in created:
                action = "new-version"  # created by an earlier day's run
            elif action == "new-crate" and job.name in first_new:
                action = "new-version"
                deps.add(first_new[job.name])
            elif action == "new-crate":
                first_new[job.name] = named
            jobs.append(Job(named, job.version, action, frozenset(deps)))
            owners[named] = (part.tag, job.name)
    created.update(first_new)
    return jobs, owners


def _job_name(crate: str, version: str, several: bool) -> str:
    """A job's name: unique across the tags of a publish (the crate alone for one tag)."""
    return f"{crate}@{version}" if several else crate


def _limits(publish: PublishSettings, cap: int) -> str:
    nc, nv = publish.new_crate, publish.new_version
    return (
        f"new crates: burst {nc.burst}, then one per {nc.every:g} s; "
        f"new versions: burst {nv.burst}, then one per {nv.every:g} s; "
        f"at most {cap} new versions of a crate a day"
    )
