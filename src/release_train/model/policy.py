"""The support policy: which release lines still get patch releases.

From `[support]` (defaults follow the reference project): a line whose major is divisible by
`lts-every` is a long-term-support (LTS) line, supported `lts-months` months from its release
date; every other line `months` months.

Exact rules, because users plan around them:
- The "major" of a line is its first non-zero component that the `major` bump moves: `27.0.0` ->
  27; for a `0.Y.Z` line it is Y (a 0.x `major` bump moves the minor, and Cargo treats 0.Y as the
  breaking component). Major 0 of `0.0.Z` is never LTS. `lts-every = 0` turns LTS off.
- `supported_until` is the LAST supported day, inclusive: the release date plus N calendar months,
  clamped to the end of a shorter month (released Jan 31 + 1 month -> Feb 28, or Feb 29 in a leap
  year; Mar 31 + 2 months -> May 31; Aug 31 + 6 months -> Feb 28/29). A line released 2026-01-20
  with `months = 2` is supported on 2026-03-20 (the day its successor's successor is released, so
  a same-day security release still covers it) and expired from 2026-03-21 00:00 UTC.
- A line cut but not released yet (no tag) is supported with no end date: it is the line being
  stabilised, and fixes are backported to it.

Pure: dates in, dates out; the caller passes today's UTC date.
"""

from __future__ import annotations

import calendar
from datetime import date

from release_train.config import SupportSettings
from release_train.errors import ConfigError
from release_train.model.version import Version
from release_train.values import dataclass


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def line_major(version: Version) -> int:
    """The number the `major` bump moves: the major, or the minor of a 0.Y.Z version."""
    return version.major if version.major != 0 else version.minor


@dataclass(frozen=True)
class SupportPolicy:
    lts_every: int = 12
    lts_months: int = 24
    months: int = 2

    def __post_init__(self) -> None:
        for key, value in (
            ("lts-every", self.lts_every),
            ("lts-months", self.lts_months),
            ("months", self.months),
        ):
            if value < 0:
                raise ConfigError(
                    f"[support] {key} = {value} must not be negative",
                    hint="use 0 for lts-every to turn long-term support off",
                )

    @classmethod
    def from_settings(cls, support: SupportSettings) -> SupportPolicy:
        return cls(lts_every=support.lts_every, lts_months=support.lts_months, months=support.months)

    def is_lts(self, version: Version) -> bool:
        major = line_major(version)
        return self.lts_every > 0 and major > 0 and major % self.lts_every == 0

    def months_for(self, version: Version) -> int:
        return self.lts_months if self.is_lts(version) else self.months

    def supported_until(self, version: Version, released: date | None) -> date | None:
        """The last supported day (inclusive), or None for a line not released yet."""
        if released is None:
            return None
        return add_months(released, self.months_for(version))

    def is_supported(self, version: Version, released: date | None, today: date) -> bool:
        until = self.supported_until(version, released)
        return until is None or today <= until
