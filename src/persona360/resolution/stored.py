"""What one ``resolve`` run leaves for the next: the model and how far it looked.

The model is Splink's settings with their trained m and u probabilities (no record
values: term frequencies are counted again on each run), kept in ``meta`` with the
highest identifier id the run saw. A later run scores only profiles that hold an
identifier above that mark (new people, and old ones a new identifier reached) with
the stored model, without training again.
"""

from __future__ import annotations

from typing import Any

import orjson

from persona360.store.database import Database

MODEL_KEY = "resolution_model"
WATERMARK_KEY = "resolution_watermark"

_NEW_PROFILES = "SELECT DISTINCT profile_id FROM identifiers WHERE identifier_id > $mark"


def load_model(db: Database) -> tuple[dict[str, Any] | None, int]:
    """The stored model (``None`` before the first run) and the identifier mark."""
    rows: dict[str, str] = dict(
        db.query("SELECT key, value FROM meta WHERE key IN ($m, $w)", {"m": MODEL_KEY, "w": WATERMARK_KEY})
    )
    model = orjson.loads(rows[MODEL_KEY]) if MODEL_KEY in rows else None
    return model, int(rows.get(WATERMARK_KEY, 0))


def save_model(db: Database, model: dict[str, Any] | None, mark: int) -> None:
    """Keep ``model`` (when there is one) and ``mark`` for the next run."""
    with db.transaction() as tx:
        if model is not None:
            tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [MODEL_KEY, orjson.dumps(model).decode()])
        tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [WATERMARK_KEY, str(mark)])


def identifier_mark(db: Database) -> int:
    """The highest identifier id now stored (the mark the next run starts above)."""
    return int(db.scalar("SELECT coalesce(max(identifier_id), 0) FROM identifiers"))


def new_profiles(db: Database, mark: int) -> set[int]:
    """Profiles holding an identifier created after ``mark``."""
    return {int(row[0]) for row in db.query(_NEW_PROFILES, {"mark": mark})}
