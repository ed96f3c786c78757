"""The audit trail: who did what to whose data, one row per action.

A merge names one profile as its target but joins two: the entry lists both ids in its
detail's ``joined``, and reading the trail of ``profile:N`` finds it under either
(see :data:`_READ_SQL`).
"""

from __future__ import annotations

from typing import Any

import orjson

from persona360.clock import Clock
from persona360.store.database import Database

# An entry is about ``$target`` when it names it, or, for ``profile:N``, when its detail
# names profile N as one the action joined (``joined``: merges, review accepts) or, in
# entries written before ``joined`` was kept, as the profile a review accept merged into
# or the one an unmerge split off. TRY_CAST: another action's detail may hold a
# ``joined`` of another shape.
_READ_SQL = """
SELECT audit_id, logged_at, actor, action, target, detail FROM audit_log
WHERE (
    $target IS NULL OR target = $target
    OR ($profile IS NOT NULL AND (
        list_contains(coalesce(TRY_CAST(json_extract(detail, '$.joined') AS BIGINT[]), []), $profile)
        OR (action = 'resolution.accept' AND TRY_CAST(json_extract(detail, '$.profile_id') AS BIGINT) = $profile)
        OR (action = 'identity.unmerge' AND TRY_CAST(json_extract(detail, '$.new_profile') AS BIGINT) = $profile)
    ))
)
AND ($actor IS NULL OR actor = $actor) AND ($action IS NULL OR starts_with(action, $action))
ORDER BY audit_id DESC LIMIT $limit
"""


class AuditLog:
    """Writes and reads the ``audit_log`` table."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def write(self, actor: str, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        """Append one entry (joins the caller's transaction when there is one)."""
        text = orjson.dumps(detail, default=str).decode() if detail else None
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO audit_log (logged_at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                [self.clock.now(), actor, action, target, text],
            )

    def read(
        self, limit: int = 100, target: str | None = None, actor: str | None = None, action: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest ``limit`` entries, optionally filtered.

        ``target`` and ``actor`` match exactly; ``action`` is a prefix (``consent`` matches
        ``consent.grant``). A ``profile:N`` target also matches the merges that joined
        profile N under another target (a review accept is logged as ``pair:ID``, a merge
        under the profile kept), since a person asking for a profile's trail expects them.
        """
        rows = self.db.query_dicts(
            _READ_SQL,
            {"target": target, "profile": profile_number(target), "actor": actor, "action": action, "limit": limit},
        )
        for row in rows:
            row["detail"] = orjson.loads(row["detail"]) if row["detail"] else None
        return rows


def profile_number(target: str | None) -> int | None:
    """The N of a ``profile:N`` target, else None.

    Example:
        >>> profile_number("profile:42"), profile_number("pair:7"), profile_number("profile:x")
        (42, None, None)
    """
    if target is None or not target.startswith("profile:"):
        return None
    number = target.removeprefix("profile:")
    return int(number) if number.isdigit() else None
