"""Where "now" comes from.

Every part of persona360 asks a :class:`Clock` for the time instead of calling
``datetime.now()`` so that tests and replays can pin it (design rule 8).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current UTC time."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """The wall clock, moved to start at ``start``: time runs on from another day.

    For a demo built as of a day in the past (``persona360 demo --end``): its stages
    measure "within 30 days" and "days since the last order" from that day, not today.

    Example:
        >>> clock = ShiftedClock(datetime(2026, 11, 1, tzinfo=UTC))
        >>> clock.now() - datetime(2026, 11, 1, tzinfo=UTC) < timedelta(minutes=1)
        True
    """

    def __init__(self, start: datetime) -> None:
        self._offset = to_utc(start) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


class FixedClock:
    """A clock that only moves when told to; for tests and replays.

    Example:
        >>> clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        >>> clock.advance(minutes=30).isoformat()
        '2026-01-01T00:30:00+00:00'
    """

    def __init__(self, start: datetime) -> None:
        self._now = to_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by a ``timedelta(**delta)`` and return the new time."""
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment``."""
        with self._lock:
            self._now = to_utc(moment)


def to_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime; naive values are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
