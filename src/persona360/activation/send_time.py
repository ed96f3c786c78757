"""Send-time optimisation: each message waits for the hour its person usually reads.

A profile's best hour is a local hour in its time zone, read in this order:

1. this room's own reading: the most frequent local hour of the profile's opens and
   clicks over the last ``WINDOW`` (a tie goes to the hour seen last), once there are
   at least ``MIN_INTERACTIONS`` of them;
2. else the ``best_send_hour`` computed trait of the segments room, which is an hour of
   UTC (``most_frequent_hour``), turned into the local hour it is today;
3. else none: the message goes at once.

The message is then due at the next start of that local hour (now, if the hour has
begun), and quiet hours still apply after it, so a best hour that falls in them waits
for their end.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from persona360.store.database import Database

WINDOW = timedelta(days=180)
MIN_INTERACTIONS = 2
COMPUTED = "best_send_hour"


def interaction_times(db: Database, profile_ids: list[int], now: datetime) -> dict[int, list[datetime]]:
    """Opens and clicks of each profile in ``WINDOW`` before ``now``, oldest first, in one query."""
    if not profile_ids:
        return {}
    rows = db.query(
        "SELECT profile_id, occurred_at FROM activation_events WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) "
        "AND occurred_at > $since AND occurred_at <= $now ORDER BY profile_id, occurred_at",
        {"ids": profile_ids, "since": now - WINDOW, "now": now},
    )
    times: dict[int, list[datetime]] = {}
    for profile_id, occurred_at in rows:
        times.setdefault(int(profile_id), []).append(occurred_at)
    return times


def best_hour(times: list[datetime], tz: ZoneInfo, computed: object, now: datetime) -> int | None:
    """The profile's best local hour (0-23), or None when nothing says.

    Example:
        >>> kyiv = ZoneInfo("Europe/Kyiv")
        >>> opens = [datetime(2026, 6, d, 16, 5, tzinfo=UTC) for d in (1, 2, 3)]
        >>> best_hour(opens, kyiv, None, datetime(2026, 6, 10, tzinfo=UTC))
        19
        >>> best_hour([], kyiv, "6", datetime(2026, 1, 10, tzinfo=UTC))  # 06 UTC in winter Kyiv
        8
    """
    if len(times) >= MIN_INTERACTIONS:
        hours = [t.astimezone(tz).hour for t in times]
        counts = Counter(hours)
        last_seen = {hour: index for index, hour in enumerate(hours)}
        return max(counts, key=lambda hour: (counts[hour], last_seen[hour]))
    try:
        utc_hour = int(float(str(computed)))
    except ValueError:
        return None
    if not 0 <= utc_hour < 24:
        return None
    return now.astimezone(UTC).replace(hour=utc_hour, minute=0, second=0, microsecond=0).astimezone(tz).hour


def at_hour(now: datetime, tz: ZoneInfo, hour: int) -> datetime:
    """The next start of local ``hour`` in ``tz``, in UTC (``now`` itself while that hour runs).

    Example:
        >>> kyiv = ZoneInfo("Europe/Kyiv")
        >>> at_hour(datetime(2026, 6, 1, 10, 30, tzinfo=UTC), kyiv, 19).isoformat()  # 13:30 local
        '2026-06-01T16:00:00+00:00'
        >>> at_hour(datetime(2026, 6, 1, 17, 30, tzinfo=UTC), kyiv, 19).isoformat()  # 20:30 local
        '2026-06-02T16:00:00+00:00'
    """
    local = now.astimezone(tz)
    if local.hour == hour:
        return now
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if start <= local:
        start = (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC)
