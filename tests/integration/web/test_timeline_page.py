""" "Load older events" opened in a new tab is a whole page; the card's script gets the rows alone.

The link once answered a bare, unstyled list with no title and no navigation. The real
app over ASGI on a real workspace file, logged in (``pages.fetch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from integration.web.pages import fetch, shop_workspace
from persona360 import Workspace
from persona360.web.profile_pages import TIMELINE_PAGE


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, int]]:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    traits = {"email": "marta@example.org", "firstName": "Marta", "lastName": "Koval"}
    moments = [(start + timedelta(minutes=i)).isoformat() for i in range(TIMELINE_PAGE + 5)]
    views = [{"type": "track", "userId": "u1", "event": "Product Viewed", "timestamp": at} for at in moments]
    with shop_workspace(
        tmp_path_factory, "web-timeline", [{"type": "identify", "userId": "u1", "traits": traits}, *views]
    ) as ws:
        yield ws, ws.profiles.find("email", "marta@example.org")


def older_link(html: str) -> str:
    found = re.search(r'id="timeline-more" href="([^"]+)"', html)
    assert found, html
    return found.group(1).replace("&amp;", "&")


def test_the_older_events_link_opens_a_whole_page(shop: tuple[Workspace, int]) -> None:
    ws, profile_id = shop
    (card,) = fetch(ws, f"/profiles/{profile_id}")
    (older,) = fetch(ws, older_link(card))
    assert older.startswith("<!doctype html>")
    assert "<title>Marta Koval: older events · persona360</title>" in older
    assert 'aria-label="Main"' in older and 'href="/static/app.css"' in older
    assert f'href="/profiles/{profile_id}">← Back to Marta Koval' in older
    assert older.count('<li class="event') == 6  # the 35 events and the identify, after the card's 30


def test_the_script_gets_the_rows_alone_with_the_next_cursor(shop: tuple[Workspace, int]) -> None:
    ws, profile_id = shop
    (card,) = fetch(ws, f"/profiles/{profile_id}")
    cursor = re.search(r'data-next="([^"]+)"', card)
    assert cursor
    (rows,) = fetch(ws, f"/profiles/{profile_id}/timeline?cursor={quote(cursor.group(1))}&type=&part=rows")
    assert rows.lstrip().startswith('<li class="event') and "<title>" not in rows and "<nav" not in rows
