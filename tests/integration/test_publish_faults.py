"""Faults during a publish, against the real local registry and real `cargo`: a crash after every
upload count, a 429 with a retry time, a 5xx on one crate, a permanent rejection."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from tests.fixtures.crates import cargo_available
from tests.fixtures.publishing import publish_site

from release_train.config import Pacing
from release_train.errors import InterruptedForTest
from release_train.events import Event, Recorder
from release_train.flows.publish.apply import PublishReport
from release_train.flows.publish.execute import PublishFailed
from release_train.registries.local_cargo import Limits, UploadAttempt

pytestmark = [pytest.mark.cargo, pytest.mark.skipif(not cargo_available(), reason="needs cargo")]

CRATES = 6


@pytest.mark.parametrize("k", range(1, CRATES + 1))
def test_a_publish_killed_after_k_uploads_resumes_and_publishes_each_version_once(
    k: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with publish_site(tmp_path, monkeypatch, count=CRATES, depth=3) as site:
        with pytest.raises(InterruptedForTest):
            site.publish(fail_after=k)
        interrupted = json.loads(site.journal().read_text())
        assert interrupted["state"] == "running"
        assert len(site.server.published()) >= k

        report = site.publish()
        assert isinstance(report, PublishReport)
        assert site.successes() == dict.fromkeys(site.workspace.names, 1)
        assert all(a.status == 200 for a in site.server.upload_log), site.server.upload_log
        journal = json.loads(site.journal().read_text())
        assert journal["state"] == "done"
        assert journal["crates"] == dict.fromkeys(site.workspace.names, "visible")


def _server_waits(log: list[UploadAttempt], burst: int, interval: float) -> dict[int, float]:
    """Replay the registry's token bucket over its log: for each 429 (by index in the log), how
    long the registry's bucket still needed before it had a token again."""
    tokens, stamp = float(burst), log[0].time if log else 0.0
    waits: dict[int, float] = {}
    for number, attempt in enumerate(log):
        tokens = min(burst, tokens + (attempt.time - stamp) / interval)
        stamp = attempt.time
        if attempt.status == 200:
            tokens -= 1
        elif attempt.status == 429:
            waits[number] = (1 - tokens) * interval
    return waits


def test_a_429_is_waited_out_never_retried_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The registry allows 2 new crates, then one per 0.5 s (60 s scaled down 120 times); our
    # configuration believes in 10 at once, so the registry answers 429 and says when to retry.
    server_limits = Limits(new_crate=Pacing(2, 60.0), new_version=None)
    generous = {"new-crate": Pacing(10, 0.01), "new-version": Pacing(10, 0.01)}
    with publish_site(
        tmp_path,
        monkeypatch,
        count=5,
        depth=2,
        server_limits=server_limits,
        pacing=generous,
        time_scale=120.0,
    ) as site:
        report = site.publish()
        assert isinstance(report, PublishReport)
        log = site.server.upload_log
        assert site.successes() == dict.fromkeys(site.workspace.names, 1)
        waits = _server_waits(log, 2, 0.5)
        assert waits, "the registry never said 429: the test does not test anything"
        for number, wait in waits.items():
            refused = log[number]
            retry = next(a for a in log[number + 1 :] if a.crate == refused.crate)
            assert retry.time - refused.time >= wait - 0.01, (refused, retry, wait)
        assert any("asks to wait" in m for m in site.recorder.messages("warn"))


def test_a_5xx_is_retried_with_backoff_while_independent_crates_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with publish_site(tmp_path, monkeypatch, count=CRATES, depth=3) as site:
        layer0 = [c.name for c in site.workspace.crates if c.layer == 0]
        flaky = layer0[0]
        site.server.inject_failure(flaky, 500, times=2)
        report = site.publish()
        assert isinstance(report, PublishReport)
        log = site.server.upload_log
        attempts = [a for a in log if a.crate == flaky]
        assert [a.status for a in attempts] == [500, 500, 200]
        # Backoff: 0.2 s then 0.4 s, each with jitter down to half.
        assert attempts[1].time - attempts[0].time >= 0.1
        assert attempts[2].time - attempts[1].time >= 0.2
        accepted = {a.crate: a.time for a in log if a.status == 200}
        # Its independent siblings did not wait for it; its dependents did.
        for other in layer0[1:]:
            assert accepted[other] < accepted[flaky]
        for dependent in site.workspace.dependents(flaky):
            assert accepted[dependent] > accepted[flaky]
        assert site.successes() == dict.fromkeys(site.workspace.names, 1)


