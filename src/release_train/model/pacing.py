"""Pacing uploads to a registry's rate limits, and the upload schedule with its ETA.

Pure: no clock is read here. Every method takes `now` on the caller's monotonic scale, so the
same `Scheduler` drives the live publisher (real time) and `simulate` (estimated durations),
which is how the schedule and ETA printed before the first upload are computed.

A registry such as crates.io keeps one token bucket per action: new crates (burst 5, then one
every 10 minutes) and new versions of existing crates (burst 30, then one a minute). We keep the
same buckets locally and never send when ours is empty, so a 429 is the exception (another
publisher sharing the account), not the way we find the limit.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Mapping

from release_train.values import dataclass, field

ACTIONS = ("new-crate", "new-version")
_EPS = 1e-9


@dataclass(frozen=True)
class Rate:
    """`burst` actions at once, then one every `every` seconds."""

    burst: int
    every: float


class TokenBucket:
    """A local copy of the registry's bucket for one action; starts full.

    `lag`: the registry counts an upload when it arrives, some time after we start it, so its
    refill runs that much behind ours; starting our refill `lag` later keeps us behind it, and
    a jittery arrival cannot meet an empty bucket there. It costs `lag` once, not per token.
    """

    def __init__(self, rate: Rate, now: float, *, lag: float = 0.0) -> None:
        self.rate = rate
        self._tokens = float(rate.burst)
        self._stamp = now + lag
        self._hold = now  # no token before this time (a 429's retry time)

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            gained = (now - self._stamp) / self.rate.every if self.rate.every > 0 else float("inf")
            self._tokens = min(float(self.rate.burst), self._tokens + gained)
            self._stamp = now

    def ready_at(self, now: float) -> float:
        """The earliest time at or after `now` when one token is there."""
        self._refill(now)
        if self._tokens >= 1 - _EPS:
            return max(now, self._hold)
        return max(self._hold, self._stamp + (1 - self._tokens) * self.rate.every)

    def take(self, now: float) -> None:
        if self.ready_at(now) > now + _EPS:
            raise ValueError("no token available: call ready_at() first")
        self._tokens -= 1

    def hold_until(self, when: float) -> None:
        """The registry said 429, retry at `when`: empty the bucket so that the next token
        appears exactly then, never earlier. The registry's answer wins over our own count."""
        self._tokens, self._stamp, self._hold = 1.0, when, when


@dataclass(frozen=True)
class Job:
    """One upload: `deps` are the first-party packages that must be visible in the index first."""

    name: str
    version: str
    action: str  # "new-crate" | "new-version"
    deps: frozenset[str] = frozenset()


def _heights(jobs: Mapping[str, Job]) -> dict[str, int]:
    """Length of the longest chain of dependents hanging below each job (1 for a leaf)."""
    dependents: dict[str, list[str]] = {name: [] for name in jobs}
    for job in jobs.values():
        for dep in job.deps:
            if dep in dependents:
                dependents[dep].append(job.name)
    heights: dict[str, int] = {}

    def height(name: str) -> int:
        if name not in heights:
            heights[name] = 1 + max((height(d) for d in dependents[name]), default=0)
        return heights[name]

    for name in jobs:
        height(name)
    return heights


