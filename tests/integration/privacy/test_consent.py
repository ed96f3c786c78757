"""Consent on a real workspace: from SDK calls, from admin changes, across merges and rebuilds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.errors import NotFoundError
from persona360.privacy import ConsentError


def identify(ws: Workspace, user: str, email: str, **extra: Any) -> int:
    message = {"type": "identify", "userId": user, "traits": {"email": email}, **extra}
    if "traits" in extra:
        message["traits"] = {"email": email, **extra["traits"]}
    ws.ingest.send("shop", [message])
    return ws.profiles.find("user_id", user)


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    workspace.access.add_source("shop")
    return workspace


def test_defaults_allow_transactional_analytics_and_profiling_others_need_a_grant(ws: Workspace) -> None:
    jane = identify(ws, "u1", "jane@example.org")
    assert ws.privacy.may(jane, "transactional", "email")
    assert ws.privacy.may(jane, "analytics")
    assert ws.privacy.may(jane, "profiling")  # legitimate interest: only a withdrawal excludes
    for purpose in ("marketing", "enrichment"):
        assert not ws.privacy.may(jane, purpose, "email")
    ws.privacy.withdraw(jane, "profiling")
    assert not ws.privacy.may(jane, "profiling")


def test_unknown_profile_is_never_allowed(ws: Workspace) -> None:
    assert not ws.privacy.may(999, "transactional")
    assert ws.privacy.may_many([999], "transactional") == set()


def test_unknown_purpose_and_channel_raise(ws: Workspace) -> None:
    with pytest.raises(ConsentError, match="unknown purpose 'ads'"):
        ws.privacy.may(1, "ads")
    with pytest.raises(ConsentError, match="unknown channel 'fax'"):
        ws.privacy.may_many([1], "marketing", "fax")
    with pytest.raises(ConsentError, match="unknown channel 'pigeon'"):
        ws.privacy.addresses(1, "marketing", "pigeon")


def test_trait_consent_grants_per_channel(ws: Workspace) -> None:
    jane = identify(ws, "u1", "jane@example.org", traits={"consent": {"marketing": {"email": True}}})
    assert ws.privacy.may(jane, "marketing", "email")
    assert not ws.privacy.may(jane, "marketing", "sms")
    assert not ws.privacy.may(jane, "marketing")  # no purpose-wide decision


def test_segment_consent_categories_grant_purpose_wide(ws: Workspace, clock: FixedClock) -> None:
    context = {"consent": {"categoryPreferences": {"Advertising": True, "Analytics": False}}}
    jane = identify(ws, "u1", "jane@example.org", context=context)
    assert ws.privacy.may(jane, "marketing", "sms")
    assert ws.privacy.may(jane, "marketing")
    assert not ws.privacy.may(jane, "analytics")
    clock.advance(minutes=1)
    ws.ingest.send(
        "shop",
        [
            {
                "type": "track",
                "userId": "u1",
                "event": "Viewed",
                "context": {"consent": {"categoryPreferences": {"Advertising": False}}},
            }
        ],
    )
    assert not ws.privacy.may(jane, "marketing", "email")


def test_repeated_consent_appends_only_changes(ws: Workspace, clock: FixedClock) -> None:
    context = {"consent": {"categoryPreferences": {"Advertising": True}}}
    jane = identify(ws, "u1", "jane@example.org", context=context)
    for _ in range(3):
        clock.advance(minutes=1)
        ws.ingest.send("shop", [{"type": "track", "userId": "u1", "event": "Viewed", "context": context}])
    assert len(ws.privacy.consent(jane, history=True)) == 1


def test_latest_decision_wins_channel_or_purpose_wide(ws: Workspace, clock: FixedClock) -> None:
    jane = identify(ws, "u1", "jane@example.org")
    ws.privacy.grant(jane, "marketing", "email")
    assert ws.privacy.may(jane, "marketing", "email")
    clock.advance(minutes=1)
    ws.privacy.withdraw(jane, "marketing")  # every channel
    assert not ws.privacy.may(jane, "marketing", "email")
    clock.advance(minutes=1)
    ws.privacy.grant(jane, "marketing", "sms")
    assert ws.privacy.may(jane, "marketing", "sms")
    assert not ws.privacy.may(jane, "marketing", "email")


def test_expired_grant_no_longer_counts(ws: Workspace, clock: FixedClock) -> None:
    jane = identify(ws, "u1", "jane@example.org")
    ws.privacy.grant(jane, "enrichment", expires_at=clock.now() + timedelta(days=30))
    assert ws.privacy.may(jane, "enrichment")
    clock.advance(days=31)
    assert not ws.privacy.may(jane, "enrichment")


def test_withdraw_of_a_default_purpose(ws: Workspace) -> None:
    jane = identify(ws, "u1", "jane@example.org")
    ws.privacy.withdraw(jane, "analytics", basis="objection")
    assert not ws.privacy.may(jane, "analytics")
    assert ws.privacy.may(jane, "transactional")


def test_admin_change_is_an_event_and_audited(ws: Workspace) -> None:
    jane = identify(ws, "u1", "jane@example.org")
    ws.privacy.grant(jane, "marketing", "email", actor="token:ops")
    events = ws.db.query_dicts("SELECT type, source_id, extra FROM events WHERE type = 'consent'")
    assert len(events) == 1
    assert events[0]["source_id"] == ws.system_source.source_id
    (current,) = ws.privacy.consent(jane)
    assert current["source"] == "persona360:token:ops"
    assert (current["purpose"], current["channel"], current["granted"]) == ("marketing", "email", True)
    (entry,) = ws.privacy.audit_log(10)
    assert (entry["actor"], entry["action"], entry["target"]) == ("token:ops", "consent.grant", f"profile:{jane}")
    assert entry["detail"]["purpose"] == "marketing"


def test_change_of_unknown_profile_is_not_found(ws: Workspace) -> None:
    with pytest.raises(NotFoundError):
        ws.privacy.grant(12345, "marketing")


def test_consent_follows_merges_and_survives_rebuild(ws: Workspace, clock: FixedClock) -> None:
    identify(ws, "u1", "jane@example.org", traits={"consent": {"marketing": {"email": True}}})
    other = identify(ws, "u2", "jane.work@example.org")
    clock.advance(minutes=1)
    ws.privacy.grant(other, "profiling")
    merged = ws.identity.merge(("user_id", "u1"), ("user_id", "u2"))
    assert ws.privacy.may_many([merged], "marketing", "email") == {merged}
    assert ws.privacy.may(merged, "profiling")
    before = ws.db.query("SELECT * FROM consent_current ORDER BY ALL")
    ws.profiles.rebuild()
    assert ws.db.query("SELECT * FROM consent_current ORDER BY ALL") == before
    assert ws.privacy.may(ws.profiles.find("user_id", "u1"), "profiling")


def test_may_many_is_set_based_over_many_profiles(ws: Workspace) -> None:
    batch = [
        {"type": "identify", "userId": f"u{i}", "traits": {"consent": {"marketing": i % 2 == 0}}} for i in range(2000)
    ]
    ws.ingest.send("shop", batch)
    ids = [row[0] for row in ws.db.query("SELECT DISTINCT profile_id FROM identifiers")]
    granted = ws.privacy.may_many([*ids, -1, -2], "marketing", "email")
    assert len(granted) == 1000
    assert ws.privacy.may_many(ids, "transactional") == set(ids)


def test_addresses_by_channel(ws: Workspace) -> None:
    ws.ingest.send(
        "shop",
        [{"type": "identify", "userId": "u1", "traits": {"email": "Jane@Example.org", "phone": "+380 67 123 4567"}}],
    )
    jane = ws.profiles.find("user_id", "u1")
    assert ws.privacy.addresses(jane, "marketing", "email") == ["jane@example.org"]
    assert ws.privacy.addresses(jane, "transactional", "sms") == ["+380671234567"]
    assert ws.privacy.addresses(jane, "marketing", "viber") == ["+380671234567"]
    assert ws.privacy.addresses(jane, "marketing", "push") == []


def test_consent_current_view_columns(ws: Workspace) -> None:
    jane = identify(ws, "u1", "jane@example.org")
    ws.privacy.grant(jane, "marketing", "email")
    columns = [row[0] for row in ws.db.query("DESCRIBE consent_current")]
    assert columns == ["profile_id", "purpose", "channel", "granted", "basis", "source", "changed_at", "expires_at"]
