"""The support policy: LTS lines, month arithmetic at month ends, and the exact last supported day."""

from __future__ import annotations

from datetime import date

import pytest

from release_train.config import SupportSettings
from release_train.errors import ConfigError
from release_train.model.policy import SupportPolicy, add_months, line_major
from release_train.model.version import Version

POLICY = SupportPolicy()  # lts-every = 12, lts-months = 24, months = 2


def v(text: str) -> Version:
    return Version.parse(text)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 2, date(2026, 5, 31)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 11, 20), 2, date(2027, 1, 20)),  # across the year
        (date(2028, 2, 29), 24, date(2030, 2, 28)),  # an LTS released on a leap day
        (date(2026, 2, 28), 1, date(2026, 3, 28)),  # not pushed to the month end
        (date(2026, 5, 20), 0, date(2026, 5, 20)),
    ],
)
def test_add_months_clamps_to_month_ends(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_lts_lines_are_the_majors_divisible_by_lts_every() -> None:
    assert [n for n in range(1, 50) if POLICY.is_lts(Version(n, 0, 0))] == [12, 24, 36, 48]
    assert POLICY.is_lts(v("24.0.3"))  # patches of an LTS line are the LTS line
    assert not POLICY.is_lts(v("25.0.0"))
    # 0.Y.Z lines count their minor, the component a `major` bump moves
    assert line_major(v("0.24.1")) == 24
    assert POLICY.is_lts(v("0.24.0"))
    assert not POLICY.is_lts(v("0.0.5"))
    assert not SupportPolicy(lts_every=0).is_lts(v("24.0.0"))  # 0 turns LTS off


def test_the_last_supported_day_of_an_ordinary_line() -> None:
    released = date(2026, 1, 20)
    assert POLICY.supported_until(v("37.0.0"), released) == date(2026, 3, 20)
    assert POLICY.is_supported(v("37.0.0"), released, date(2026, 3, 20))  # last day: still supported
    assert not POLICY.is_supported(v("37.0.0"), released, date(2026, 3, 21))  # the day after: expired
    assert POLICY.is_supported(v("37.0.0"), released, released)
    assert POLICY.is_supported(v("37.0.0"), released, date(2025, 12, 1))  # before release: not expired


def test_the_last_supported_day_of_an_lts_line() -> None:
    released = date(2024, 8, 20)
    assert POLICY.supported_until(v("24.0.0"), released) == date(2026, 8, 20)
    assert POLICY.is_supported(v("24.0.5"), released, date(2026, 8, 20))
    assert not POLICY.is_supported(v("24.0.5"), released, date(2026, 8, 21))
    # the neighbouring ordinary line released a month later expired long before
    assert not POLICY.is_supported(v("25.0.0"), date(2024, 9, 20), date(2024, 11, 21))


def test_month_end_releases_expire_at_the_clamped_day() -> None:
    released = date(2025, 12, 31)
    assert POLICY.supported_until(v("39.0.0"), released) == date(2026, 2, 28)
    assert POLICY.is_supported(v("39.0.0"), released, date(2026, 2, 28))
    assert not POLICY.is_supported(v("39.0.0"), released, date(2026, 3, 1))
    one_month = SupportPolicy(months=1)
    assert one_month.supported_until(v("1.0.0"), date(2028, 1, 31)) == date(2028, 2, 29)
    assert not one_month.is_supported(v("1.0.0"), date(2028, 1, 31), date(2028, 3, 1))


def test_a_line_not_released_yet_is_supported_without_an_end() -> None:
    assert POLICY.supported_until(v("40.0.0"), None) is None
    assert POLICY.is_supported(v("40.0.0"), None, date(2099, 1, 1))


def test_from_settings_and_validation() -> None:
    policy = SupportPolicy.from_settings(SupportSettings(lts_every=6, lts_months=12, months=3))
    assert policy.is_lts(v("18.0.0"))
    assert policy.supported_until(v("18.0.0"), date(2026, 1, 1)) == date(2027, 1, 1)
    assert policy.supported_until(v("19.0.0"), date(2026, 1, 1)) == date(2026, 4, 1)
    with pytest.raises(ConfigError, match=r"\[support\] months = -1 must not be negative"):
        SupportPolicy(months=-1)
