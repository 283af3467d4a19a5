"""Token buckets of the simulated public registry, time-scaled."""

from __future__ import annotations

import pytest

from release_train.config import Pacing
from release_train.registries.local_cargo.limits import (
    NEW_CRATE,
    NEW_VERSION,
    Limits,
    RateLimiter,
    TokenBucket,
)


def test_bucket_gives_the_burst_then_one_per_interval() -> None:
    bucket = TokenBucket(burst=3, interval=10.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(10.0)
    assert bucket.take(4.0) == pytest.approx(6.0)  # a refused take spends nothing
    assert bucket.take(10.0) == 0.0
    assert bucket.take(10.0) == pytest.approx(10.0)


def test_bucket_never_holds_more_than_its_burst() -> None:
    bucket = TokenBucket(burst=2, interval=1.0)
    bucket.take(0.0)
    assert [bucket.take(1000.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]


def test_time_scale_divides_the_interval() -> None:
    limiter = RateLimiter(Limits(new_crate=Pacing(1, 600.0), new_version=Pacing(2, 60.0)), time_scale=60.0)
    assert limiter.take(NEW_CRATE, 0.0) == 0.0
    assert limiter.take(NEW_CRATE, 0.0) == pytest.approx(10.0)  # 600 simulated s = 10 real s
    assert limiter.take(NEW_VERSION, 0.0) == 0.0
    assert limiter.take(NEW_VERSION, 0.0) == 0.0
    assert limiter.take(NEW_VERSION, 0.5) == pytest.approx(0.5)
    assert limiter.take(NEW_VERSION, 1.0) == 0.0


def test_no_limits_never_waits() -> None:
    limiter = RateLimiter(None)
    assert all(limiter.take(NEW_CRATE, 0.0) == 0.0 for _ in range(100))


def test_crates_io_defaults() -> None:
    limits = Limits.crates_io()
    assert limits.new_crate == Pacing(5, 600.0)
    assert limits.new_version == Pacing(30, 60.0)


def test_time_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="time_scale"):
        RateLimiter(Limits(), time_scale=0)
