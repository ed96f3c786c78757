"""A derive re-projects only the profiles its batch touched, reading their facts among
many unrelated ones: the rows it leaves must be those a full rebuild computes, under
every trait policy (the policy decides the shown value, so each ranks differently)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integration.workspace.test_rebuild_and_unmerge import snapshot
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.settings import load_settings

UNRELATED = 300


def _bystanders() -> list[dict[str, Any]]:
    """Profiles no later batch touches, with traits, tags and orders of their own."""
    calls: list[dict[str, Any]] = []
    for n in range(UNRELATED):
        user = f"by-{n}"
        calls.append({"type": "identify", "userId": user, "traits": {"city": f"c{n % 7}", "plan": "free"}})
        calls.append(
            {
                "type": "track",
                "userId": user,
                "event": "Order Completed",
                "properties": {"order_id": f"by-o{n}", "revenue": n},
                "context": {"userAgent": "Mozilla/5.0 (iPhone) Mobile"},
            }
        )
    return calls


# Conflicting values from two sources, a value seen more often than a newer one, an
# explicit null, an order, and a merge of an anonymous visitor into a known profile.
WEB = [
    {"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {"city": "Kyiv", "plan": "pro"}},
    {"type": "identify", "userId": "u1", "traits": {"city": "Kyiv"}},
    {"type": "identify", "userId": "u2", "anonymousId": "a2", "traits": {"city": "Lviv", "nickname": "jd"}},
    {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"order_id": "o1", "revenue": 10}},
    {"type": "page", "anonymousId": "a3", "name": "Home", "context": {"userAgent": "Mozilla/5.0 (X11; Linux)"}},
]
CRM = [
    {"type": "identify", "userId": "u1", "traits": {"city": "Odesa", "plan": "pro"}},
    {"type": "identify", "userId": "u2", "traits": {"nickname": None}},
    {"type": "identify", "anonymousId": "a3", "userId": "u1", "traits": {"plan": "team"}},
]


def _projection(ws: Workspace) -> dict[str, Any]:
    """Every derived table, redirects without their time (a rebuild dates them anew)."""
    tables = snapshot(ws)
    tables["profile_redirects"] = [row[:2] for row in tables["profile_redirects"]]
    return tables


# Activity without traits: these profiles' shown traits are not re-projected, so they
# must stay exactly as they were (u2's explicit null included).
ACTIVITY = [
    {"type": "track", "userId": "u1", "event": "Product Viewed", "properties": {"sku": "S1"}},
    {"type": "page", "userId": "u2", "name": "Cart", "context": {"userAgent": "Mozilla/5.0 (iPad)"}},
    {"type": "track", "userId": "by-7", "event": "Order Completed", "properties": {"order_id": "by-x", "revenue": 3}},
]


@pytest.mark.parametrize("policy", ["most_recent", "most_trusted", "most_frequent"])
def test_a_derive_among_unrelated_profiles_equals_a_rebuild(tmp_path: Path, clock: FixedClock, policy: str) -> None:
    settings = load_settings(db=tmp_path / "ws.duckdb", trait_policy=policy, trait_source_priority=["crm"])
    ws = Workspace(settings, clock, create=True)
    try:
        ws.access.add_source("web")
        ws.access.add_source("crm")
        ws.ingest.send("web", _bystanders())
        for source, calls in (("web", WEB), ("crm", CRM), ("web", ACTIVITY)):
            clock.advance(minutes=1)
            ws.ingest.send(source, calls)
        derived = _projection(ws)
        assert len(derived["profiles"]) == UNRELATED + 2  # u1 (with a3 merged in) and u2
        ws.profiles.rebuild()
        assert _projection(ws) == derived
    finally:
        ws.close()


def test_the_most_frequent_policy_shows_the_value_seen_most(tmp_path: Path, clock: FixedClock) -> None:
    ws = Workspace(load_settings(db=tmp_path / "ws.duckdb", trait_policy="most_frequent"), clock, create=True)
    try:
        ws.access.add_source("web")
        for city in ("Kyiv", "Kyiv", "Lviv"):
            clock.advance(minutes=1)
            ws.ingest.send("web", [{"type": "identify", "userId": "u1", "traits": {"city": city}}])
        shown = ws.db.query("SELECT value, value_count FROM profile_traits WHERE name = 'city'")
        assert shown == [('"Kyiv"', 2)]
    finally:
        ws.close()