class Scheduler:
    """Decides which uploads start when. The caller reports what happened; nothing here waits.

    A job is ready when all its first-party deps are visible. Ready jobs start critical path
    first (the longest chain of dependents below them), as long as their action's bucket has a
    token, their retry time has come and fewer than `concurrency` are in flight.

    A job retried after a transient error (`retry_at`) keeps what its first attempt took: its
    token (the registry counted the upload, or owes it) and its place among those in flight. So
    it starts again exactly when its backoff ends, as announced, never behind a pacing wait of
    up to ten minutes for a token it already paid for. A 429 is different: the registry refused
    to count the upload, and the retry takes the token the registry named the time of.
    """

    def __init__(
        self,
        jobs: Iterable[Job],
        rates: Mapping[str, Rate],
        now: float,
        *,
        concurrency: int = 8,
        lag: float = 0.0,
    ) -> None:
        self.jobs = {job.name: job for job in jobs}
        self.buckets = {action: TokenBucket(rate, now, lag=lag) for action, rate in rates.items()}
        self.concurrency = concurrency
        self._height = _heights(self.jobs)
        self.pending: set[str] = set(self.jobs)
        self.in_flight: set[str] = set()
        self.visible: set[str] = set()
        self.failed: set[str] = set()
        self.backoff: dict[str, float] = {}  # in flight, retrying at this time with the token it has
        self.deferred: dict[str, float] = {}  # pending after a 429, not to start before this time
        self.stopped = False
        # Kept up to date as jobs become visible, so that each event costs the same however many
        # jobs there are: the first-party deps each job still waits for, who waits for each job,
        # and per action the ready jobs in start order (critical path first).
        self._dependents: dict[str, list[str]] = {name: [] for name in self.jobs}
        self._unmet: dict[str, int] = {}
        self._queues: dict[str, list[tuple[int, str]]] = {}
        for job in self.jobs.values():
            deps = [d for d in job.deps if d in self.jobs]
            for dep in deps:
                self._dependents[dep].append(job.name)
            self._unmet[job.name] = len(deps)
        for name in sorted(self.jobs):
            if self._unmet[name] == 0:
                self._enqueue(name)

    def _key(self, name: str) -> tuple[int, str]:
        return (-self._height[name], name)

    def _enqueue(self, name: str) -> None:
        bisect.insort(self._queues.setdefault(self.jobs[name].action, []), self._key(name))

    def _dequeue(self, name: str) -> None:
        queue = self._queues.get(self.jobs[name].action, [])
        index = bisect.bisect_left(queue, self._key(name))
        if index < len(queue) and queue[index][1] == name:
            del queue[index]

    def _bucket_ready_at(self, action: str, now: float) -> float:
        bucket = self.buckets.get(action)
        return bucket.ready_at(now) if bucket else now

    def ready(self) -> list[Job]:
        """Pending jobs whose first-party deps are all visible, in start order."""
        keys = [key for queue in self._queues.values() for key in queue]
        keys += [self._key(name) for name in self.deferred]
        return [self.jobs[name] for _, name in sorted(keys)]

    def take(self, now: float) -> list[Job]:
        """The jobs to start now (their tokens are taken; a retry uses the one it has)."""
        started = [self.jobs[n] for n, when in sorted(self.backoff.items()) if when <= now + _EPS]
        for job in started:
            del self.backoff[job.name]
        if self.stopped:
            return started
        for name, when in list(self.deferred.items()):
            if when <= now + _EPS:
                del self.deferred[name]
                self._enqueue(name)
        while len(self.in_flight) < self.concurrency:
            heads = [
                (queue[0], action)
                for action, queue in self._queues.items()
                if queue and self._bucket_ready_at(action, now) <= now + _EPS
            ]
            if not heads:
                break
            (_, name), action = min(heads)
            del self._queues[action][0]
            if (bucket := self.buckets.get(action)) is not None:
                bucket.take(now)
            self.pending.discard(name)
            self.in_flight.add(name)
            started.append(self.jobs[name])
        return started

    def wake_at(self, now: float) -> float | None:
        """When `take` may next return something, or None when only an in-flight job can unblock."""
        times = list(self.backoff.values())
        if not self.stopped and len(self.in_flight) < self.concurrency:
            times += self.deferred.values()
            times += [self._bucket_ready_at(a, now) for a, queue in self._queues.items() if queue]
        return max(now, min(times)) if times else None

    def pacing_waits(self, now: float) -> list[tuple[Job, float]]:
        """For each action, the next ready job held back only by its bucket, and for how long:
        the pacing wait a user should be told about (nothing when all slots are taken)."""
        if self.stopped or len(self.in_flight) >= self.concurrency:
            return []
        waits = []
        for action, queue in self._queues.items():
            wait = self._bucket_ready_at(action, now) - now
            if queue and wait > _EPS:
                waits.append((self.jobs[queue[0][1]], wait))
        return waits

    # --- what happened ------------------------------------------------------------------------
    def mark_visible(self, name: str) -> None:
        if name in self.visible:
            return
        self.in_flight.discard(name)
        self.pending.discard(name)
        self.visible.add(name)
        for dependent in self._dependents[name]:
            self._unmet[dependent] -= 1
            if self._unmet[dependent] == 0 and dependent in self.pending:
                self._enqueue(dependent)

    def retry_at(self, name: str, when: float) -> None:
        """Start `name` again at `when` (5xx backoff), with the token and the slot it holds."""
        self.backoff[name] = when

    def rate_limited(self, name: str, when: float) -> None:
        """The registry answered 429 for `name`'s action: the job goes back to the queue, to take
        a token again, not before `when`."""
        job = self.jobs[name]
        if (bucket := self.buckets.get(job.action)) is not None:
            bucket.hold_until(when)
        self.in_flight.discard(name)
        self.pending.add(name)
        self.deferred[name] = when

    def mark_failed(self, name: str) -> None:
        if name in self.pending and name not in self.deferred:
            self._dequeue(name)
        self.in_flight.discard(name)
        self.pending.discard(name)
        self.backoff.pop(name, None)
        self.deferred.pop(name, None)
        self.failed.add(name)

    def stop(self) -> None:
        """Start nothing new (a permanent rejection); in-flight jobs still report back, and those
        waiting to retry are not started again."""
        self.stopped = True
        for name in self.backoff:
            self.in_flight.discard(name)
            self.pending.add(name)
        self.backoff.clear()

    def blocked(self) -> list[str]:
        """Pending jobs that can never start: a dependency failed (directly or transitively)."""
        dead = set(self.failed)
        changed = True
        while changed:
            changed = False
            for name in self.pending - dead:
                if self.jobs[name].deps & dead:
                    dead.add(name)
                    changed = True
        return sorted(dead - self.failed)

    def finished(self) -> bool:
        """Nothing in flight and nothing that could still start."""
        if self.in_flight:
            return False
        if self.stopped or not self.pending:
            return True
        if not self.failed:
            return False  # every pending job can still start (its deps are jobs that can)
        return set(self.blocked()) >= self.pending


