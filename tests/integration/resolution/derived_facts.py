"""Checks shared by the tests of the facts the resolution rules read (``anchor_addresses``, ``anonymous_spans``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.settings import load_settings
from persona360.store.tables.resolution import MIGRATIONS


def assert_rebuilt_and_refilled_alike(ws: Workspace, table: str, migration: str) -> list[tuple[Any, ...]]:
    """A rebuild, and a workspace from before ``table`` (its migration's fill), hold the rows the writes left."""
    rows = f"SELECT * FROM {table} ORDER BY ALL"  # noqa: S608
    live = ws.db.query(rows)
    ws.profiles.rebuild()
    assert ws.db.query(rows) == live
    (_, [_, fill]) = next(m for m in MIGRATIONS if m[0] == migration)
    with ws.db.transaction() as tx:
        tx.execute(f"DELETE FROM {table}")  # noqa: S608
        tx.execute(fill)
    assert ws.db.query(rows) == live
    return live


def pages_under_retention(tmp_path: Path, clock: FixedClock, pages: list[dict[str, Any]]) -> Workspace:
    """A workspace keeping pages 30 days that holds ``pages``, sent by source ``web``."""
    ws = Workspace(load_settings(db=tmp_path / "ws.duckdb", retention_days={"type:page": 30}), clock, create=True)
    ws.access.add_source("web")
    ws.ingest.send("web", pages)
    return ws
