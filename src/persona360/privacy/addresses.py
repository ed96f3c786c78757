"""Contact addresses per purpose: an address is used only for what it was collected for.

Each source may declare the purposes its data was collected for
(``PERSONA360_SOURCE_PURPOSES``). An address counts as supplied by every source that
sent it: the source that first saw it and every source whose events carried it.
"""

from __future__ import annotations

from persona360.store.database import Database

# Every source that supplied each address of one kind held by the profile, oldest first.
_SUPPLIERS_SQL = """
WITH mine AS (SELECT identifier_id, kind, value, first_seen, source_id FROM identifiers
              WHERE profile_id = $profile_id),
carried AS (
    SELECT DISTINCT e.source_id, u.pair[1] AS kind, u.pair[2] AS value
    FROM events e, unnest(from_json(e.identifiers, '[["VARCHAR"]]')) AS u(pair)
    WHERE e.anchor_id IN (SELECT identifier_id FROM mine))
SELECT m.value, list(DISTINCT s.name) AS sources
FROM mine m
LEFT JOIN carried c ON c.kind = m.kind AND c.value = m.value
JOIN sources s ON s.source_id = c.source_id OR s.source_id = m.source_id
WHERE m.kind = $kind
GROUP BY m.value, m.first_seen ORDER BY m.first_seen, m.value
"""


def addresses_for(
    db: Database,
    profile_id: int,
    kind: str,
    purpose: str,
    source_purposes: dict[str, list[str]],
    granted_on_channel: bool,
) -> list[str]:
    """The profile's addresses of ``kind`` that may be used for ``purpose``.

    Args:
        db: the workspace database.
        profile_id: the live profile.
        kind: ``email`` or ``phone``.
        purpose: what the address would be used for.
        source_purposes: source name -> purposes it collected for (absent: every purpose).
        granted_on_channel: the person granted ``purpose`` on the address's channel, which
            lifts the sources' limits.
    """
    rows = db.query(_SUPPLIERS_SQL, {"profile_id": profile_id, "kind": kind})
    if granted_on_channel:
        return [str(value) for value, _ in rows]
    return [
        str(value)
        for value, sources in rows
        if any(source not in source_purposes or purpose in source_purposes[source] for source in sources)
    ]
