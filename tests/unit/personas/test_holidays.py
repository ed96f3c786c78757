"""The gift calendar: named days, Black Friday, leap days, the windows before them."""

from __future__ import annotations

from datetime import date

import pytest

from persona360.personas.holidays import GiftCalendarError, black_friday, gift_days, gift_window_dates


def test_black_friday_is_the_day_after_the_fourth_thursday_of_november() -> None:
    assert [black_friday(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 11, 29), date(2025, 11, 28), date(2026, 11, 27), date(2027, 11, 26),
    ]  # fmt: skip


def test_gift_days_of_a_year() -> None:
    assert gift_days(" 12-25, black-friday ,,02-29", 2026) == [date(2026, 12, 25), date(2026, 11, 27)]
    assert date(2028, 2, 29) in gift_days("02-29", 2028)  # a leap day only in leap years


def test_the_window_is_the_days_before_not_the_day() -> None:
    dates = gift_window_dates("12-25", 3, date(2026, 11, 23))
    assert [d for d in dates if d.year == 2026] == [date(2026, 12, 22), date(2026, 12, 23), date(2026, 12, 24)]
    assert min(dates).year == 2016 and max(dates).year == 2027


@pytest.mark.parametrize(("spec", "window"), [("25-12", 14), ("12/25", 14), ("christmas", 14), ("12-25", 0)])
def test_bad_calendars_are_named(spec: str, window: int) -> None:
    with pytest.raises(GiftCalendarError, match="gift"):
        gift_window_dates(spec, window, date(2026, 1, 1))
