"""The cron schedule: parsing, next and last fire times, month ends, leap years, the DOM/DOW rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from release_train.errors import ConfigError
from release_train.model.calendar import CronError, last_fire, next_fire, parse_cron


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_default_schedule_fires_on_the_5th_and_20th_at_midnight_utc() -> None:
    assert next_fire("0 0 5 * *", at("2026-11-23T10:00")) == at("2026-12-05T00:00")
    assert next_fire("0 0 20 * *", at("2026-11-23T10:00")) == at("2026-12-20T00:00")
    assert last_fire("0 0 5 * *", at("2026-11-23T10:00")) == at("2026-11-05T00:00")
    assert last_fire("0 0 20 * *", at("2026-11-23T10:00")) == at("2026-11-20T00:00")


def test_next_is_strictly_after_and_last_is_at_or_before() -> None:
    fire = at("2026-12-05T00:00")
    assert next_fire("0 0 5 * *", fire) == at("2027-01-05T00:00")
    assert last_fire("0 0 5 * *", fire) == fire
    assert last_fire("0 0 5 * *", fire - timedelta(seconds=1)) == at("2026-11-05T00:00")
    # seconds after the fire minute still count as "at or before"
    assert last_fire("30 6 * * *", at("2026-12-05T06:30:59")) == at("2026-12-05T06:30")


def test_year_boundaries() -> None:
    assert next_fire("0 0 5 * *", at("2026-12-06T00:00")) == at("2027-01-05T00:00")
    assert last_fire("0 0 20 * *", at("2027-01-10T00:00")) == at("2026-12-20T00:00")
    assert next_fire("59 23 31 12 *", at("2026-12-31T23:59")) == at("2027-12-31T23:59")


def test_month_ends_skip_months_without_that_day() -> None:
    assert next_fire("0 0 31 * *", at("2026-04-01T00:00")) == at("2026-05-31T00:00")
    assert next_fire("0 0 31 * *", at("2026-05-31T00:00")) == at("2026-07-31T00:00")
    assert last_fire("0 0 30 * *", at("2026-03-29T00:00")) == at("2026-01-30T00:00")


def test_leap_years() -> None:
    assert next_fire("0 0 29 2 *", at("2026-01-01T00:00")) == at("2028-02-29T00:00")
    # 2100 is not a leap year: eight years between two Feb 29ths
    assert next_fire("0 0 29 2 *", at("2096-03-01T00:00")) == at("2104-02-29T00:00")
    assert last_fire("0 0 29 FEB *", at("2104-02-28T23:59")) == at("2096-02-29T00:00")
    assert next_fire("0 0 29 2 *", at("2000-01-01T00:00")) == at("2000-02-29T00:00")


def test_day_of_month_or_day_of_week_when_both_are_restricted() -> None:
    cron = "0 0 13 * FRI"  # the 13th, and every Friday
    # 2026-11-23 is a Monday: the next Friday (Nov 27) comes before Dec 13
    assert next_fire(cron, at("2026-11-23T00:00")) == at("2026-11-27T00:00")
    assert next_fire(cron, at("2026-12-11T00:00")) == at("2026-12-13T00:00")  # a Sunday
    assert last_fire(cron, at("2026-11-26T00:00")) == at("2026-11-20T00:00")


def test_day_of_week_alone_and_with_a_starred_day_of_month() -> None:
    # `*` (or `*/N`) in one day field: both fields must match, i.e. only the other one counts
    assert next_fire("0 12 * * MON-FRI", at("2026-11-28T00:00")) == at("2026-11-30T12:00")  # Sat -> Mon
    assert next_fire("0 0 */10 * 5", at("2026-11-01T00:00")) == at("2026-12-11T00:00")
    # day 7 is Sunday like 0
    assert next_fire("0 0 * * 7", at("2026-11-23T00:00")) == at("2026-11-29T00:00")
    assert parse_cron("0 0 * * 7").weekdays == parse_cron("0 0 * * SUN").weekdays


def test_lists_ranges_steps_and_names() -> None:
    cron = parse_cron("*/15 0-6/3,22 1,15 jan-mar,Dec mon")
    assert cron.minutes == frozenset({0, 15, 30, 45})
    assert cron.hours == frozenset({0, 3, 6, 22})
    assert cron.days == frozenset({1, 15})
    assert cron.months == frozenset({1, 2, 3, 12})
    assert cron.weekdays == frozenset({1})
    assert parse_cron("5/20 * * * *").minutes == frozenset({5, 25, 45})
    assert str(parse_cron("  0  0 5 * * ")) == "0 0 5 * *"


def test_several_times_a_day() -> None:
    assert next_fire("0 */6 * * *", at("2026-11-23T06:00")) == at("2026-11-23T12:00")
    assert last_fire("0 */6 * * *", at("2026-11-23T05:59")) == at("2026-11-23T00:00")
    assert next_fire("0 */6 * * *", at("2026-11-23T18:01")) == at("2026-11-24T00:00")


def test_other_time_zones_are_converted_to_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    # 2026-12-05 08:00 in Tokyo is 2026-12-04 23:00 UTC: the cut has not fired yet
    assert next_fire("0 0 5 * *", datetime(2026, 12, 5, 8, 0, tzinfo=tokyo)) == at("2026-12-05T00:00")
    assert next_fire("0 0 5 * *", datetime(2026, 12, 4, 23, 0)) == at("2026-12-05T00:00")  # naive = UTC


@pytest.mark.parametrize(
    ("text", "field", "why"),
    [
        ("60 0 5 * *", "minute", "60 is out of range 0-59"),
        ("0 24 5 * *", "hour", "24 is out of range 0-23"),
        ("0 0 32 * *", "day of month", "32 is out of range 1-31"),
        ("0 0 0 * *", "day of month", "0 is out of range 1-31"),
        ("0 0 5 13 *", "month", "13 is out of range 1-12"),
        ("0 0 5 FOO *", "month", "'FOO' is not a number or a name"),
        ("0 0 5 * 8", "day of week", "8 is out of range 0-7"),
        ("0 0 5 * MON-XYZ", "day of week", "'XYZ' is not a number or a name"),
        ("*/0 0 5 * *", "minute", "step '0' must be a positive number"),
        ("0 0 20-5 * *", "day of month", "range '20-5' runs backwards"),
        ("0 0 5,,6 * *", "day of month", "empty list item"),
        ("0 x 5 * *", "hour", "'x' is not a number"),
    ],
)
def test_malformed_fields_are_named(text: str, field: str, why: str) -> None:
    with pytest.raises(CronError) as caught:
        parse_cron(text)
    position = ["minute", "hour", "day of month", "month", "day of week"].index(field)
    assert caught.value.message == f"cron {text!r}: {field} field {text.split()[position]!r}: {why}"
    assert caught.value.hint
    assert isinstance(caught.value, ConfigError)  # exit code 3, a configuration problem


@pytest.mark.parametrize("text", ["0 0 5 * ", "0 0 5 * * *", "@daily", ""])
def test_wrong_field_count(text: str) -> None:
    with pytest.raises(CronError, match="expected 5 fields"):
        parse_cron(text)


def test_an_expression_that_never_fires_is_refused() -> None:
    with pytest.raises(CronError, match="never fires"):
        parse_cron("0 0 30 2 *")
    with pytest.raises(CronError, match="never fires"):
        parse_cron("0 0 31 4,6,9,11 *")
    # ...but with a restricted day of week the OR rule makes it fire on every Monday of February
    assert next_fire("0 0 30 2 MON", at("2026-11-23T00:00")) == at("2027-02-01T00:00")
