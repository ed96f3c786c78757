"""``anchor_addresses``: where each identifier was seen, kept with the activity facts for the network rules.

The home network and device handover rules read it instead of every event's JSON; so it
must hold what that JSON says, batch after batch, after a rebuild, after retention
deleted events, for a workspace from before the table, and nothing once a person is erased.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import NOW

from integration.resolution.derived_facts import assert_rebuilt_and_refilled_alike, pages_under_retention
from persona360 import Workspace
from persona360.clock import FixedClock

ROWS = "SELECT anchor_id, ip, events, first_seen, last_seen, locale FROM anchor_addresses ORDER BY ALL"


def _page(user: str, hours_ago: float, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "page",
        "anonymousId": user,
        "name": "Home",
        "context": context,
        "timestamp": (NOW - timedelta(hours=hours_ago)).isoformat(),
    }


def _addresses(ws: Workspace, anonymous_id: str) -> dict[str, tuple[int, float, float, str]]:
    """ip -> (events, hours ago first, hours ago last, locale) of one anonymous id's anchor."""
    rows = ws.db.query(
        "SELECT a.ip, a.events, a.first_seen, a.last_seen, a.locale FROM anchor_addresses a "
        "JOIN identifiers i ON i.identifier_id = a.anchor_id WHERE i.kind = 'anonymous_id' AND i.value = ?",
        [anonymous_id],
    )
    hours = lambda at: round((NOW - at).total_seconds() / 3600, 3)  # noqa: E731
    return {ip: (n, hours(first), hours(last), locale) for ip, n, first, last, locale in rows}


@pytest.fixture
def web(workspace: Workspace) -> Workspace:
    workspace.access.add_source("web")
    return workspace


def test_each_address_keeps_its_count_first_and_last_time_and_latest_locale_across_batches(web: Workspace) -> None:
    web.ingest.send(
        "web",
        [
            _page("a1", 30, {"ip": " 2001:DB8::1 ", "locale": "uk-UA"}),
            _page("a1", 20, {"ip": "2001:db8::1", "locale": "en-GB"}),
            _page("a1", 10, {"ip": "198.51.100.7"}),
        ],
    )
    web.ingest.send("web", [_page("a1", 40, {"ip": "2001:db8::1", "locale": "pl-PL"})])  # older, in a later batch
    assert _addresses(web, "a1") == {
        "2001:db8::1": (3, 40.0, 20.0, "en-GB"),  # trimmed and lower-cased; the locale of the latest event there
        "198.51.100.7": (1, 10.0, 10.0, ""),
    }
    web.ingest.send("web", [_page("a1", 1, {"ip": "2001:db8::1", "locale": "de-DE"})])
    assert _addresses(web, "a1")["2001:db8::1"] == (4, 40.0, 1.0, "de-DE")


def test_an_address_that_is_blank_or_not_text_is_not_kept(web: Workspace) -> None:
    web.ingest.send(
        "web",
        [
            _page("a1", 3, {"ip": "  "}),
            _page("a1", 2, {"ip": 3232235777, "locale": "uk-UA"}),
            _page("a1", 1, {"locale": "uk-UA"}),
        ],
    )
    assert _addresses(web, "a1") == {}


def test_a_rebuild_and_a_workspace_from_before_the_table_hold_the_same_rows(web: Workspace) -> None:
    web.ingest.send(
        "web",
        [_page(f"a{n % 3}", n, {"ip": f"192.0.2.{n % 2}", "locale": ["uk-UA", "en-GB"][n % 2]}) for n in range(9)]
        + [{**_page("a1", 0.5, {"ip": "192.0.2.9"}), "userId": "u1"}],
    )
    live = assert_rebuilt_and_refilled_alike(web, "anchor_addresses", "resolution_2")
    assert len(live) == 7  # three anonymous ids on two addresses each, and u1 on a third


def test_retention_takes_the_addresses_of_deleted_events_with_them(tmp_path: Path, clock: FixedClock) -> None:
    ws = pages_under_retention(
        tmp_path,
        clock,
        [
            _page("a1", 24 * 40, {"ip": "198.51.100.7", "locale": "uk-UA"}),
            _page("a1", 24 * 35, {"ip": "2001:db8::1", "locale": "uk-UA"}),
            _page("a1", 24 * 2, {"ip": "2001:db8::1", "locale": "en-GB"}),
        ],
    )
    assert ws.privacy.retention().events == 2
    assert _addresses(ws, "a1") == {"2001:db8::1": (1, 48.0, 48.0, "en-GB")}
    ws.close()


def test_erasure_leaves_no_address_behind(web: Workspace) -> None:
    web.ingest.send("web", [{**_page("a1", 1, {"ip": "198.51.100.7"}), "userId": "u1"}, _page("a2", 1, {"ip": "x"})])
    web.privacy.erase(web.profiles.find("user_id", "u1"))
    assert [ip for _, ip, *_ in web.db.query(ROWS)] == ["x"]
