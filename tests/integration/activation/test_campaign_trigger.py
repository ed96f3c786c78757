"""A segment trigger hands its profiles to a campaign: abandoned cart to an email, end to end.

Real parts only: the workspace file, the clock sweep, the trigger outbox, the campaign
path of the activation room and an aiosmtpd server on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.activation.conftest import Inbox, mailing_workspace
from integration.segments.clocked import at
from persona360 import Workspace
from persona360.activation import CampaignSpec
from persona360.clock import FixedClock
from persona360.errors import NotFoundError
from persona360.segments.definitions import SegmentSpec

ABANDONED = 'then_not("Product Added", "Order Completed", within = 30m)'
TEMPLATE = "Subject: {{ greeting() }}, your cart is waiting\n\n{{ event.name }} is still in your cart."


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock, smtp: Inbox) -> Iterator[Workspace]:
    with mailing_workspace(tmp_path, clock, smtp, tracking_base_url="http://testserver") as workspace:
        yield workspace


def carts(ws: Workspace, clock: FixedClock, people: list[str]) -> dict[str, int]:
    calls = []
    for user in people:
        calls.append(at(clock, type="identify", userId=user, traits={"email": f"{user}@x.org", "first_name": "Olena"}))
        calls.append(at(clock, type="track", userId=user, event="Product Added", properties={"name": "Sneakers"}))
    ws.ingest.send("web", calls)
    ids = {user: ws.profiles.find("user_id", user) for user in people}
    for profile_id in ids.values():
        ws.privacy.grant(profile_id, "marketing", "email")
    return ids


@pytest.mark.serial
def test_abandoned_cart_trigger_sends_the_campaign_email_once(ws: Workspace, clock: FixedClock, smtp: Inbox) -> None:
    carts(ws, clock, ["ann", "bob", "cid"])
    ws.segments.create(SegmentSpec("abandoned cart", ABANDONED))
    ws.activation.create(CampaignSpec("cart", "abandoned cart", TEMPLATE, control_share=0, event="Product Added"))
    trigger = ws.segments.add_trigger("abandoned cart", campaign="cart")
    assert (trigger["campaign"], trigger["url"], trigger["secret"]) == ("cart", None, None)
    clock.advance(minutes=10)
    ws.ingest.send(
        "web", [at(clock, type="track", userId="cid", event="Order Completed", properties={"order_id": "1"})]
    )
    clock.advance(minutes=21)
    ws.segments.sweep()
    assert ws.segments.deliver_due() == {"delivered": 2, "retried": 0, "dead": 0}
    assert sorted(m["To"] for m in smtp.messages) == ["ann@x.org", "bob@x.org"]
    assert "Sneakers is still in your cart." in Inbox.text(smtp.messages[0])
    clock.advance(minutes=30)
    ws.segments.sweep()
    assert ws.segments.deliver_due() == {"delivered": 0, "retried": 0, "dead": 0}
    assert len(smtp.messages) == 2
    assert ws.segments.triggers()[0]["delivered"] == 2
    audit = [entry["action"] for entry in ws.privacy.audit_log(target="cart")]
    assert "campaign.trigger" in audit


@pytest.mark.serial
def test_a_second_abandoned_cart_sends_again_within_the_frequency_cap(
    ws: Workspace, clock: FixedClock, smtp: Inbox
) -> None:
    """Each entry into a trigger campaign's segment is an occasion; the cap (1 a day) still holds."""
    ids = carts(ws, clock, ["ann", "bob"])
    ws.segments.create(SegmentSpec("abandoned cart", ABANDONED))
    ws.activation.create(CampaignSpec("cart", "abandoned cart", TEMPLATE, control_share=0, event="Product Added"))
    ws.segments.add_trigger("abandoned cart", campaign="cart")

    def abandon(*people: str) -> None:
        ws.ingest.send("web", [at(clock, type="track", userId=user, event="Product Added") for user in people])
        clock.advance(minutes=31)
        ws.segments.sweep()
        ws.segments.deliver_due()

    clock.advance(minutes=31)
    ws.segments.sweep()
    ws.segments.deliver_due()
    assert sorted(m["To"] for m in smtp.messages) == ["ann@x.org", "bob@x.org"]
    abandon("bob")  # an hour after his first email: entered again, but capped
    assert len(smtp.messages) == 2
    clock.advance(hours=24)
    abandon("ann")  # a day later: a second email
    assert sorted(m["To"] for m in smtp.messages) == ["ann@x.org", "ann@x.org", "bob@x.org"]
    entries = ws.segments.history("abandoned cart", ids["bob"])
    assert len([e for e in entries if e["entered_at"]]) == 2
    assignments = ws.db.query("SELECT profile_id, count(*) FROM campaign_assignments GROUP BY ALL ORDER BY 1")
    assert assignments == [(ids["ann"], 1), (ids["bob"], 1)]


def test_a_failing_hand_off_is_retried_then_dead_lettered(ws: Workspace, clock: FixedClock, smtp: Inbox) -> None:
    carts(ws, clock, ["ann"])
    ws.segments.create(SegmentSpec("carts", 'did("Product Added")'))
    ws.activation.create(CampaignSpec("cart", "carts", TEMPLATE, control_share=0))
    ws.segments.add_trigger("carts", campaign="cart", max_attempts=2)
    ws.db.query("UPDATE campaigns SET name = 'gone'")  # the campaign disappears under the trigger
    ws.ingest.send("web", [at(clock, type="identify", userId="dan", traits={"email": "dan@x.org"})])
    ws.ingest.send("web", [at(clock, type="track", userId="dan", event="Product Added")])
    assert ws.segments.deliver_due() == {"delivered": 0, "retried": 1, "dead": 0}
    clock.advance(minutes=1)
    assert ws.segments.deliver_due() == {"delivered": 0, "retried": 0, "dead": 1}
    dead = ws.segments.deliveries("dead")
    assert "NotFoundError: no campaign named 'cart'" in dead[0]["last_error"]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"campaign": "other"}, ValueError, "campaign 'other' sends to segment 'elsewhere', not 'carts'"),
        ({"campaign": "nope"}, NotFoundError, "no campaign named 'nope'"),
        ({"campaign": "cart", "url": "https://x.org/h"}, ValueError, "either a webhook url or a campaign"),
        ({}, ValueError, "either a webhook url or a campaign"),
    ],
)
def test_bad_campaign_triggers_are_refused(
    ws: Workspace, smtp: Inbox, arguments: dict[str, str], error: type[Exception], message: str
) -> None:
    ws.segments.create(SegmentSpec("carts", 'did("Product Added")'))
    ws.segments.create(SegmentSpec("elsewhere", "orders_count >= 1"))
    ws.activation.create(CampaignSpec("cart", "carts", TEMPLATE))
    ws.activation.create(CampaignSpec("other", "elsewhere", TEMPLATE))
    with pytest.raises(error, match=message):
        ws.segments.add_trigger("carts", **arguments)
