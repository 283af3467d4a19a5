"""Token buckets, the upload scheduler and the schedule/ETA computed from it."""

from __future__ import annotations

import pytest

from release_train.model.pacing import (
    Estimates,
    Job,
    Rate,
    Scheduler,
    TokenBucket,
    format_duration,
    lower_bound,
    simulate,
)

VERSIONS = {"new-version": Rate(burst=3, every=60.0)}


def chain(n: int, action: str = "new-version") -> list[Job]:
    return [Job(f"c{i}", "1.0.0", action, frozenset({f"c{i - 1}"} if i else set())) for i in range(n)]


def test_bucket_bursts_then_refills_one_token_per_interval() -> None:
    bucket = TokenBucket(Rate(burst=2, every=10.0), now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.ready_at(0.0) == pytest.approx(10.0)
    assert bucket.ready_at(4.0) == pytest.approx(10.0)
    bucket.take(10.0)
    assert bucket.ready_at(10.0) == pytest.approx(20.0)
    # Idle time refills up to the burst, never beyond.
    assert bucket.ready_at(1000.0) == 1000.0
    bucket.take(1000.0)
    bucket.take(1000.0)
    assert bucket.ready_at(1000.0) == pytest.approx(1010.0)


def test_bucket_refuses_a_take_without_token() -> None:
    bucket = TokenBucket(Rate(burst=1, every=5.0), now=0.0)
    bucket.take(0.0)
    with pytest.raises(ValueError, match="no token"):
        bucket.take(1.0)


def test_a_429_holds_the_bucket_until_the_retry_time_never_earlier() -> None:
    bucket = TokenBucket(Rate(burst=30, every=1.0), now=0.0)
    bucket.hold_until(7.5)
    assert bucket.ready_at(0.0) == pytest.approx(7.5)
    assert bucket.ready_at(7.0) == pytest.approx(7.5)
    bucket.take(7.5)
    assert bucket.ready_at(7.5) == pytest.approx(8.5)


def test_dependents_wait_for_visibility_and_independents_go_on() -> None:
    jobs = [
        Job("base", "1.0.0", "new-version"),
        Job("mid", "1.0.0", "new-version", frozenset({"base"})),
        Job("other", "1.0.0", "new-version"),
    ]
    sched = Scheduler(jobs, {"new-version": Rate(10, 1.0)}, 0.0)
    assert [j.name for j in sched.take(0.0)] == ["base", "other"]
    assert sched.take(1.0) == []
    sched.mark_visible("other")
    assert sched.take(1.0) == []  # mid still waits for base
    sched.mark_visible("base")
    assert [j.name for j in sched.take(2.0)] == ["mid"]


def test_critical_path_goes_first_when_tokens_are_scarce() -> None:
    jobs = [*chain(3), Job("leaf", "1.0.0", "new-version")]
    sched = Scheduler(jobs, {"new-version": Rate(1, 60.0)}, 0.0)
    assert [j.name for j in sched.take(0.0)] == ["c0"]
    sched.mark_visible("c0")
    assert sched.take(30.0) == []
    assert sched.wake_at(30.0) == pytest.approx(60.0)
    assert [j.name for j in sched.take(60.0)] == ["c1"]


def test_each_action_has_its_own_bucket() -> None:
    jobs = [
        Job("new1", "0.1.0", "new-crate"),
        Job("new2", "0.1.0", "new-crate"),
        Job("old", "2.0.0", "new-version"),
    ]
    rates = {"new-crate": Rate(1, 600.0), "new-version": Rate(1, 60.0)}
    sched = Scheduler(jobs, rates, 0.0)
    assert sorted(j.name for j in sched.take(0.0)) == ["new1", "old"]
    assert sched.wake_at(0.0) == pytest.approx(600.0)


def test_backoff_and_rate_limit_put_a_job_back_with_a_start_time() -> None:
    sched = Scheduler(chain(1), VERSIONS, 0.0)
    assert sched.take(0.0)
    sched.retry_at("c0", 4.0)
    assert sched.take(3.9) == []
    assert [j.name for j in sched.take(4.0)] == ["c0"]
    sched.rate_limited("c0", 20.0)
    assert sched.wake_at(5.0) == pytest.approx(20.0)
    assert [j.name for j in sched.take(20.0)] == ["c0"]


def test_a_failure_blocks_only_its_dependents() -> None:
    jobs = [*chain(3), Job("solo", "1.0.0", "new-version")]
    sched = Scheduler(jobs, {"new-version": Rate(10, 1.0)}, 0.0)
    sched.take(0.0)
    sched.mark_failed("c0")
    sched.mark_visible("solo")
    assert sched.blocked() == ["c1", "c2"]
    assert sched.finished()


def test_stop_starts_nothing_new_but_waits_for_in_flight() -> None:
    sched = Scheduler(
        [Job("a", "1.0.0", "new-version"), Job("b", "1.0.0", "new-version")], VERSIONS, 0.0, concurrency=1
    )
    assert [j.name for j in sched.take(0.0)] == ["a"]
    sched.stop()
    assert not sched.finished()
    sched.mark_visible("a")
    assert sched.take(1.0) == []
    assert sched.finished()


def test_concurrency_caps_uploads_in_flight() -> None:
    jobs = [Job(f"x{i}", "1.0.0", "new-version") for i in range(5)]
    sched = Scheduler(jobs, {"new-version": Rate(10, 1.0)}, 0.0, concurrency=2)
    assert len(sched.take(0.0)) == 2
    assert sched.wake_at(0.0) is None


def test_simulated_schedule_follows_layers_and_the_rate() -> None:
    # Two layers of three crates; burst 3 then one a minute.
    base = [Job(f"b{i}", "1.0.0", "new-version") for i in range(3)]
    top = [Job(f"t{i}", "1.0.0", "new-version", frozenset({"b0", "b1", "b2"})) for i in range(3)]
    schedule = simulate([*base, *top], VERSIONS, Estimates(upload=2.0, index_delay=10.0))
    starts = {s.name: s.start for s in schedule.slots}
    assert [starts[f"b{i}"] for i in range(3)] == [0.0, 0.0, 0.0]
    assert sorted(starts[f"t{i}"] for i in range(3)) == pytest.approx([60.0, 120.0, 180.0])
    assert schedule.eta == pytest.approx(192.0)
    assert schedule.bound.rate_limit == pytest.approx(192.0)
    assert schedule.eta <= schedule.bound.seconds * 1.0001


def test_deep_chain_is_bounded_by_its_critical_path() -> None:
    schedule = simulate(chain(8), {"new-version": Rate(30, 60.0)}, Estimates(upload=2.0, index_delay=5.0))
    assert schedule.bound.critical_path == pytest.approx(56.0)
    assert schedule.eta == pytest.approx(56.0)


def test_lower_bound_uses_per_crate_index_delays() -> None:
    jobs = chain(2)
    bound = lower_bound(jobs, VERSIONS, Estimates(upload=1.0, index_delay=5.0, per_job_delay={"c1": 20.0}))
    assert bound.critical_path == pytest.approx(27.0)


def test_format_duration() -> None:
    assert format_duration(12.34) == "12.3s"
    assert format_duration(245) == "4m 05s"
    assert format_duration(3720) == "1h 02m"


def test_a_lag_delays_the_refill_once_not_per_token() -> None:
    bucket = TokenBucket(Rate(burst=1, every=10.0), now=0.0, lag=0.5)
    bucket.take(0.0)
    assert bucket.ready_at(0.0) == pytest.approx(10.5)
    bucket.take(10.5)
    assert bucket.ready_at(10.5) == pytest.approx(20.5)
