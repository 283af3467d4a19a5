"""One publish schedule for the patch releases of several lines (a security release).

All lines publish against the same registry limits, so their uploads are planned together: one
set of token buckets (`model/pacing.py`'s scheduler, through `simulate`) for every version of
every line, plus the registry's cap on new versions of one crate per day (`[publish] daily-cap`):
lines are packed into days in order, and a line that would push some crate over the cap starts
the next day. The result is one schedule with one ETA, printed before anything is merged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from release_train.config import Settings
from release_train.model.pacing import Estimates, Job, Rate, format_duration, simulate

DAY = 86400.0


@dataclass(frozen=True)
class LineUploads:
    branch: str
    version: str  # the train version of the release, e.g. "12.0.1"
    packages: Mapping[str, tuple[str, frozenset[str]]]  # name -> (its version, first-party deps)


@dataclass(frozen=True)
class Upload:
    branch: str
    crate: str
    version: str
    start: float  # seconds from the first merge
    visible: float


@dataclass(frozen=True)
class CombinedSchedule:
    uploads: tuple[Upload, ...]
    eta: float
    days: int
    limits: str  # the limits it was planned against, for people
    lines: tuple[LineUploads, ...] = ()  # what was planned

    def describe(self) -> list[str]:
        lines = len({u.branch for u in self.uploads})
        head = (
            f"one publish schedule for {lines} lines: {len(self.uploads)} uploads, "
            f"ETA {format_duration(self.eta)} ({self.limits})"
        )
        if self.days > 1:
            head += f"; spread over {self.days} days by the daily cap"
        return [head]

    def to_json(self) -> dict[str, object]:
        return {
            "eta_seconds": self.eta,
            "days": self.days,
            "limits": self.limits,
            "uploads": [u.__dict__ for u in self.uploads],
        }


def plan(settings: Settings, lines: Sequence[LineUploads], estimates: Estimates) -> CombinedSchedule:
    rates = {
        "new-crate": Rate(settings.publish.new_crate.burst, settings.publish.new_crate.every),
        "new-version": Rate(settings.publish.new_version.burst, settings.publish.new_version.every),
    }
    cap = max(1, settings.publish.daily_cap)
    uploads: list[Upload] = []
    for day, group in enumerate(_days(lines, cap)):
        jobs, owner = _jobs(group)
        schedule = simulate(jobs, rates, estimates)
        offset = day * DAY
        for slot in schedule.slots:
            crate, _, version = slot.name.partition("@")
            uploads.append(
                Upload(owner[slot.name], crate, version, offset + slot.start, offset + slot.visible)
            )
    nv = settings.publish.new_version
    limits = f"new versions: burst {nv.burst}, then one per {nv.every:g} s; at most {cap} new versions of a crate a day"
    days = 1 + int(max((u.start for u in uploads), default=0.0) // DAY)
    eta = max((u.visible for u in uploads), default=0.0)
    return CombinedSchedule(tuple(uploads), eta, days, limits, tuple(lines))


def _days(lines: Sequence[LineUploads], cap: int) -> list[list[LineUploads]]:
    """Lines packed into days, in order, so that no crate gets more than `cap` versions a day."""
    days: list[list[LineUploads]] = [[]]
    counts: Counter[str] = Counter()
    for line in lines:
        if days[-1] and any(counts[name] + 1 > cap for name in line.packages):
            days.append([])
            counts = Counter()
        days[-1].append(line)
        counts.update(list(line.packages))  # one version of each crate per line
    return days


def _jobs(group: Sequence[LineUploads]) -> tuple[list[Job], dict[str, str]]:
    """Every upload of the group as a job named `crate@version` (the same crate appears once per
    line); every one is a new version of a crate that exists, which is what a patch release is."""
    jobs: list[Job] = []
    owner: dict[str, str] = {}
    for line in group:
        for name, (version, deps) in line.packages.items():
            key = f"{name}@{version}"
            needs = frozenset(f"{d}@{line.packages[d][0]}" for d in deps if d in line.packages)
            jobs.append(Job(key, version, "new-version", needs))
            owner[key] = line.branch
    return jobs, owner
