"""`--now` pins the calendar but not the pacing: a publish under `--now` must really wait."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from release_train.cli.common import clock_from
from release_train.infra.clock import FixedClock, PinnedClock, SystemClock


def test_now_flag_pins_dates_and_keeps_real_waiting() -> None:
    clock = clock_from(argparse.Namespace(now="2026-12-05"))
    assert isinstance(clock, PinnedClock)
    assert clock.now() == datetime(2026, 12, 5, tzinfo=UTC)
    before = clock.monotonic()
    clock.sleep(0.05)
    assert clock.monotonic() - before >= 0.05
    assert clock.now() == datetime(2026, 12, 5, tzinfo=UTC)


def test_no_now_flag_is_the_system_clock() -> None:
    assert isinstance(clock_from(argparse.Namespace(now=None)), SystemClock)


def test_fixed_clock_advances_only_when_slept_on() -> None:
    clock = FixedClock(datetime(2026, 1, 1))
    clock.sleep(90)
    assert clock.monotonic() == 90
    assert clock.now() == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