# --- the schedule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimates:
    """How long one upload takes and how long until the index shows it (seconds)."""

    upload: float = 2.0
    index_delay: float = 10.0
    per_job_delay: Mapping[str, float] = field(default_factory=dict)

    def delay(self, name: str) -> float:
        return self.per_job_delay.get(name, self.index_delay)


@dataclass(frozen=True)
class Slot:
    name: str
    version: str
    action: str
    start: float  # seconds from the start of the run
    visible: float


@dataclass(frozen=True)
class Bound:
    """A lower bound on the wall time of any strategy."""

    critical_path: float  # the longest dependency chain of upload + index wait
    rate_limit: float  # the time the buckets force before the last upload, plus that upload

    @property
    def seconds(self) -> float:
        return max(self.critical_path, self.rate_limit)


@dataclass(frozen=True)
class Schedule:
    slots: tuple[Slot, ...]
    eta: float  # seconds until the last version is visible
    bound: Bound


def lower_bound(jobs: Iterable[Job], rates: Mapping[str, Rate], estimates: Estimates) -> Bound:
    by_name = {job.name: job for job in jobs}
    finish: dict[str, float] = {}

    def chain(name: str) -> float:
        if name not in finish:
            job = by_name[name]
            before = max((chain(d) for d in job.deps if d in by_name), default=0.0)
            finish[name] = before + estimates.upload + estimates.delay(name)
        return finish[name]

    critical = max((chain(n) for n in by_name), default=0.0)
    rate_time = 0.0
    for action, rate in rates.items():
        names = [n for n, job in by_name.items() if job.action == action]
        if names:
            forced = max(0, len(names) - rate.burst) * rate.every
            tail = estimates.upload + min(estimates.delay(n) for n in names)
            rate_time = max(rate_time, forced + tail)
    return Bound(critical, rate_time)


def simulate(
    jobs: Iterable[Job],
    rates: Mapping[str, Rate],
    estimates: Estimates,
    *,
    concurrency: int = 8,
    lag: float = 0.0,
) -> Schedule:
    """Run the scheduler on estimated durations: the schedule the live publisher will follow
    when the registry behaves as estimated (given the publisher's `concurrency` and `lag`)."""
    job_list = list(jobs)
    scheduler = Scheduler(job_list, rates, 0.0, concurrency=concurrency, lag=lag)
    events: list[tuple[float, str]] = []  # (visible at, name)
    slots: list[Slot] = []
    now = 0.0
    while not scheduler.finished():
        for job in scheduler.take(now):
            visible = now + estimates.upload + estimates.delay(job.name)
            heapq.heappush(events, (visible, job.name))
            slots.append(Slot(job.name, job.version, job.action, now, visible))
        wake = scheduler.wake_at(now)
        if events and (wake is None or events[0][0] <= wake):
            now, name = heapq.heappop(events)
            scheduler.mark_visible(name)
        elif wake is not None:
            now = max(now, wake)
        else:  # nothing can ever start: a dependency outside the plan is missing
            break
    eta = max((s.visible for s in slots), default=0.0)
    return Schedule(tuple(slots), eta, lower_bound(job_list, rates, estimates))


def format_duration(seconds: float) -> str:
    """`1h 02m`, `4m 05s`, `12.3s`."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"