def test_a_permanent_rejection_stops_and_says_how_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with publish_site(tmp_path, monkeypatch, count=CRATES, depth=3) as site:
        bad = next(c for c in site.workspace.crates if c.layer == 1)
        site.server.reject(bad.name, "crate name is reserved", status=403)
        with pytest.raises(PublishFailed) as caught:
            site.publish()
        message = str(caught.value)
        assert f"stopped: {bad.name} 0.1.0: rejected" in message
        assert "crate name is reserved" in message
        published = sorted(site.server.published())
        assert f"published ({len(published)}): " in message
        for name in site.workspace.names:
            if name not in published:
                assert f"  - {name} (" in message
        assert f"release-train publish --tag {site.tag}" in message
        assert bad.name not in published
        for dependent in site.workspace.dependents(bad.name):
            assert dependent not in published
        assert json.loads(site.journal().read_text())["state"] == "failed"

        # The cause is fixed: the same command finishes the rest, nothing twice.
        site.server.clear_faults()
        assert isinstance(site.publish(), PublishReport)
        assert site.successes() == dict.fromkeys(site.workspace.names, 1)
        assert json.loads(site.journal().read_text())["state"] == "done"


class TimedRecorder(Recorder):
    """Keeps when each event was seen, to compare what a message announced with what happened."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def __call__(self, event: Event) -> None:
        self.times.append(time.monotonic())
        super().__call__(event)

    def first(self, kind: str, crate: str) -> list[tuple[float, Event]]:
        return [
            (t, e)
            for t, e in zip(self.times, self.events, strict=True)
            if e.kind == kind and e.data.get("crate") == crate
        ]


def test_a_retry_after_a_5xx_comes_when_announced_not_after_a_pacing_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # crates.io's new-crate limit, 5 at once then one per 600 s, scaled 200 times: one per 3 s.
    # Six new crates and their top: the sixth and the top wait for tokens; the first fails once.
    server_limits = Limits(new_crate=Pacing(5, 600.0), new_version=None)
    pacing = {"new-crate": Pacing(5, 3.0), "new-version": Pacing(30, 0.3)}
    with publish_site(
        tmp_path, monkeypatch, count=7, depth=2, server_limits=server_limits, pacing=pacing, time_scale=200.0
    ) as site:
        flaky = site.workspace.crates[0].name  # the first to start: it spends the first token
        site.server.inject_failure(flaky, 500, times=1)
        site.recorder = timed = TimedRecorder()
        assert isinstance(site.publish(), PublishReport)

        [(told, warning)] = timed.first("warn", flaky)
        _, (retried, _) = timed.first("step", flaky)
        announced = warning.data["retry_in"]
        assert f"retry 1 in {announced:.1f}s" in warning.message
        assert announced < 0.5  # the backoff, far below the 3 s a token takes
        assert retried - told == pytest.approx(announced, abs=0.1)
        assert [a.status for a in site.server.upload_log if a.crate == flaky] == [500, 200]
        assert site.successes() == dict.fromkeys(site.workspace.names, 1)

        # The crates that did wait for a token were told how long, and started then.
        waits = [(t, e) for t, e in zip(timed.times, timed.events, strict=True) if e.kind == "wait"]
        assert {e.data["crate"] for _, e in waits} >= {site.workspace.crates[5].name, site.workspace.top.name}
        for told_wait, event in waits:
            assert f"pacing wait of {event.data['wait']:.1f}s for the new-crate rate limit" in event.message
            started = next(t for t, e in timed.first("step", event.data["crate"]) if t >= told_wait)
            assert started - told_wait == pytest.approx(event.data["wait"], abs=0.1)
