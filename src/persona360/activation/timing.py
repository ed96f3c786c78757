"""When a profile may be messaged: control arm, frequency cap and quiet hours."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def bucket(campaign: str, profile_id: int) -> float:
    """A deterministic number in [0, 1) for a profile in a campaign (the control draw)."""
    digest = hashlib.sha256(f"{campaign}\x00{profile_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def arm(campaign: str, profile_id: int, control_share: float) -> str:
    """``"control"`` for a deterministic ``control_share`` of profiles, else ``"treatment"``."""
    return "control" if bucket(campaign, profile_id) < control_share else "treatment"


def zone(name: object, default: str) -> ZoneInfo:
    """The time zone named by a ``timezone`` trait, or ``default`` when unknown."""
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo(default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def quiet_until(now: datetime, tz: ZoneInfo, quiet: tuple[int, int]) -> datetime | None:
    """The end of the quiet hours ``now`` falls in, in UTC; None if it is not quiet.

    Equal start and end hours mean no quiet hours at all.

    Example:
        >>> from datetime import UTC
        >>> quiet_until(datetime(2026, 1, 1, 22, tzinfo=UTC), ZoneInfo("UTC"), (21, 9)).isoformat()
        '2026-01-02T09:00:00+00:00'
    """
    start, end = quiet
    if start == end:  # an empty window: no quiet hours
        return None
    local = now.astimezone(tz)
    hour = local.hour
    in_quiet = start <= hour < end if start < end else hour >= start or hour < end
    if not in_quiet:
        return None
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(now.tzinfo)
