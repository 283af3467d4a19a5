"""Executing a publish: the live upload loop. The pacing `Scheduler` decides, worker threads run
`cargo publish` and poll the index, this loop records each event in the journals.

Only this thread touches the scheduler and the journals; workers return results. After every
upload the fault hook (`ctx.step_done`) may interrupt, as a kill would: in-flight uploads still
finish (their processes are already running), the journals say what this run knew, and a re-run
converges because it asks the registry first.

A run carries the uploads of one tag or of several (a security release publishes every line's tag
in one paced execution, sharing the buckets): each job's `Target` says which crate it uploads,
from which tree, into which tag's journal. `plan.py` builds the batch; what it printed is what
runs here.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Literal

from release_train.context import Context
from release_train.flows.publish.journal import CrateState, Journal
from release_train.model.pacing import Job, Rate, Scheduler, format_duration
from release_train.registries.interface import (
    Artefact,
    RateLimited,
    Registry,
    RegistryError,
    Rejected,
    Unavailable,
    UploadRequest,
    compare_files,
)
from release_train.values import dataclass, field

RESUME = "resume"  # a Job action: uploaded by an earlier run, only the index wait is left


@dataclass(frozen=True)
class Tuning:
    """Retry and polling knobs; tests shrink them with a time-scaled registry."""

    concurrency: int = 8
    retry_base: float = 2.0  # first backoff after a 5xx, doubled per attempt, with jitter
    retry_cap: float = 120.0
    max_attempts: int = 6
    poll_first: float = 0.05  # first index poll interval, doubled up to poll_cap
    poll_cap: float = 2.0
    index_timeout: float = 600.0
    rate_lag: float = 2.0  # how far the registry's count trails our start of an upload (see TokenBucket)


class PublishFailed(RegistryError):
    """Some packages were not published; the message lists what was and the command that resumes."""


@dataclass(frozen=True)
class Target:
    """Where one job's upload comes from and is recorded: its crate, the tag's tree, the tag's
    journal, and the files the package was packaged as (what a Python index is sent)."""

    crate: str
    workspace: Path
    journal: Journal
    files: tuple[Artefact, ...] = ()


@dataclass(frozen=True)
class Batch:
    """What one run uploads: the jobs (named uniquely), each job's target, the buckets, and how
    many packages the run's tags have in all (those already published included, for progress)."""

    jobs: Sequence[Job]
    targets: Mapping[str, Target]
    rates: Mapping[str, Rate]
    total: int


@dataclass
class Outcome:
    visible: list[str] = field(default_factory=list)  # this run, in order
    failed: dict[str, str] = field(default_factory=dict)  # name -> why
    blocked: list[str] = field(default_factory=list)  # a dependency failed
    not_started: list[str] = field(default_factory=list)  # stopped before their turn
    rejected: str | None = None  # the permanent refusal that stopped the run
    fix: str | None = None  # what that refusal's registry says to do about it


TaskKind = Literal["upload", "wait"]


@dataclass(frozen=True)
class _Result:
    kind: TaskKind
    job: Job
    at: float  # monotonic time of the answer
    error: RegistryError | None = None
    visible: bool = False


