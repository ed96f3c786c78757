"""Access export, retention, purpose limits and consent-as-non-activity on a real workspace file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.privacy.consent import CONSENT_TYPE
from persona360.privacy.retention import RetentionError, parse_rules
from persona360.profiles.facts import NOT_ACTIVITY
from persona360.settings import load_settings

DAY = timedelta(days=1)


def open_ws(tmp_path: Path, clock: FixedClock, **settings: Any) -> Workspace:
    ws = Workspace(load_settings(db=tmp_path / "ws.duckdb", **settings), clock, create=True)
    for source in ("web", "orders"):
        ws.access.add_source(source)
    return ws


def at(clock: FixedClock, days_ago: float) -> str:
    return (clock.now() - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock) -> Workspace:
    workspace = open_ws(
        tmp_path,
        clock,
        retention_days={"type:page": 30, "anonymous": 395, "event:Product Viewed": 90},
        source_purposes={"orders": ["transactional"]},
    )
    yield workspace
    workspace.close()


def test_access_export_holds_everything_with_sources_and_times(ws: Workspace, clock: FixedClock) -> None:
    ws.ingest.send(
        "web", [{"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org", "city": "Lviv"}}]
    )
    ws.ingest.send(
        "orders",
        [
            {
                "type": "track",
                "userId": "u1",
                "event": "Order Completed",
                "properties": {"order_id": "o-1", "revenue": 9},
            }
        ],
    )
    jane = ws.profiles.find("user_id", "u1")
    ws.privacy.grant(jane, "marketing", "email")
    document = ws.privacy.export(jane, actor="token:dpo")
    assert document["profile_id"] == jane
    assert {row["value"] for row in document["identifiers"]} == {"u1", "jane@example.org"}
    city = next(t for t in document["traits"] if t["name"] == "city")
    assert city["source"] == "web" and "Lviv" in city["value"]  # the stored JSON text of the value
    assert city["first_observed"] is not None
    assert [row["purpose"] for row in document["consent"]] == ["marketing"]
    events = document["tables"]["events"]
    assert {row["type"] for row in events} == {"identify", "track", "consent"}
    assert document["tables"]["orders"][0]["order_id"] == "o-1"
    assert document["sources"][events[0]["source_id"]] in {"web", "orders", "persona360"}
    assert ws.privacy.audit_log(1)[0]["action"] == "export.person"


def test_retention_dry_run_counts_and_run_deletes_and_rederives(ws: Workspace, clock: FixedClock) -> None:
    ws.ingest.send(
        "web",
        [
            {"type": "page", "userId": "u1", "name": "Old", "timestamp": at(clock, 40)},
            {"type": "page", "userId": "u1", "name": "New", "timestamp": at(clock, 2)},
            {"type": "track", "userId": "u1", "event": "Product Viewed", "timestamp": at(clock, 100)},
            {"type": "identify", "userId": "u1", "traits": {"city": "Odesa"}, "timestamp": at(clock, 100)},
            {"type": "page", "anonymousId": "a-old", "name": "Ghost", "timestamp": at(clock, 20)},
            {"type": "track", "anonymousId": "a-old", "event": "Scrolled", "timestamp": at(clock, 400)},
        ],
    )
    jane = ws.profiles.find("user_id", "u1")
    before = ws.profiles.show(jane)
    assert before["event_count"] == 4

    plan = ws.privacy.retention(dry_run=True)
    assert plan.dry_run and plan.events == 3
    assert plan.by_rule == {"anonymous": 1, "event:Product Viewed": 1, "type:page": 1}
    assert ws.profiles.show(jane)["event_count"] == 4  # a dry run deletes nothing

    done = ws.privacy.retention()
    assert not done.dry_run and done.events == 3
    after = ws.profiles.show(jane)
    assert after["event_count"] == 2  # the new page and the identify
    assert after["traits"]["city"]["value"] == "Odesa"  # the identify is within every rule
    assert ws.privacy.retention(dry_run=True).events == 0
    assert ws.privacy.audit_log(1)[0]["action"] == "retention.run"


def test_retention_on_the_schedule_runs_once_per_period(ws: Workspace, clock: FixedClock) -> None:
    ws.ingest.send("web", [{"type": "page", "userId": "u1", "timestamp": at(clock, 40)}])
    assert ws.privacy.retention_if_due(timedelta(hours=24)).events == 1
    ws.ingest.send("web", [{"type": "page", "userId": "u1", "messageId": "m2", "timestamp": at(clock, 41)}])
    assert ws.privacy.retention_if_due(timedelta(hours=24)) is None
    clock.advance(hours=25)
    assert ws.privacy.retention_if_due(timedelta(hours=24)).events == 1


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"kind:page": 30}, "write 'source:NAME', 'type:TYPE', 'event:NAME', 'anonymous' or 'identifiers:SOURCE'"),
        ({"identifiers:": 30}, "retention rule 'identifiers:'"),
        ({"source:": 30}, "retention rule 'source:'"),
        ({"anonymous:x": 30}, "retention rule 'anonymous:x'"),
        ({"type:page": 0}, "0 days is not a positive number of days"),
        ({"type:page": -5}, "-5 days is not a positive number of days"),
    ],
)
def test_bad_retention_rules_are_named(rules: dict[str, float], message: str) -> None:
    with pytest.raises(RetentionError, match=message.replace("(", r"\(")):
        parse_rules(rules)


def test_addresses_follow_the_purposes_each_source_collected_for(ws: Workspace) -> None:
    ws.ingest.send("orders", [{"type": "identify", "userId": "u1", "traits": {"phone": "+380501234567"}}])
    ws.ingest.send("orders", [{"type": "identify", "userId": "u1", "traits": {"email": "order@example.org"}}])
    ws.ingest.send("web", [{"type": "identify", "userId": "u1", "traits": {"email": "news@example.org"}}])
    jane = ws.profiles.find("user_id", "u1")
    assert sorted(ws.privacy.addresses(jane, "transactional", "email")) == ["news@example.org", "order@example.org"]
    assert ws.privacy.addresses(jane, "marketing", "email") == ["news@example.org"]
    assert ws.privacy.addresses(jane, "marketing", "sms") == []
    ws.privacy.grant(jane, "marketing")  # purpose-wide: does not lift the source's limit
    assert ws.privacy.addresses(jane, "marketing", "sms") == []
    ws.privacy.grant(jane, "marketing", "sms")  # on the channel itself: it does
    assert ws.privacy.addresses(jane, "marketing", "sms") == ["+380501234567"]


def test_batched_lookups_and_audiences_keep_the_purpose_limits(ws: Workspace) -> None:
    """Campaigns and audience exports look addresses up in bulk: the order form's phone stays out."""
    from persona360.activation.audience import sha256
    from persona360.segments.definitions import SegmentSpec

    for user, n in (("u1", 1), ("u2", 2)):
        ws.ingest.send("orders", [{"type": "identify", "userId": user, "traits": {"phone": f"+38050123456{n}"}}])
        ws.ingest.send("web", [{"type": "identify", "userId": user, "traits": {"email": f"news{n}@example.org"}}])
    one, two = ws.profiles.find("user_id", "u1"), ws.profiles.find("user_id", "u2")
    assert ws.privacy.addresses_many([one, two], "marketing", "sms") == {}
    assert ws.privacy.addresses_many([one, two], "transactional", "sms") == {
        one: ["+380501234561"],
        two: ["+380501234562"],
    }
    assert ws.privacy.addresses_many([one, two], "marketing", "email") == {
        one: ["news1@example.org"],
        two: ["news2@example.org"],
    }
    for profile in (one, two):
        ws.privacy.grant(profile, "marketing")  # purpose-wide: the audience may hold them ...
    ws.privacy.grant(two, "marketing", "sms")  # ... and only two said yes to texts
    assert ws.privacy.addresses_many([one, two], "marketing", "sms") == {two: ["+380501234562"]}
    ws.segments.create(SegmentSpec("everyone", "event_count >= 0"))
    audience = ws.activation.export_audience("everyone", "google")
    assert sha256("380501234561") not in audience.csv and sha256("+380501234561") not in audience.csv
    assert sha256("news1@example.org") in audience.csv
    assert audience.exported == 2


