"""Many profiles at once: shown traits, identifiers and recent event context.

Rooms that walk over thousands of profiles (enrichment first) paid three or four
queries per profile through ``ProfileReader`` (25-50 ms each). Here a batch of
profiles costs three set-based queries whatever its size, which DuckDB answers in
about the time of one of the per-profile reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from persona360.store.database import Database

_TRAITS_SQL = (
    "WITH ids AS (SELECT unnest($ids) AS profile_id), "
    "members AS (SELECT i.identifier_id, i.profile_id FROM identifiers i JOIN ids USING (profile_id)), "
    "sources_of AS (SELECT m.profile_id, t.name, list(DISTINCT s.name ORDER BY s.name) AS sources "
    "FROM trait_values t JOIN members m ON m.identifier_id = t.anchor_id "
    "JOIN sources s ON s.source_id = t.source_id GROUP BY ALL) "
    "SELECT p.profile_id, p.name, p.value, p.source, p.confidence, p.observed_at, o.sources "
    "FROM profile_traits p JOIN ids USING (profile_id) "
    "LEFT JOIN sources_of o ON o.profile_id = p.profile_id AND o.name = p.name "
    "ORDER BY p.profile_id, p.name"
)
_IDENTIFIERS_SQL = (
    "SELECT i.profile_id, i.kind, i.value, p.last_seen FROM identifiers i "
    "JOIN profiles p USING (profile_id) WHERE i.profile_id IN (SELECT unnest($ids)) "
    "ORDER BY i.profile_id, i.identifier_id"
)
# What the newest events of each profile say of its devices, one row a profile: reading
# the events themselves (up to 100 rows a profile) cost more in Python than the scan.
_RECENT_SQL = (
    "WITH recent AS (SELECT i.profile_id, e.timestamp, e.message_key, "
    "json_extract_string(e.context, '$.ip') AS ip, "
    "json_extract_string(e.context, '$.userAgent') AS user_agent FROM events e "
    "JOIN identifiers i ON i.identifier_id = e.anchor_id WHERE i.profile_id IN (SELECT unnest($ids)) "
    "QUALIFY row_number() OVER (PARTITION BY i.profile_id ORDER BY e.timestamp DESC, e.message_key DESC) "
    "<= $recent) "
    "SELECT profile_id, "
    "list(ip ORDER BY timestamp DESC, message_key DESC) FILTER (WHERE ip <> ''), "
    "list(user_agent ORDER BY timestamp DESC, message_key DESC) FILTER (WHERE user_agent <> '') "
    "FROM recent GROUP BY profile_id"
)


@dataclass
class ProfileSnapshot:
    """What one profile holds, read together with others.

    Attributes:
        profile_id: the profile.
        traits: shown traits: name -> ``{value, source, confidence, observed_at,
            sources}``, where ``sources`` lists every source that gave the trait any value.
        identifiers: ``(kind, value)`` pairs in the order they were first seen.
        last_seen: the profile's newest event time.
        recent: what its newest events say of its devices (None unless asked for,
            or when it has no events).
    """

    profile_id: int
    traits: dict[str, dict[str, Any]] = field(default_factory=dict)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    last_seen: datetime | None = None
    recent: RecentContext | None = None


@dataclass(frozen=True)
class RecentContext:
    """The device context of a profile's newest events.

    Attributes:
        ips: the distinct ``context.ip`` values, newest first.
        user_agents: the distinct ``context.userAgent`` values, newest first.
    """

    ips: tuple[str, ...] = ()
    user_agents: tuple[str, ...] = ()


def read_snapshots(db: Database, profile_ids: Sequence[int], *, recent_events: int = 0) -> list[ProfileSnapshot]:
    """Snapshots of the live profiles among ``profile_ids``, in the given order.

    Args:
        db: the workspace database.
        profile_ids: live profile ids (ids merged away or unknown are left out).
        recent_events: how many of each profile's newest events to read the context
            of (``ip``, ``userAgent``); 0 skips that query.
    """
    ids = list(dict.fromkeys(int(p) for p in profile_ids))
    if not ids:
        return []
    found: dict[int, ProfileSnapshot] = {}
    for profile_id, kind, value, last_seen in db.query(_IDENTIFIERS_SQL, {"ids": ids}):
        snapshot = found.setdefault(profile_id, ProfileSnapshot(profile_id, last_seen=last_seen))
        snapshot.identifiers.append((kind, value))
    for profile_id, name, value, source, confidence, observed_at, sources in db.query(_TRAITS_SQL, {"ids": ids}):
        if profile_id in found:
            found[profile_id].traits[name] = {
                "value": orjson.loads(value),
                "source": source,
                "confidence": confidence,
                "observed_at": observed_at,
                "sources": list(sources or [source]),
            }
    if recent_events > 0:
        for profile_id, ips, agents in db.query(_RECENT_SQL, {"ids": ids, "recent": recent_events}):
            if profile_id in found:
                found[profile_id].recent = RecentContext(
                    tuple(dict.fromkeys(ips or ())),
                    tuple(dict.fromkeys(agents or ())),
                )
    return [found[p] for p in ids if p in found]


def trait_holders(
    db: Database, name: str, *, source_prefix: str | None = None, below: float | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Profiles whose shown ``name`` trait came from ``source_prefix...`` sources, least sure first.

    With ``below``, only values whose confidence is under it.

    Returns:
        ``{profile_id, value, source, confidence}`` rows.
    """
    rows = db.query_dicts(
        "SELECT profile_id, value, source, confidence FROM profile_traits WHERE name = $name "
        "AND ($prefix IS NULL OR starts_with(source, $prefix)) "
        "AND ($below IS NULL OR coalesce(confidence, 1) < $below) "
        "ORDER BY coalesce(confidence, 1), profile_id LIMIT $limit",
        {"name": name, "prefix": source_prefix, "below": below, "limit": max(limit, 0)},
    )
    for row in rows:
        row["value"] = orjson.loads(row["value"])
    return rows


def trait_sources(db: Database, source_prefix: str) -> list[dict[str, Any]]:
    """Per source named ``source_prefix...``: profiles showing a trait from it, in all and per trait.

    Returns:
        ``{source, name, profiles}`` rows by source then name; ``name`` None is the
        source's total (profiles showing at least one of its traits).
    """
    return db.query_dicts(
        "SELECT source, name, count(DISTINCT profile_id) AS profiles FROM profile_traits "
        "WHERE starts_with(source, $prefix) GROUP BY GROUPING SETS ((source, name), (source)) "
        "ORDER BY source, name NULLS FIRST",
        {"prefix": source_prefix},
    )
