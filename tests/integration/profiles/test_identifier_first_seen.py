"""An identifier was first seen when the earliest event or record carrying it happened, not when it was imported.

The profile card said "First seen 79 d ago" for the person and "first seen 1 min ago" for
each of their identifiers: the identity graph keeps when it first received an identifier
(``identifiers.first_seen``, the import time). The card now shows the time of the earliest
event carrying it, and the source of that event; the receipt time is kept beside it. A
link between two identifiers is likewise shown at the time of the event that made it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integration.web.pages import fetch
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest.importers.mapping import ColumnMapping
from persona360.settings import load_settings

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
EIGHTY_DAYS_AGO = NOW - timedelta(days=80)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), FixedClock(NOW), create=True) as workspace:
        workspace.access.add_source("web")
        yield workspace


def identify(moment: datetime, **traits: str) -> dict[str, object]:
    return {"type": "identify", "userId": "ann", "traits": traits, "timestamp": moment.isoformat()}


def seen(ws: Workspace) -> dict[str, tuple[datetime, str, datetime]]:
    rows = ws.profiles.identifiers(ws.profiles.find("user_id", "ann"))
    return {row["kind"]: (row["first_seen"], row["source"], row["first_received"]) for row in rows}


def test_an_identifier_was_first_seen_at_its_earliest_events_time(ws: Workspace) -> None:
    ws.ingest.send("web", [identify(EIGHTY_DAYS_AGO), identify(NOW - timedelta(days=3), email="ann@example.org")])
    assert seen(ws) == {
        "user_id": (EIGHTY_DAYS_AGO, "web", NOW),
        "email": (NOW - timedelta(days=3), "web", NOW),
    }


def test_an_import_of_older_records_moves_first_seen_back_and_names_its_source(ws: Workspace, tmp_path: Path) -> None:
    ws.ingest.send("web", [identify(NOW - timedelta(days=3), email="ann@example.org")])
    orders = tmp_path / "crm.csv"
    orders.write_text(f"email,joined\nann@example.org,{EIGHTY_DAYS_AGO.isoformat()}\n")
    mapping = ColumnMapping({"email": "email", "joined": "timestamp"})
    ws.ingest.import_file(orders, source="crm", kind="customers", mapping=mapping)
    assert seen(ws)["email"] == (EIGHTY_DAYS_AGO, "crm", NOW)
    ws.profiles.rebuild()
    assert seen(ws)["email"] == (EIGHTY_DAYS_AGO, "crm", NOW)  # derived from the events: a rebuild agrees


def test_a_manual_merge_is_not_when_an_identifier_was_seen(ws: Workspace) -> None:
    ws.ingest.send("web", [identify(EIGHTY_DAYS_AGO)])
    ws.ingest.send("web", [{"type": "identify", "userId": "bob", "timestamp": EIGHTY_DAYS_AGO.isoformat()}])
    ws.identity.merge(("user_id", "ann"), ("user_id", "bob"))
    rows = ws.profiles.identifiers(ws.profiles.find("user_id", "bob"))
    assert [(row["value"], row["first_seen"]) for row in rows] == [("ann", EIGHTY_DAYS_AGO), ("bob", EIGHTY_DAYS_AGO)]


def test_the_card_agrees_with_itself(ws: Workspace) -> None:
    ws.ingest.send("web", [identify(EIGHTY_DAYS_AGO, email="ann@example.org")])
    page = fetch(ws, f"/profiles/{ws.profiles.find('user_id', 'ann')}")[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "First seen 80 d ago" in text
    assert text.count("first seen 80 d ago") == 2 and "first seen 0 s ago" not in text
    assert text.count("via web, 80 d ago") == 2  # the link, from each side: when the identify happened
