"""A trait from an imported file with no time column is shown as undated, not as fresh.

Such a row is stamped with the import's time (ingest/importers/rows.py marks it undated,
and it counts as no activity): the card then said "1 min ago" for a CRM value that may
be years old, and never flagged it stale. Its age is unknown, and the card says so.

For choosing the shown value, though, such a row counts as observed when it was imported:
an export holds what its system knew when it was taken, which is when it was imported.
A CRM's corrected phone then replaces an older web form's, and a value dated after the
import replaces the CRM's (the trait_policy setting and the README say so).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integration.web.pages import fetch
from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.ingest.importers.mapping import ColumnMapping
from persona360.settings import load_settings

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), FixedClock(NOW), create=True) as workspace:
        workspace.access.add_source("web")
        old = (NOW - timedelta(days=500)).isoformat()
        workspace.ingest.send("web", [{"type": "identify", "userId": "ann", "timestamp": old,
                                       "traits": {"email": "ann@example.org", "city": "Lviv"}}])  # fmt: skip
        crm = tmp_path / "crm.csv"
        crm.write_text("email,tier\nann@example.org,gold\n")
        mapping = ColumnMapping({"email": "email", "tier": "trait:tier"})
        workspace.ingest.import_file(crm, source="crm", kind="customers", mapping=mapping)
        yield workspace


def test_a_trait_from_an_undated_row_is_marked_undated_and_never_stale(ws: Workspace) -> None:
    traits = ws.profiles.traits(ws.profiles.find("user_id", "ann"), now=NOW)
    assert (traits["tier"]["undated"], traits["tier"]["stale"]) == (True, False)
    assert (traits["city"]["undated"], traits["city"]["stale"]) == (False, True)  # dated, 500 days old


def test_the_card_and_the_cli_say_undated(ws: Workspace, tmp_path: Path) -> None:
    profile_id = ws.profiles.find("user_id", "ann")
    page = fetch(ws, f"/profiles/{profile_id}")[0]
    row = " ".join(re.sub(r"<[^>]+>", " ", page.split(">tier</th>")[1].split("</tr>")[0]).split())
    assert row == "gold crm undated 100 %"
    ws.close()
    shown = CliRunner().invoke(app, ["--db", str(tmp_path / "ws.duckdb"), "profile", "show", "user_id:ann"])
    assert "undated (imported" in " ".join(shown.output.split())


def test_an_undated_row_ranks_as_observed_at_its_import(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True) as ws:
        ws.access.add_source("web")

        def identify(city: str, at: datetime) -> None:
            traits = {"email": "ann@example.org", "city": city}
            ws.ingest.send(
                "web", [{"type": "identify", "userId": "ann", "timestamp": at.isoformat(), "traits": traits}]
            )

        def shown() -> tuple[str, str, datetime]:
            city = ws.profiles.traits(ws.profiles.find("user_id", "ann"), now=clock.now())["city"]
            return city["value"], city["source"], city["observed_at"]

        identify("Lviv", NOW - timedelta(days=30))
        crm = tmp_path / "crm.csv"
        crm.write_text("email,city\nann@example.org,Kyiv\n")
        ws.ingest.import_file(
            crm, source="crm", kind="customers", mapping=ColumnMapping({"email": "email", "city": "trait:city"})
        )
        assert shown() == ("Kyiv", "crm", NOW)
        clock.advance(hours=2)
        identify("Odesa", NOW - timedelta(hours=1))  # arrives later, but is dated before the import
        assert shown() == ("Kyiv", "crm", NOW)
        identify("Dnipro", NOW + timedelta(hours=1))
        assert shown()[:2] == ("Dnipro", "web")
