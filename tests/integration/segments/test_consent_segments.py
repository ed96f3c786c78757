"""consent(...) in segments decides exactly as ``ws.privacy.may`` does.

Many profiles get a seeded mix of consent: Segment categories and ``traits.consent``
from the SDK at different times, admin grants and withdrawals, some expiring before
and some after "now". For every purpose and channel the compiled SQL, the Python
reference and ``may`` must name the same profiles, before and after expiries pass.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.privacy import CHANNELS, PURPOSES
from persona360.segments.catalogue import Catalogue
from persona360.segments.compile import compile_condition
from persona360.segments.definitions import SegmentSpec
from persona360.segments.nodes import Consent
from persona360.segments.reference import evaluate_reference, read_relations
from persona360.settings import load_settings

PEOPLE = 120
ONE_BY_ONE = {("marketing", "email"), ("profiling", None), ("analytics", "sms")}
CATEGORIES = ("Marketing", "Advertising", "Analytics", "Functional", "DataSharing", "Necessary")


def _sdk_calls(rng: random.Random, clock: FixedClock) -> list[dict[str, Any]]:
    """Identify calls carrying consent, at times spread over the last ten days."""
    calls = []
    for n in range(PEOPLE):
        calls.append({"type": "identify", "userId": f"u{n}", "traits": {"email": f"u{n}@x.org"}})
        for _ in range(rng.randint(0, 4)):
            when = clock.now() - timedelta(days=rng.randint(1, 10), minutes=rng.randint(0, 600))
            call: dict[str, Any] = {"type": "identify", "userId": f"u{n}", "timestamp": when.isoformat()}
            if rng.random() < 0.5:  # one kind of consent per call: rows of one call tie on time and seq
                category = rng.choice(CATEGORIES)
                call["context"] = {"consent": {"categoryPreferences": {category: rng.random() < 0.5}}}
            else:
                purpose = rng.choice(PURPOSES)
                value = {rng.choice(CHANNELS): rng.random() < 0.5} if rng.random() < 0.6 else rng.random() < 0.5
                call["traits"] = {"consent": {purpose: value}}
            calls.append(call)
    return calls


@pytest.fixture
def consented(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[Workspace, list[int]]]:
    ws = Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True)
    ws.access.add_source("web")
    rng = random.Random(4)
    ws.ingest.send("web", _sdk_calls(rng, clock))
    ids = sorted({ws.profiles.find("user_id", f"u{n}") for n in range(PEOPLE)})
    for profile_id in rng.sample(ids, 30):  # admin changes, some with an expiry
        expires = clock.now() + timedelta(hours=rng.choice([-5, 3, 30])) if rng.random() < 0.7 else None
        ws.privacy.change(
            profile_id,
            rng.choice(("marketing", "profiling", "analytics")),
            rng.choice((None, "email", "sms")),
            granted=rng.random() < 0.5,
            expires_at=expires,
        )
    yield ws, ids
    ws.close()


def _sql_members(ws: Workspace, node: Consent, catalogue: Catalogue | None = None) -> set[int]:
    sql = compile_condition(node, catalogue or ws.segments.catalogue(), ws.clock.now()).sql(dialect="duckdb")
    return {int(row[0]) for row in ws.db.query(sql)}


def _agree(ws: Workspace, ids: list[int]) -> int:
    """Check every purpose and channel; return how many (profile, question) pairs differ from the default."""
    relations = read_relations(ws.db, ws.settings.consent_default_allow)
    catalogue = ws.segments.catalogue()
    decided = 0
    for purpose in PURPOSES:
        for channel in (None, *CHANNELS):
            node = Consent(purpose, channel)
            expected = ws.privacy.may_many(ids, purpose, channel)
            if (purpose, channel) in ONE_BY_ONE:  # may() itself, profile by profile
                assert expected == {pid for pid in ids if ws.privacy.may(pid, purpose, channel)}
            assert _sql_members(ws, node, catalogue) == expected, (purpose, channel)
            assert evaluate_reference(node, relations, ws.clock.now()) == expected, (purpose, channel)
            default = purpose in ws.settings.consent_default_allow
            decided += len(expected ^ (set(ids) if default else set()))
    return decided


def test_segment_consent_agrees_with_may_for_every_purpose_and_channel(
    consented: tuple[Workspace, list[int]], clock: FixedClock
) -> None:
    ws, ids = consented
    assert _agree(ws, ids) > 200  # the data decide many answers, not only the defaults
    clock.advance(hours=4)  # the 3-hour grants and withdrawals expire
    _agree(ws, ids)
    clock.advance(days=2)
    _agree(ws, ids)


def test_consent_defaults_follow_the_setting(tmp_path: Path, clock: FixedClock) -> None:
    settings = load_settings(db=tmp_path / "ws.duckdb", consent_default_allow=["marketing"])
    with Workspace(settings, clock, create=True) as ws:
        ws.access.add_source("web")
        ws.ingest.send("web", [{"type": "identify", "userId": "a", "traits": {"email": "a@x.org"}}])
        everyone = {ws.profiles.find("user_id", "a")}
        assert _sql_members(ws, Consent("marketing", "email")) == everyone
        assert _sql_members(ws, Consent("analytics")) == set()


def test_consent_segments_follow_changes_live_and_expiries_on_the_sweep(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send(
        "web", [{"type": "identify", "userId": f"v{n}", "traits": {"email": f"v{n}@x.org"}} for n in (1, 2)]
    )
    one, two = (shop.profiles.find("user_id", f"v{n}") for n in (1, 2))
    shop.segments.create(SegmentSpec("mailable", 'consent("marketing", "email")'))
    assert shop.segments.members("mailable")["total"] == 0
    shop.privacy.grant(one, "marketing", "email")
    shop.privacy.grant(two, "marketing", expires_at=clock.now() + timedelta(hours=1))
    members = shop.segments.members("mailable")["members"]
    assert {(m["profile_id"], m["enter_reason"]) for m in members} == {(one, "event"), (two, "event")}
    shop.privacy.withdraw(one, "marketing")  # every channel, and newer: it wins over the email grant
    clock.advance(hours=2)
    shop.segments.sweep()  # two's grant expired: only the sweep can notice
    history = {(h["profile_id"], h["exit_reason"]) for h in shop.segments.history("mailable")}
    assert history == {(one, "event"), (two, "time")}
    assert shop.segments.members("mailable")["total"] == 0
