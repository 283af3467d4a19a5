"""A security release across three lines that REALLY publishes: real `cargo` uploads the three
lines' patch versions to the local registry server, which applies crates.io-like limits scaled
down in time. The merges defer the forge's publish reaction; the three tags are published in one
paced run (one set of buckets, one schedule, one ETA), the schedule printed before the first
upload being the one that runs; the forge's "latest" ends on the newest line; an interrupted
run, re-run, converges with every version uploaded once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available
from tests.fixtures.lines_scenario import SUPPORTED, lines_train
from tests.fixtures.publishing import FAST, use_isolated_cargo
from tests.fixtures.train import Train
from tests.integration.test_security import ADVISORY, PATCHES, land_fix

from release_train.config import Pacing
from release_train.errors import InterruptedForTest
from release_train.events import Event, Observer
from release_train.flows import security
from release_train.flows.env import FlowEnv
from release_train.flows.publish.journal import journal_path
from release_train.model.pacing import Estimates
from release_train.registries import open_registry
from release_train.registries.local_cargo import Limits, RegistryServer, UploadAttempt
from release_train.registries.local_cargo.index import encode_publish_body
from release_train.workspaces import load_workspace

pytestmark = [pytest.mark.cargo, pytest.mark.skipif(not cargo_available(), reason="needs cargo")]

# crates.io's shape, shrunk: the registry allows 4 new versions at once, then one per 60
# simulated seconds; time-scaled 120 times, that is one per 0.5 s here. Our configuration
# states the same limits in real seconds. Ten new versions (two lines of five) must be paced.
SCALE = 120.0
SERVER = Limits(new_crate=Pacing(5, 600.0), new_version=Pacing(4, 60.0))
OURS = {"new-crate": Pacing(5, 600.0 / SCALE), "new-version": Pacing(4, 60.0 / SCALE)}
TAGS = [f"v{v}" for v in PATCHES.values()]
# Our refill starts 2 s behind the registry's: an upload that reaches it late (cargo is slow on a
# loaded machine) still finds a token there. It costs 2 s once.
TUNING = replace(FAST, rate_lag=2.0)
ESTIMATES = Estimates(upload=0.3, index_delay=0.1)


class DatedClock:
    """The train's date for commits and notes, but real monotonic time for pacing: the registry
    server's buckets run in real time."""

    def __init__(self, at: datetime) -> None:
        self._at, self._start = at, time.monotonic()

    def now(self) -> datetime:
        return self._at + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        return time.monotonic() - self._start

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class Site:
    train: Train
    server: RegistryServer

    def env(self, fail_after: int | None = None, observer: Observer | None = None) -> FlowEnv:
        return self.train.env(fail_after, clock=DatedClock(self.train.now), observer=observer)

    def release(self, fail_after: int | None = None) -> security.SecurityReleasePlan:
        env = self.env(fail_after)
        # The registry's own clock is the real one: it reads a 429's Retry-After date against it.
        registry = open_registry(env.settings, None)
        planned = security.release_plan(
            env, ADVISORY, registry=lambda: registry, tuning=TUNING, estimates=ESTIMATES
        )
        security.release_apply(env, planned, registry=lambda: registry)
        return planned

    def accepted(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for attempt in self.server.upload_log:
            if attempt.status == 200:
                counts[(attempt.crate, attempt.version)] = counts.get((attempt.crate, attempt.version), 0) + 1
        return counts

    def latest(self) -> list[str]:
        return [r.tag for r in self.train.forge.list_releases() if r.latest]


@pytest.fixture
def site(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    with security_site(tmp_path, tmp_path_factory, monkeypatch, SERVER, OURS) as made:
        yield made


@contextmanager
def security_site(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    limits: Limits,
    ours: dict[str, Pacing],
    *,
    existing: bool = False,
) -> Iterator[Site]:
    """The three lines with their fix landed and their PRs prepared, a time-scaled registry with
    `limits`, our configuration stating `ours`; with `existing`, every crate is in the registry
    already (one earlier version each)."""
    train = lines_train(tmp_path, tmp_path_factory)
    use_isolated_cargo(monkeypatch, tmp_path)
    # No token on the server: were the publish reaction not deferred, it would publish each tag
    # on its own (and print its own schedule), which the tests would see.
    with RegistryServer(tmp_path / "registry", limits=limits, time_scale=SCALE) as server:
        if existing:
            for crate in load_workspace(train.settings).publish_order():
                metadata = {"name": crate.name, "vers": "0.0.1", "deps": [], "features": {}}
                server.registry.publish(None, encode_publish_body(metadata, f"{crate.name}-0.0.1".encode()))
        publish = replace(
            train.settings.publish,
            registry="local",
            index=server.index_url,
            new_crate=ours["new-crate"],
            new_version=ours["new-version"],
            index_timeout=20,
        )
        train.settings = replace(train.settings, publish=publish)
        train.publish = True  # the forge's reactions would publish new tags
        # The lines were tagged before this registry existed; finishing them is not this test's
        # business (test_release_state.py's), the security release's own publishing is.
        train.finishes = False
        env = train.env()
        security.apply_prepare(env, security.prepare(env, ADVISORY, ["supported"]))
        for branch in SUPPORTED:
            land_fix(train, branch)
        yield Site(train, server)


def kept(site: Site, tag: str) -> list[str]:
    """The built files kept beside the tag's publish journal (for a run to resume with)."""
    journal = journal_path(site.train.settings, tag)
    files = journal.with_name(journal.stem + "-files")
    return sorted(p.name for p in files.rglob("*.crate")) if files.exists() else []


def test_three_lines_publish_in_one_paced_run_and_latest_stays_on_the_newest(site: Site) -> None:
    planned = site.release()
    assert planned.tags == tuple(TAGS)

    log = site.server.upload_log
    assert [a for a in log if a.status != 200] == []  # never over the shared buckets: no 429
    assert len(expected(planned)) == 15
    assert site.accepted() == expected(planned)
    assert_within_server_buckets(log)

    plans = site.train.events.messages("plan")
    assert [m for m in plans if m.startswith("ETA")] and len([m for m in plans if "ETA" in m]) == 1
    assert f"one publish schedule for {', '.join(TAGS)}: 15 to upload, 0 already there" in "\n".join(plans)
    infos = site.train.events.messages("info")
    assert [t for t in TAGS if f"publish of {t} deferred" in "\n".join(infos)] == TAGS

    for tag in TAGS:
        journal = json.loads(journal_path(site.train.settings, tag).read_text())
        assert journal["state"] == "done"
        assert set(journal["crates"].values()) == {"visible"}
        assert kept(site, tag) == []  # finished: the built .crate files are not kept
    assert sorted(r.tag for r in site.train.forge.list_releases()) == sorted(TAGS)
    assert site.latest() == ["v14.0.1"]

    # Again: nothing to merge, publish or release; nothing uploaded twice.
    site.release()
    assert site.accepted() == expected(planned)
    assert site.latest() == ["v14.0.1"]


def test_an_interrupted_combined_publish_resumes_per_tag_and_converges(site: Site) -> None:
    registry = open_registry(site.train.settings, None)
    steps = len(security.release_plan(site.env(), ADVISORY, registry=lambda: registry).steps)
    assert steps == 13  # per line: rebuild, ready, merge; publish; a forge release per line
    before_publish = 9
    with pytest.raises(InterruptedForTest):
        site.release(fail_after=before_publish + 7)  # after the 7th of 15 uploads
    done = sum(site.accepted().values())
    assert 7 <= done < 15
    states = {t: json.loads(journal_path(site.train.settings, t).read_text())["state"] for t in TAGS}
    assert "running" in states.values()
    assert site.train.forge.list_releases() == []
    for tag in TAGS:  # packaged before the first upload, kept for the run that resumes
        assert len(kept(site, tag)) == 5, tag

    planned = site.release()
    assert site.accepted() == expected(planned)
    for tag in TAGS:
        assert json.loads(journal_path(site.train.settings, tag).read_text())["state"] == "done"
        assert kept(site, tag) == []
    assert site.latest() == ["v14.0.1"]


# Every crate exists already, so each of the 15 uploads is a new version; the registry takes 4
# at once, then one per 90 simulated seconds: 0.75 s here, longer than an upload and its index
# wait, so that each upload after the first four starts when its token comes, not when its
# dependency shows in the index: then the times the schedule prints are the times it runs.
PACED = Limits(new_crate=Pacing(5, 600.0), new_version=Pacing(4, 90.0))
PACED_OURS = {"new-crate": Pacing(5, 600.0 / SCALE), "new-version": Pacing(4, 90.0 / SCALE)}
RESOLUTION = 0.1  # seconds: the schedule is printed to a tenth of a second


def test_the_schedule_printed_before_the_first_upload_is_the_one_executed(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with security_site(tmp_path, tmp_path_factory, monkeypatch, PACED, PACED_OURS, existing=True) as site:
        timed: list[tuple[float, Event]] = []
        env = site.env(observer=lambda event: timed.append((env.ctx.clock.monotonic(), event)))
        registry = open_registry(env.settings, None)
        tuning = replace(FAST, rate_lag=0.5)
        planned = security.release_plan(
            env, ADVISORY, registry=lambda: registry, tuning=tuning, estimates=ESTIMATES
        )
        security.release_apply(env, planned, registry=lambda: registry)

    uploads = [(at, e) for at, e in timed if e.kind == "step" and e.message.startswith("uploading ")]
    first = uploads[0][0]
    printed = [e.message for at, e in timed if e.kind == "plan"]
    assert [at for at, e in timed if e.kind == "plan"][-1] <= first  # all of it before the first upload
    # What was printed is what `security release` planned before merging anything: the same
    # uploads at the same times, the same ETA.
    scheduled = [line for line in planned.schedule.describe() if line.startswith(("  +", "ETA"))]
    assert [line for line in printed if line.startswith(("  +", "ETA"))] == scheduled
    assert len(scheduled) == 16 and all("(new version)" in line for line in scheduled[:-1])
    # And it is what ran: the same jobs (crate, version, action), in the same order (each upload
    # no earlier in the schedule than the one before it), each started when the schedule said.
    when = {(u.crate, u.version, u.action): u.start for u in planned.schedule.uploads}
    ran = [(uploaded(e.message), at - first) for at, e in uploads]
    assert sorted(job for job, _ in ran) == sorted(when)
    assert [when[job] for job, _ in ran] == sorted(when[job] for job, _ in ran)
    assert {job: round(at - when[job], 3) for job, at in ran if abs(at - when[job]) > RESOLUTION} == {}
    # The waits are the shared bucket's: four at once, then (after the lag) one every 0.75 s.
    assert sorted(when.values()) == pytest.approx([0.0] * 4 + [0.5 + 0.75 * n for n in range(1, 12)])
    seeded = {(crate, "0.0.1") for crate, _ in site.accepted()}
    assert {job: n for job, n in site.accepted().items() if job not in seeded} == expected(planned)


def uploaded(message: str) -> tuple[str, str, str]:
    """(crate, version, action) of an "uploading CRATE VERSION (ACTION)" event."""
    crate, version, action = message.removeprefix("uploading ").split(" ")
    return crate, version, action.strip("()")


def expected(planned: security.SecurityReleasePlan) -> dict[tuple[str, str], int]:
    """Every package version of every line, once."""
    return {(n, v): 1 for part in planned.schedule.parts for n, v in part.packages}


def assert_within_server_buckets(log: list[UploadAttempt]) -> None:
    """Replay the registry's new-version bucket over the accepted uploads: never below zero."""
    first: dict[str, UploadAttempt] = {}
    for attempt in log:
        first.setdefault(attempt.crate, attempt)
    uploads = [a for a in log if a.status == 200 and first[a.crate] is not a]
    assert len(uploads) == 10
    interval = 60.0 / SCALE
    tokens, stamp = 4.0, uploads[0].time
    for attempt in uploads:
        tokens = min(4.0, tokens + (attempt.time - stamp) / interval)
        stamp = attempt.time
        tokens -= 1
        assert tokens > -0.05, f"{attempt} went over the shared new-version bucket"
