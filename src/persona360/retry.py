"""How long to wait before retrying a delivery: one formula for webhooks and messages.

Segment triggers (``segments/triggers.py``) and the activation outbox both retry failed
deliveries with exponential backoff; they differ only in the first wait.
"""

from __future__ import annotations

from datetime import timedelta

BACKOFF_CAP = timedelta(hours=6)


def backoff(attempts: int, base: timedelta, cap: timedelta = BACKOFF_CAP) -> timedelta:
    """The wait after failed attempt number ``attempts``: ``base`` doubling each time, at most ``cap``.

    Example:
        >>> [backoff(n, timedelta(minutes=1)).total_seconds() for n in (1, 2, 3)]
        [60.0, 120.0, 240.0]
        >>> backoff(20, timedelta(minutes=1))
        datetime.timedelta(seconds=21600)
    """
    return min(base * (1 << min(max(attempts - 1, 0), 32)), cap)
