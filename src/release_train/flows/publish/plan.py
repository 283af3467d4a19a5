"""Planning a publish (SPEC 3.5, 3.7): one tag, or several published together, as one value.

1. The registry is the source of truth: ask it which versions exist (`survey`); what is left is a
   job, a new crate or a new version of a crate it has; a version an earlier run uploaded but the
   index does not show yet (the journal says so) is only waited for.
2. The jobs of every tag go into one schedule against one set of buckets (`rates`, built from
   `[publish]` here and nowhere else): with several tags each job is named `crate@version`, and a
   crate new to the registry is a new crate only for its first upload (its other versions are new
   versions and wait for that one: the registry decides by whether the crate exists).
3. The registry's cap on new versions of one crate per day (`[publish] daily-cap`, counted over
   uploads) packs the tags into days, oldest version first; this run publishes the first day's,
   the others are held for a later run.
4. The schedule is the scheduler of `execute.py` run on estimated durations, with the executor's
   concurrency and lag: what is printed before the first upload is what runs.

A tag is planned from its tree (`open_tree`), so the sources are exactly the tag's and the
user's checkout is never touched; a security release plans its lines from the commits about to
be tagged, before they are (`plan_commits`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from release_train.config import PublishSettings, Settings
from release_train.errors import RefusedError
from release_train.flows.publish.execute import RESUME, Tuning
from release_train.flows.publish.journal import Journal
from release_train.infra.git import Git
from release_train.model.branches import format_name, parse_name
from release_train.model.pacing import Estimates, Job, Rate, Schedule, format_duration, simulate
from release_train.registries.interface import PublishedVersion, Registry
from release_train.workspaces import load_workspace
from release_train.workspaces.interface import Workspace

# What an upload and the index's catch-up usually take, for the ETA printed before starting.
ESTIMATES = {
    "crates-io": Estimates(upload=2.0, index_delay=15.0),
    "local": Estimates(upload=0.5, index_delay=0.5),
}
DAY = 86400.0
RESUME_COMMAND = "release-train publish --tag {tag}"  # the command that finishes a tag's publish


def rates(publish: PublishSettings) -> dict[str, Rate]:
    """The token buckets of `[publish]`: the one place they are built."""
    return {
        "new-crate": Rate(publish.new_crate.burst, publish.new_crate.every),
        "new-version": Rate(publish.new_version.burst, publish.new_version.every),
    }


def estimates_for(settings: Settings) -> Estimates:
    return ESTIMATES.get(settings.publish.registry, Estimates())


# --- the tags' trees ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Opened:
    """One tag's sources on disk (its workspace in a temporary tree) and its journal."""

    tag: str
    commit: str
    workspace: Workspace
    journal: Journal


@contextmanager
def open_tree(git: Git, commit: str) -> Iterator[Path]:
    """The files of `commit` on disk, for cargo: how a tag's tree is brought out, in one place."""
    from release_train.flows.worktree import temporary_worktree

    with temporary_worktree(git, commit) as tree:
        yield tree.path


def resolve_tag(settings: Settings, git: Git, tag: str | None) -> tuple[str, str]:
    """(tag, commit): the given tag, or the tag of the checked-out workspace's version."""
    if tag is None:
        version = load_workspace(settings).train_version
        tag = format_name(settings.release.tag, version)
    commit = git.rev_parse(f"refs/tags/{tag}")
    if commit is None:
        raise RefusedError(
            f"there is no tag {tag} in {settings.root}",
            hint="fetch it (git fetch --tags) or name another with --tag",
        )
    return tag, commit


@contextmanager
def opened(settings: Settings, sources: Sequence[tuple[str | None, str]]) -> Iterator[list[Opened]]:
    """Each (tag, commit) of `sources` opened, oldest version first; a tag of None is the tag of
    the workspace version at that commit (a release about to be tagged)."""
    git = Git(settings.root)
    with ExitStack() as stack:
        found = [_open(settings, stack.enter_context(open_tree(git, c)), t, c) for t, c in sources]
        yield sorted(found, key=lambda o: o.workspace.train_version)


