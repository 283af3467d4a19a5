"""The schedule: 5-field POSIX cron expressions, evaluated in UTC.

Fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC), day of week
(0-7 or SUN-SAT, 0 and 7 are both Sunday). Each field is `*` or a comma-separated list of items;
an item is a value, a range `a-b`, either of them (or `*`) followed by `/step`. A value with a
step and no range (`5/10`) runs from that value to the field's maximum, as in Vixie cron.

The day rule is the standard one: when both day of month and day of week are restricted (neither
field starts with `*`), a day matches when EITHER matches (`0 0 1 * MON` fires on the 1st and on
every Monday); otherwise both must match. No `@daily`-style macros: GitHub Actions rejects them too,
and the schedule is meant to be copied into a workflow file.

Pure: no clock, no I/O. Times are timezone-aware; naive inputs are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from release_train.errors import ConfigError
from release_train.values import dataclass

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

# (name used in messages, lowest, highest, names mapped to numbers)
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: n for n, name in enumerate(_MONTHS, start=1)}),
    ("day of week", 0, 7, {name: n for n, name in enumerate(_DAYS)}),
)

# The longest gap between two fire days of an expression that fires at all is Feb 29 alone
# (`0 0 29 2 *`): 8 years across a century that is not a leap year (2096 -> 2104). Searching 9
# years of days therefore always finds the next or last fire.
_SEARCH_DAYS = 366 * 9
# Days in each month of a leap year: whether a day of month can exist at all in a month.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class CronError(ConfigError):
    """A cron expression of `[schedule]` is malformed or can never fire."""


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression: the allowed values of each field."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]  # day of month
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday ... 6 = Saturday (7 folded into 0)
    days_restricted: bool
    weekdays_restricted: bool

    def __str__(self) -> str:
        return self.text

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        in_week = day.isoweekday() % 7 in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_month or in_week
        return in_month and in_week

    def times(self) -> list[time]:
        """The fire times within a matching day, earliest first."""
        return [time(h, m, tzinfo=UTC) for h in sorted(self.hours) for m in sorted(self.minutes)]


def parse_cron(text: str) -> Cron:
    """Parse a 5-field cron expression; errors name the field at fault."""
    parts = text.split()
    if len(parts) != 5:
        raise CronError(
            f"cron {text!r}: expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}",
            hint='write e.g. "0 0 5 * *" for 00:00 UTC on the 5th of every month',
        )
    values = [_parse_field(text, part, spec) for part, spec in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in values[4])
    cron = Cron(
        text=" ".join(parts),
        minutes=values[0],
        hours=values[1],
        days=values[2],
        months=values[3],
        weekdays=weekdays,
        days_restricted=not parts[2].startswith("*"),
        weekdays_restricted=not parts[4].startswith("*"),
    )
    if not _can_fire(cron):
        raise _never(cron)
    return cron


def _can_fire(cron: Cron) -> bool:
    # With the OR rule any weekday fires; otherwise some named month must have a named day.
    if cron.days_restricted and cron.weekdays_restricted:
        return True
    return any(day <= _MONTH_DAYS[month - 1] for month in cron.months for day in cron.days)


def _parse_field(text: str, part: str, spec: tuple[str, int, int, dict[str, int]]) -> frozenset[int]:
    name, low, high, names = spec

    def fail(why: str) -> CronError:
        spelled = (
            f" or names {'-'.join(sorted(names, key=names.__getitem__)[:: len(names) - 1])}" if names else ""
        )
        return CronError(
            f"cron {text!r}: {name} field {part!r}: {why}",
            hint=f"the {name} takes values {low}-{high}{spelled}, combined with * , - /",
        )

    def number(token: str) -> int:
        upper = token.upper()
        if upper in names:
            return names[upper]
        if not token.isdigit():
            raise fail(f"{token!r} is not a number" + (" or a name" if names else ""))
        value = int(token)
        if not low <= value <= high:
            raise fail(f"{value} is out of range {low}-{high}")
        return value

    result: set[int] = set()
    for item in part.split(","):
        if not item:
            raise fail("empty list item")
        body, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise fail(f"step {step_text!r} must be a positive number")
            step = int(step_text)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = number(first), number(last)
            if start > end:
                raise fail(f"range {body!r} runs backwards")
        else:
            start = number(body)
            end = high if slash else start
        result.update(range(start, end + 1, step))
    return frozenset(result)


def _as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _as_cron(cron: Cron | str) -> Cron:
    return cron if isinstance(cron, Cron) else parse_cron(cron)


def next_fire(cron: Cron | str, after: datetime) -> datetime:
    """The first fire time strictly after `after` (UTC, whole minutes)."""
    spec = _as_cron(cron)
    start = _as_utc(after)
    times = spec.times()
    for offset in range(_SEARCH_DAYS):
        day = start.date() + timedelta(days=offset)
        if not spec.matches_day(day):
            continue
        for at in times:
            moment = datetime.combine(day, at)
            if moment > start:
                return moment
    raise _never(spec)


def last_fire(cron: Cron | str, at_or_before: datetime) -> datetime:
    """The latest fire time at or before `at_or_before` (UTC, whole minutes)."""
    spec = _as_cron(cron)
    end = _as_utc(at_or_before)
    times = spec.times()[::-1]
    for offset in range(_SEARCH_DAYS):
        day = end.date() - timedelta(days=offset)
        if not spec.matches_day(day):
            continue
        for at in times:
            moment = datetime.combine(day, at)
            if moment <= end:
                return moment
    raise _never(spec)


def _never(spec: Cron) -> CronError:
    return CronError(
        f"cron {spec.text!r} never fires (no calendar day matches its day of month and month)",
        hint="check the day of month exists in the months named, e.g. not 30 in FEB",
    )
