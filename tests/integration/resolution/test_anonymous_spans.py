"""``anonymous_spans``: each anonymous id's first and last event and their devices, kept with the activity facts.

The device handover rule reads it instead of every anonymous id's events; so it must
hold what those events say, batch after batch (late events included), when the id
logs in, after a rebuild, after retention deleted events, for a workspace from before
the table, and nothing once a person is erased.
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

ROWS = "SELECT * FROM anonymous_spans ORDER BY ALL"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64)"


def _page(anonymous_id: str, hours_ago: float, context: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": "page",
        "anonymousId": anonymous_id,
        "name": "Home",
        "context": context,
        "timestamp": (NOW - timedelta(hours=hours_ago)).isoformat(),
        **fields,
    }


def _spans(ws: Workspace, anonymous_id: str) -> dict[str, tuple[float, float, tuple[Any, ...], tuple[Any, ...]]]:
    """anchor kind -> (hours ago first, hours ago last, first device, last device) of one anonymous id."""
    rows = ws.db.query(
        "SELECT i.kind, s.first_seen, s.last_seen, s.first_ip, s.first_agent, s.first_locale, "
        "s.last_ip, s.last_agent, s.last_locale FROM anonymous_spans s "
        "JOIN identifiers i ON i.identifier_id = s.anchor_id WHERE s.anonymous_id = ?",
        [anonymous_id],
    )
    hours = lambda at: round((NOW - at).total_seconds() / 3600, 3)  # noqa: E731
    return {kind: (hours(first), hours(last), tuple(rest[:3]), tuple(rest[3:])) for kind, first, last, *rest in rows}


@pytest.fixture
def web(workspace: Workspace) -> Workspace:
    workspace.access.add_source("web")
    return workspace


def test_first_and_last_event_keep_their_device_across_batches_and_late_events(web: Workspace) -> None:
    web.ingest.send(
        "web",
        [
            _page("a1", 20, {"ip": " 2001:DB8::1 ", "userAgent": PHONE, "locale": "uk-UA"}),
            _page("a1", 10, {"ip": "198.51.100.7", "userAgent": PHONE}),
            _page("a1", 15, {"ip": "198.51.100.8", "userAgent": LAPTOP, "locale": "en-GB"}),
        ],
    )
    assert _spans(web, "a1") == {
        "anonymous_id": (20.0, 10.0, ("2001:db8::1", PHONE, "uk-UA"), ("198.51.100.7", PHONE, "")),
    }
    app = {"ip": "192.0.2.1", "app": {"namespace": "shop.app"}, "os": {"name": "iOS"}}
    web.ingest.send("web", [_page("a1", 30, app)])
    web.ingest.send("web", [_page("a1", 12, {"locale": "pl-PL"})])  # neither first nor last: changes nothing
    assert _spans(web, "a1") == {
        "anonymous_id": (30.0, 10.0, ("192.0.2.1", "shop.app/iOS", ""), ("198.51.100.7", PHONE, "")),
    }
    web.ingest.send("web", [_page("a1", 5, {"locale": "pl-PL"})])  # the last event came with no address
    assert _spans(web, "a1")["anonymous_id"][1:] == (5.0, ("192.0.2.1", "shop.app/iOS", ""), (None, None, "pl-PL"))


def test_events_at_one_time_keep_the_first_stored_first_and_the_last_stored_last(web: Workspace) -> None:
    web.ingest.send("web", [_page("a1", 3, {"ip": "192.0.2.1", "userAgent": PHONE})])
    web.ingest.send(
        "web",
        [_page("a1", 3, {"ip": f"192.0.2.{n}", "userAgent": PHONE}) for n in (2, 3)],
    )
    (_, _, first, last) = _spans(web, "a1")["anonymous_id"]
    assert (first[0], last[0]) == ("192.0.2.1", "192.0.2.3")


def test_an_event_without_a_context_is_no_part_of_the_span(web: Workspace) -> None:
    seen = {"ip": "192.0.2.1", "userAgent": PHONE}
    web.ingest.send("web", [_page("a1", 9, {}), _page("a1", 5, seen), _page("a1", 1, {})])
    assert _spans(web, "a1")["anonymous_id"][:2] == (5.0, 5.0)


def test_logged_in_events_are_kept_under_the_user_id_they_were_stored_under(web: Workspace) -> None:
    web.ingest.send(
        "web",
        [
            _page("a1", 8, {"ip": "192.0.2.1", "userAgent": PHONE}),
            _page("a1", 4, {"ip": "192.0.2.2", "userAgent": PHONE}, userId="u1"),
        ],
    )
    spans = _spans(web, "a1")
    assert spans["anonymous_id"][:2] == (8.0, 8.0)
    assert spans["user_id"][:2] == (4.0, 4.0)


def test_a_rebuild_and_a_workspace_from_before_the_table_hold_the_same_rows(web: Workspace) -> None:
    web.ingest.send(
        "web",
        [
            _page(f"a{n % 3}", n % 4, {"ip": f"192.0.2.{n % 2}", "userAgent": (PHONE, LAPTOP)[n % 2], "locale": "uk"})
            for n in range(12)
        ]
        + [_page("a1", 0.5, {"ip": "192.0.2.9", "userAgent": LAPTOP}, userId="u1"), _page("a2", 2, {})],
    )
    web.ingest.send("web", [_page("a0", 0.25, {"ip": "192.0.2.5", "userAgent": PHONE})])
    live = assert_rebuilt_and_refilled_alike(web, "anonymous_spans", "resolution_3")
    assert len(live) == 4  # three anonymous ids, and a1 again under u1


def test_retention_takes_the_span_of_deleted_events_with_them(tmp_path: Path, clock: FixedClock) -> None:
    ws = pages_under_retention(
        tmp_path,
        clock,
        [
            _page("a1", 24 * 40, {"ip": "198.51.100.7", "userAgent": PHONE}),
            _page("a1", 24 * 2, {"ip": "2001:db8::1", "userAgent": PHONE}),
            _page("a2", 24 * 35, {"ip": "198.51.100.8", "userAgent": LAPTOP}),
        ],
    )
    assert ws.privacy.retention().events == 2
    assert _spans(ws, "a1") == {
        "anonymous_id": (48.0, 48.0, ("2001:db8::1", PHONE, ""), ("2001:db8::1", PHONE, "")),
    }
    assert _spans(ws, "a2") == {}
    ws.close()


def test_erasure_leaves_no_span_behind(web: Workspace) -> None:
    web.ingest.send(
        "web",
        [
            _page("a1", 2, {"ip": "198.51.100.7", "userAgent": PHONE}),
            _page("a1", 1, {"ip": "198.51.100.7", "userAgent": PHONE}, userId="u1"),
            _page("a2", 1, {"ip": "198.51.100.8", "userAgent": PHONE}),
        ],
    )
    web.privacy.erase(web.profiles.find("user_id", "u1"))
    assert [row[1] for row in web.db.query(ROWS)] == ["a2"]