def _open(settings: Settings, tree: Path, tag: str | None, commit: str) -> Opened:
    """The workspace at `tree` and its tag's journal; refuses a tag whose name does not match
    the version in its tree."""
    ws = load_workspace(replace(settings, root=tree))
    if tag is None:
        tag = format_name(settings.release.tag, ws.train_version)
    wanted = parse_name(settings.release.tag, tag)
    if wanted is not None and wanted != ws.train_version:
        raise RefusedError(
            f"tag {tag} is on a commit whose workspace version is {ws.train_version}",
            hint="publish the tag of that version, or fix the tag",
        )
    journal = Journal.open(settings.resolve(settings.publish.journal_dir), tag, str(ws.train_version), commit)
    return Opened(tag, commit, ws, journal)


# --- what each tag needs -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    """One tag of a publish: its packages, those the registry has, the jobs left (named by crate)."""

    tag: str
    version: str
    commit: str
    registry: str  # its label, for people
    packages: tuple[tuple[str, str], ...]  # (name, version) of every package, in publish order
    present: tuple[PublishedVersion, ...]  # already in the registry, as its index lists them
    jobs: tuple[Job, ...]  # to upload (or, action "resume", to wait for)

    def header(self) -> str:
        return (
            f"publish {self.tag} ({self.commit[:10]}) to {self.registry}: "
            f"{len(self.jobs)} to upload, {len(self.present)} already there"
        )

    def facts(self) -> dict[str, Any]:
        """What observers get with the header (the CI summary's table): every package with its
        version and whether it is in the registry already, and the command that resumes."""
        packages = [{"crate": p.name, "version": p.version, "state": "present"} for p in self.present]
        packages += [{"crate": j.name, "version": j.version, "state": j.action} for j in self.jobs]
        return {"tag": self.tag, "packages": packages, "resume": RESUME_COMMAND.format(tag=self.tag)}

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "version": self.version,
            "commit": self.commit,
            "registry": self.registry,
            "already_published": [{"crate": p.name, "version": p.version} for p in self.present],
        }


def survey(registry: Registry | None, tag: Opened) -> Part:
    """What the registry has of `tag` and what is left. Without a registry to ask, nothing is
    there and every package is a new version of a crate it has (a patch release's case)."""
    packages = tag.workspace.publish_order()
    names = {p.name for p in packages}
    present: list[PublishedVersion] = []
    jobs: list[Job] = []
    for pkg in packages:
        versions = registry.versions(pkg.name) if registry is not None else None
        if versions and (there := versions.get(str(pkg.version))) is not None:
            present.append(there)
            continue
        deps = frozenset(pkg.ordering_deps() & names)
        if tag.journal.crates.get(pkg.name) == "uploaded":
            action = RESUME  # landed in an earlier run; only the index wait is left
        else:
            action = "new-crate" if versions == {} else "new-version"
        jobs.append(Job(pkg.name, str(pkg.version), action, deps))
    return Part(
        tag.tag,
        str(tag.workspace.train_version),
        tag.commit,
        registry.label if registry is not None else "(no registry asked)",
        tuple((p.name, str(p.version)) for p in packages),
        tuple(present),
        tuple(jobs),
    )


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
    start: float  # seconds from the first upload
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
            lines.append(
                (
                    f"held by the daily cap of new versions per crate, for a later run: {', '.join(self.held)}",
                    {},
                )
            )
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
    return schedule([survey(registry, tag) for tag in tags], settings.publish, estimates, tuning)


def plan_commits(
    settings: Settings,
    registry: Registry | None,
    commits: Sequence[str],
    estimates: Estimates,
    tuning: Tuning,
) -> PublishPlan:
    """The plan of publishing the workspace versions at `commits`, each under the tag its version
    will get (what a release that tags them will publish)."""
    with opened(settings, [(None, commit) for commit in commits]) as tags:
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
