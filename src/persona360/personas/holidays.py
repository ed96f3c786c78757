"""The shop's gift calendar: the days before the holidays people buy presents for.

A gift giver's orders bunch up before such days; the features query counts the share
of a customer's orders placed in a *gift window* (the ``window`` days before a gift
day, the day itself excluded: a present bought on the day is late). The calendar is the
shop's own knowledge, not something the data can tell: a setting
(``personas_gift_days``), defaulting to the days the shop's markets (Ukraine, Poland,
English-speaking countries) give presents on.
"""

from __future__ import annotations

from datetime import date, timedelta

from persona360.errors import Persona360Error

# Valentine's day, Women's day, Ukraine's independence day, the first school day,
# Defenders' day, Halloween, Black Friday, St Nicholas (Western and Orthodox), Christmas, New Year.
DEFAULT_GIFT_DAYS = "02-14,03-08,08-24,09-01,10-01,10-31,black-friday,12-06,12-19,12-25,12-31"
DEFAULT_WINDOW_DAYS = 14
YEARS_BACK = 10  # orders older than this many years are never in a gift window


class GiftCalendarError(ValueError, Persona360Error):
    """A gift day that is not ``MM-DD`` or ``black-friday``, or a window under one day."""


def gift_days(spec: str, year: int) -> list[date]:
    """The gift days of ``spec`` (comma-separated ``MM-DD`` or ``black-friday``) in ``year``."""
    days = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part.lower() == "black-friday":
            days.append(black_friday(year))
            continue
        month, day = _month_day(part)
        if (month, day) != (2, 29) or year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
            days.append(date(year, month, day))
    return days


def _month_day(part: str) -> tuple[int, int]:
    try:
        month, day = (int(n) for n in part.split("-"))
        date(2000, month, day)  # a leap year: every real MM-DD exists in it
    except ValueError as exc:
        raise GiftCalendarError(f"gift day {part!r}: use MM-DD (e.g. 12-25) or black-friday") from exc
    return month, day


def gift_window_dates(spec: str, window: int, today: date) -> list[date]:
    """Every date within ``window`` days before a gift day, from ``YEARS_BACK`` years ago to next year."""
    if window < 1:
        raise GiftCalendarError(f"gift window of {window} days: use at least 1")
    dates: set[date] = set()
    for year in range(today.year - YEARS_BACK, today.year + 2):
        for day in gift_days(spec, year):
            dates.update(day - timedelta(days=n) for n in range(1, window + 1))
    return sorted(dates)


def black_friday(year: int) -> date:
    """The Friday after the fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 22)
