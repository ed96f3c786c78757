"""The settings a workspace keeps (``workspace_settings``), as the user set them.

Which settings may be kept, and how they combine with the environment, is decided in
``persona360/settings.py``; this module only reads and writes the rows. Values are
stored as JSON, so a list (``exchange_rates``) comes back as a list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from persona360.store.database import Database


def stored_settings(db: Database) -> dict[str, Any]:
    """Every setting the workspace keeps, by name.

    Example:
        >>> db = Database(":memory:")
        >>> store_setting(db, "reporting_currency", "UAH", datetime(2026, 1, 1))
        >>> stored_settings(db)
        {'reporting_currency': 'UAH'}
    """
    rows = db.query("SELECT name, value FROM workspace_settings ORDER BY name")
    return {name: orjson.loads(value) for name, value in rows}


def store_setting(db: Database, name: str, value: Any, when: datetime) -> None:
    """Keep ``value`` as the workspace's ``name`` (replacing what it kept)."""
    with db.transaction() as tx:
        tx.execute(
            "INSERT OR REPLACE INTO workspace_settings VALUES (?, ?, ?)", [name, orjson.dumps(value).decode(), when]
        )


def forget_setting(db: Database, name: str) -> bool:
    """Stop keeping ``name``; return whether the workspace kept it."""
    with db.transaction() as tx:
        kept = tx.fetchone("SELECT count(*) FROM workspace_settings WHERE name = ?", [name])
        tx.execute("DELETE FROM workspace_settings WHERE name = ?", [name])
    return bool(kept and kept[0])
