"""Both forms of the fact upserts (one statement for small batches, UPDATE + anti-join INSERT
for large ones) leave the same facts, on new keys and on keys already stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.profiles import facts
from persona360.settings import load_settings

TABLES = ("trait_values", "anchor_stats", "anchor_event_counts", "anchor_tags", "orders")


def calls(wave: int) -> list[dict[str, Any]]:
    """Identify and track calls of 30 people; a second wave repeats some keys, adds others."""
    out: list[dict[str, Any]] = []
    for person in range(30):
        user = f"u{person % (20 + 10 * wave)}"
        out.append(
            {
                "type": "identify",
                "userId": user,
                "messageId": f"i{wave}-{person}",
                "timestamp": f"2026-0{wave + 1}-0{person % 9 + 1}T10:00:00Z",
                "traits": {"email": f"{user}@x.org", "plan": ["free", "pro"][(person + wave) % 2]},
            }
        )
        out.append(
            {
                "type": "track",
                "userId": user,
                "event": ["Viewed", "Order Completed"][person % 2],
                "messageId": f"t{wave}-{person}",
                "timestamp": f"2026-0{wave + 1}-1{person % 9}T10:00:00Z",
                "properties": {"order_id": f"o{person}", "revenue": person},
            }
        )
    return out


def facts_after_two_waves(folder: Path, clock: FixedClock) -> dict[str, list[tuple[object, ...]]]:
    folder.mkdir()
    ws = Workspace(load_settings(db=folder / "ws.duckdb"), clock, create=True)
    ws.access.ensure_source("app")
    for wave in (0, 1):
        ws.ingest.send("app", calls(wave))
    tables = {table: ws.db.query(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}
    ws.close()
    return tables


def test_the_split_upserts_store_what_the_single_statements_store(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = facts_after_two_waves(tmp_path / "single", clock)
    monkeypatch.setattr(facts, "SPLIT_ROWS", 1)
    split = facts_after_two_waves(tmp_path / "split", clock)
    assert single["anchor_stats"] and single["trait_values"] and single["anchor_event_counts"]
    assert any(row[6] > 1 for row in single["trait_values"]), "no trait was upserted onto a stored key"
    for table in TABLES:
        assert split[table] == single[table], table