class _Run:
    def __init__(self, batch: Batch, registry: Registry, ctx: Context, tuning: Tuning) -> None:
        self.targets = batch.targets
        self.registry, self.ctx, self.tuning = registry, ctx, tuning
        self.clock = ctx.clock
        self.started = self.clock.monotonic()
        self.scheduler = Scheduler(
            batch.jobs, batch.rates, self.started, concurrency=tuning.concurrency, lag=tuning.rate_lag
        )
        self.outcome = Outcome()
        self.attempts: dict[str, int] = {}
        self.total = batch.total
        self.done_count = batch.total - len(batch.jobs)
        self.futures: dict[Future[_Result], Job] = {}
        self.random = random.Random()
        self.announced_waits: dict[str, str] = {}  # action -> the job whose pacing wait was told

    def _target(self, job: Job) -> Target:
        return self.targets[job.name]

    # --- workers (other threads: no scheduler, no journal) ------------------------------------
    def _upload(self, job: Job) -> _Result:
        target = self._target(job)
        try:
            self.registry.publish(UploadRequest(target.crate, job.version, target.workspace, target.files))
        except RegistryError as exc:
            return _Result("upload", job, self.clock.monotonic(), error=exc)
        return _Result("upload", job, self.clock.monotonic())

    def _await_visible(self, job: Job) -> _Result:
        deadline = self.clock.monotonic() + self.tuning.index_timeout
        delay = self.tuning.poll_first
        crate = self._target(job).crate
        while True:
            try:
                if self.registry.is_visible(crate, job.version):
                    return _Result("wait", job, self.clock.monotonic(), visible=True)
            except Unavailable:
                pass  # a flaky index read is not a verdict; poll again
            now = self.clock.monotonic()
            if now >= deadline:
                return _Result("wait", job, now, visible=False)
            self.clock.sleep(min(delay, deadline - now))
            delay = min(delay * 2, self.tuning.poll_cap)

    # --- the loop -------------------------------------------------------------------------------
    def run(self, pool: ThreadPoolExecutor) -> Outcome:
        while not self.scheduler.finished():
            now = self.clock.monotonic()
            for job in self.scheduler.take(now):
                self._start(pool, job)
            self._announce_pacing(now)
            wake = self.scheduler.wake_at(now)
            if not self.futures:
                if wake is None:
                    break  # nothing in flight and nothing can start
                self.clock.sleep(max(0.0, wake - now))
                continue
            timeout = None if wake is None else max(0.0, wake - now)
            finished, _ = wait(list(self.futures), timeout=timeout, return_when=FIRST_COMPLETED)
            for future in finished:
                del self.futures[future]
                self._handle(pool, future.result())
        self.outcome.blocked = self.scheduler.blocked()
        self.outcome.not_started = sorted(set(self.scheduler.pending) - set(self.outcome.blocked))
        return self.outcome

    def _announce_pacing(self, now: float) -> None:
        """Say when an upload waits for its rate limit, and how long: once per job."""
        for job, seconds in self.scheduler.pacing_waits(now):
            if self.announced_waits.get(job.action) == job.name:
                continue
            self.announced_waits[job.action] = job.name
            rate = self.scheduler.buckets[job.action].rate
            self.ctx.emit(
                "wait",
                f"{job.name}: pacing wait of {format_duration(seconds)} for the {job.action} rate limit "
                f"({rate.burst} at once, then 1 every {format_duration(rate.every)})",
                crate=job.name,
                action=job.action,
                wait=seconds,
            )

    def _start(self, pool: ThreadPoolExecutor, job: Job) -> None:
        if job.action == RESUME:
            self._submit(pool, self._await_visible, job)
            return
        target = self._mark(job, "uploading")
        self._say("step", job, f"uploading {target.crate} {job.version} ({job.action})")
        self._submit(pool, self._upload, job)

    def _submit(self, pool: ThreadPoolExecutor, task: Callable[[Job], _Result], job: Job) -> None:
        self.futures[pool.submit(task, job)] = job

    def _mark(self, job: Job, state: CrateState) -> Target:
        """Record the job's state in its tag's journal (before saying so: a kill may follow)."""
        target = self._target(job)
        target.journal.set(target.crate, state)
        return target

    def _say(self, kind: str, job: Job, message: str, **data: Any) -> None:
        self.ctx.emit(kind, message, crate=self._target(job).crate, version=job.version, **data)

    def _handle(self, pool: ThreadPoolExecutor, result: _Result) -> None:
        job = result.job
        if result.kind == "wait":
            self._handle_wait(result)
            return
        error = result.error
        if error is None or (isinstance(error, Rejected) and error.already_exists):
            target = self._mark(job, "uploaded")
            if error is not None:
                self._say("skip", job, f"{target.crate} {job.version} was already uploaded")
            self._submit(pool, self._await_visible, job)
            self.ctx.step_done(f"publish:upload {job.name}")
        elif isinstance(error, RateLimited):
            self.scheduler.rate_limited(job.name, result.at + error.retry_after)
            self.ctx.emit(
                "warn",
                f"{job.name}: the registry asks to wait {format_duration(error.retry_after)}; waiting",
                crate=job.name,
                retry_after=error.retry_after,
            )
        elif isinstance(error, Unavailable):
            self._retry(job, result.at, error)
        else:
            self._fail(job, error.message, stop=True, hint=error.hint)

    def _retry(self, job: Job, at: float, error: RegistryError) -> None:
        attempt = self.attempts.get(job.name, 0) + 1
        self.attempts[job.name] = attempt
        if attempt >= self.tuning.max_attempts:
            self._fail(job, f"{error.message} (gave up after {attempt} attempts)", stop=False)
            return
        backoff = min(self.tuning.retry_cap, self.tuning.retry_base * 2 ** (attempt - 1))
        backoff *= self.random.uniform(0.5, 1.0)  # jitter: retries of many crates do not line up
        # The retry keeps the rate-limit token of the first attempt: it starts after `backoff`
        # and no later, whatever the buckets say (model/pacing.py).
        self.scheduler.retry_at(job.name, at + backoff)
        self.ctx.emit(
            "warn",
            f"{job.name}: {error.message}; retry {attempt} in {format_duration(backoff)}",
            crate=job.name,
            retry_in=backoff,
        )

    def _fail(self, job: Job, why: str, *, stop: bool, hint: str | None = None) -> None:
        self.scheduler.mark_failed(job.name)
        self._mark(job, "failed")
        self.outcome.failed[job.name] = why
        if stop:
            if self.outcome.rejected is None:
                self.outcome.rejected, self.outcome.fix = why, hint
            self.scheduler.stop()
        self._say("warn", job, f"{job.name} failed: {why}", failed=True, why=why)

    def _handle_wait(self, result: _Result) -> None:
        job = result.job
        if not result.visible:
            why = f"not visible in the index after {format_duration(self.tuning.index_timeout)}"
            self._fail(job, why, stop=False)
            return
        mismatch = self._checksum_mismatch(job)
        if mismatch:
            self._fail(job, mismatch, stop=True)
            return
        self.scheduler.mark_visible(job.name)
        target = self._mark(job, "visible")
        self.outcome.visible.append(job.name)
        self.done_count += 1
        elapsed = self.clock.monotonic() - self.started
        message = f"{target.crate} {job.version} is in the index"
        self._say("progress", job, message, done=self.done_count, total=self.total, elapsed=elapsed)

    def _checksum_mismatch(self, job: Job) -> str | None:
        target = self._target(job)
        if not target.files:
            return None
        theirs = self.registry.versions(target.crate).get(job.version)
        _, clashes = compare_files(target.files, theirs)
        if clashes:
            return (
                f"the registry's {target.crate} {job.version} was published from different sources: "
                + "; ".join(clashes)
            )
        return None


def execute(batch: Batch, registry: Registry, ctx: Context, tuning: Tuning) -> Outcome:
    """Upload the batch's jobs paced to its rates, each dependent after its dependencies are
    visible in the index."""
    run = _Run(batch, registry, ctx, tuning)
    pool = ThreadPoolExecutor(max_workers=tuning.concurrency * 2, thread_name_prefix="publish")
    try:
        return run.run(pool)
    finally:
        # An interruption still lets running uploads finish (like processes already started);
        # nothing new starts.
        pool.shutdown(wait=True, cancel_futures=True)
        # During the run each change was one line appended to a journal's log; fold them into
        # the journal files now (a kill before this leaves the logs, which `Journal.open` reads).
        for journal in {id(t.journal): t.journal for t in batch.targets.values()}.values():
            with contextlib.suppress(OSError):  # the log stays, and is read the same
                journal.save()
