"""The audit trail: who did what to whose data, one row per action."""

from __future__ import annotations

from typing import Any

import orjson

from persona360.clock import Clock
from persona360.store.database import Database


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
        ``consent.grant``).
        """
        rows = self.db.query_dicts(
            "SELECT audit_id, logged_at, actor, action, target, detail FROM audit_log "
            "WHERE ($target IS NULL OR target = $target) AND ($actor IS NULL OR actor = $actor) "
            "AND ($action IS NULL OR starts_with(action, $action)) ORDER BY audit_id DESC LIMIT $limit",
            {"target": target, "actor": actor, "action": action, "limit": limit},
        )
        for row in rows:
            row["detail"] = orjson.loads(row["detail"]) if row["detail"] else None
        return rows
