"""Time as a collaborator: the core never reads the wall clock; the CLI passes a `Clock` in and
tests pass a fixed or simulated one."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a monotonic scale, for pacing and timeouts."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FixedClock:
    """A clock that stands still on `now()` and advances only when slept on (simulated time)."""

    def __init__(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=UTC)
        self._elapsed = 0.0

    def now(self) -> datetime:
        return self._at + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def sleep(self, seconds: float) -> None:
        self._elapsed += max(0.0, seconds)


class PinnedClock(SystemClock):
    """`--now`: the calendar is pinned to a given moment (dates, commit times and the schedule
    are reproducible), while waiting and pacing use real time, so a publish run under `--now`
    still waits for the registry's rate limits and index for real."""

    def __init__(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self._at


def parse_now(text: str) -> datetime:
    """Parse `--now`: an ISO date or date-time, in UTC (naive values are UTC; one with an offset
    is converted). Raises ValueError for anything else."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