def test_an_address_a_marketing_source_also_sent_may_be_used_for_marketing(ws: Workspace) -> None:
    ws.ingest.send("orders", [{"type": "identify", "userId": "u1", "traits": {"email": "both@example.org"}}])
    ws.ingest.send("web", [{"type": "identify", "anonymousId": "a1", "traits": {"email": "both@example.org"}}])
    jane = ws.profiles.find("user_id", "u1")
    assert ws.privacy.addresses(jane, "marketing", "email") == ["both@example.org"]


def test_consent_changes_are_no_customer_activity(ws: Workspace, clock: FixedClock) -> None:
    assert CONSENT_TYPE in NOT_ACTIVITY  # the record type both rooms agree on
    ws.ingest.send("web", [{"type": "track", "userId": "u1", "event": "Signed Up", "timestamp": at(clock, 10)}])
    jane = ws.profiles.find("user_id", "u1")
    before = ws.profiles.show(jane)
    ws.privacy.grant(jane, "marketing", "email")
    after = ws.profiles.show(jane)
    assert (after["last_seen"], after["event_count"]) == (before["last_seen"], before["event_count"])
    events = ws.db.query("SELECT DISTINCT event FROM seg_events WHERE profile_id = ?", [jane])
    assert events == [("Signed Up",)]
    ws.profiles.rebuild()
    assert ws.profiles.show(jane)["event_count"] == before["event_count"]
