"""The shop's calendar: flash sales and the holidays people buy gifts for."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from persona360.demo.spec import DemoSpec

DAY = 86_400.0
# (month, day) of the days people in the shop's countries buy presents for.
_HOLIDAYS = (
    (2, 14), (3, 8), (8, 24), (9, 1), (10, 1), (10, 31), (12, 6), (12, 19), (12, 25), (12, 31),
)  # fmt: skip
# Share of sessions that start in each hour of the day: lunch and evening peaks.
HOUR_WEIGHTS = (
    1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4.5, 5, 6, 6, 5, 4.5, 4.5, 5, 6, 7.5, 8.5, 8, 6, 3,
)  # fmt: skip


@dataclass(frozen=True)
class ShopCalendar:
    start: float
    end: float
    flash_sales: tuple[tuple[float, float], ...]
    holidays: tuple[float, ...]

    def day_start(self, t: float) -> float:
        return t - t % DAY


def build_calendar(spec: DemoSpec) -> ShopCalendar:
    """Flash sales every ten to eighteen days and the holidays in (or just after) the window."""
    rng = random.Random(spec.seed * 7919 + 1)
    start, end = spec.start.timestamp(), spec.end.timestamp()
    sales: list[tuple[float, float]] = []
    t = start - start % DAY + rng.randrange(2, 9) * DAY
    while t < end:
        sales.append((t, min(t + 2 * DAY, end)))
        t += rng.randrange(10, 19) * DAY
    return ShopCalendar(start, end, tuple(sales), _holidays(spec.start.date(), spec.end.date()))


def _holidays(first: date, last: date) -> tuple[float, ...]:
    found: list[float] = []
    for year in range(first.year, last.year + 1):
        days = [date(year, m, d) for m, d in _HOLIDAYS] + [_black_friday(year)]
        found += [_epoch(d) for d in sorted(days) if first + timedelta(days=3) <= d]
    limit = _epoch(last + timedelta(days=10))
    return tuple(t for t in found if t <= limit)


def _black_friday(year: int) -> date:
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
