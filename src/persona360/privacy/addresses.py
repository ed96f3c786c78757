"""Contact addresses per purpose: an address is used only for what it was collected for.

Each source may declare the purposes its data was collected for
(``PERSONA360_SOURCE_PURPOSES``). An address counts as supplied by every source that
sent it: the source that first saw it and every source whose events carried it. It may
be used for a purpose when one of its sources collected for that purpose, or when the
person granted that purpose on the address's channel itself.

One function serves one profile (``ws.privacy.addresses``) and a campaign's whole
audience (``addresses_many``): a batched sender must not skip the limits a single
lookup keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from persona360.store.database import Database

# Every source that supplied each address of one kind held by the profiles, oldest first.
_SUPPLIERS_SQL = """
WITH mine AS (SELECT identifier_id, kind, value, first_seen, source_id, profile_id FROM identifiers
              WHERE profile_id IN (SELECT unnest($ids::BIGINT[]))),
carried AS (
    SELECT DISTINCT e.source_id, u.pair[1] AS kind, u.pair[2] AS value
    FROM events e, unnest(from_json(e.identifiers, '[["VARCHAR"]]')) AS u(pair)
    WHERE e.anchor_id IN (SELECT identifier_id FROM mine) AND u.pair[1] = $kind)
SELECT m.profile_id, m.value, list(DISTINCT s.name) AS sources
FROM mine m
LEFT JOIN carried c ON c.kind = m.kind AND c.value = m.value
JOIN sources s ON s.source_id = c.source_id OR s.source_id = m.source_id
WHERE m.kind = $kind
GROUP BY m.profile_id, m.value, m.first_seen ORDER BY m.profile_id, m.first_seen, m.value
"""
# When no source limits the purpose: every address of the kind, oldest first.
_ALL_SQL = """
SELECT profile_id, value, [] AS sources FROM identifiers
WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) AND kind = $kind
ORDER BY profile_id, first_seen, value
"""
# The profiles with a live grant of the purpose on the channel itself (not purpose-wide).
_GRANTED_SQL = """
SELECT DISTINCT profile_id FROM consent_current
WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) AND purpose = $purpose AND channel = $channel
  AND granted AND (expires_at IS NULL OR expires_at > $now)
"""


def addresses_for(
    db: Database,
    profile_ids: Iterable[int],
    kind: str,
    purpose: str,
    channel: str,
    source_purposes: dict[str, list[str]],
    now: datetime,
) -> dict[int, list[str]]:
    """The profiles' addresses of ``kind`` that may be used for ``purpose`` on ``channel``.

    Args:
        db: the workspace database.
        profile_ids: live profiles.
        kind: ``email`` or ``phone``.
        purpose: what the addresses would be used for.
        channel: the channel they would be used on (a grant on it lifts the sources' limits).
        source_purposes: source name -> purposes it collected for (absent: every purpose).
        now: when, for the expiry of grants.

    Returns:
        Profile id -> its usable addresses, oldest first; profiles without one left out.
    """
    ids = list(profile_ids)
    params = {"ids": ids, "kind": kind}
    if all(purpose in purposes for purposes in source_purposes.values()):
        return _grouped(db.query(_ALL_SQL, params), lambda profile, sources: True)
    grant = {"ids": ids, "purpose": purpose, "channel": channel, "now": now}
    granted = {int(row[0]) for row in db.query(_GRANTED_SQL, grant)}
    return _grouped(
        db.query(_SUPPLIERS_SQL, params),
        lambda profile, sources: (
            profile in granted
            or any(source not in source_purposes or purpose in source_purposes[source] for source in sources)
        ),
    )


def _grouped(rows: list[tuple[Any, ...]], usable: Callable[[int, list[str]], bool]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for profile_id, value, sources in rows:
        if usable(int(profile_id), sources):
            found.setdefault(int(profile_id), []).append(str(value))
    return found
