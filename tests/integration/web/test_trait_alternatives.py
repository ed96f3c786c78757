"""A trait's other values on the card: one entry per value and source, never a count of rows the list then hides.

The shown email came back once per identifier that carried it, so the card said "3 other
values" and opened on an empty list.
"""

from __future__ import annotations

from pathlib import Path

from integration.web.pages import fetch
from persona360 import Workspace


def test_the_card_counts_the_alternatives_it_lists(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        for source in ("shop", "support"):
            ws.access.add_source(source)
        ws.ingest.send(
            "shop",
            [
                # anchored at the email (a visitor), then at the user id: one value, two rows
                {"type": "identify", "anonymousId": "a1", "traits": {"email": "jane@example.org"}},
                {"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org"}},
            ],
        )
        ws.ingest.send("support", [{"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org"}}])
        person = ws.profiles.find("user_id", "u1")
        email = ws.profiles.show(person)["traits"]["email"]
        assert len(email["values"]) >= 3  # one row per identifier and source
        [other] = email["others"]  # the same address, confirmed by the other source
        assert other["value"] == "jane@example.org" and other["source"] != email["source"]
        [card] = fetch(ws, f"/profiles/{person}")
    assert "1 other value or source</summary>" in card
