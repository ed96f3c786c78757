"""The writer's memory of observed identifier sets changes nothing it stores.

The writer skips observing a set of identifiers it has observed before (an import
repeats a customer's identifiers on every order, across transactions). The same
writes, unmerge and reload with that memory switched off must leave the same graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest import writer
from persona360.settings import load_settings

TABLES = ("identifiers", "edges", "identity_log", "profiles", "profile_redirects")


def identify(message_id: str, user: str, email: str) -> dict[str, Any]:
    return {"type": "identify", "messageId": message_id, "userId": user, "traits": {"email": email}}


def story(folder: Path, clock: FixedClock) -> dict[str, list[tuple[object, ...]]]:
    """Link, unmerge, link again (same set), reload the graph, link again, then more writes."""
    folder.mkdir()
    ws = Workspace(load_settings(db=folder / "ws.duckdb"), clock, create=True)
    ws.access.ensure_source("app")
    ws.ingest.send("app", [identify("m1", "u1", "a@x.org"), identify("m2", "u2", "b@x.org")])
    ws.identity.unmerge(("email", "a@x.org"))
    ws.ingest.send("app", [identify("m3", "u1", "a@x.org")])
    ws.writer.reload()
    ws.ingest.send("app", [identify("m4", "u1", "a@x.org"), identify("m5", "u2", "b@x.org")])
    ws.ingest.send("app", [identify("m6", "u2", "b@x.org"), identify("m7", "u3", "b@x.org")])
    tables = {table: ws.db.query(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}
    # an unmerge's message id is random; the other events' anchors are what stitching chose
    tables["anchors"] = ws.db.query("SELECT message_id, anchor_id FROM events WHERE type <> 'unmerge' ORDER BY ALL")
    ws.close()
    return tables


def test_remembered_sets_store_what_observing_every_time_stores(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    remembered = story(tmp_path / "remembered", clock)
    monkeypatch.setattr(writer.ObservedSets, "remember", lambda self, key, anchor: None)
    observed = story(tmp_path / "observed", clock)
    assert any(row[4] == "blocked" for row in observed["edges"]) or observed["identity_log"]
    assert len(observed["anchors"]) == 7
    for table in (*TABLES, "anchors"):
        assert remembered[table] == observed[table], table
