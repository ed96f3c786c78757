"""Trigger campaigns on a workspace with injected time: once per event, from creation on, narrowed by a segment.

Receipts and promotions keep separate caps; consent is asked for the campaign's purpose
when queueing and again when sending; a run with nothing new sends nothing.
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

ORDERS = {"control_share": 0, "trigger_event": "Order Completed", "purpose": "transactional"}
RECEIPT = "Subject: Order {{ event.order_id }}\n\nThanks, {{ greeting() }}: order {{ event.order_id }}."


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock, smtp: Inbox) -> Iterator[Workspace]:
    calls = [
        at(clock, type="identify", userId=u, traits={"email": f"{u}@x.org", "first_name": "Olena", "plan": plan})
        for u, plan in (("ann", "vip"), ("bob", "basic"))
    ]
    with mailing_workspace(tmp_path, clock, smtp, activation_quiet_hours=(0, 0)) as workspace:
        workspace.ingest.send("web", calls)
        yield workspace


def order(ws: Workspace, clock: FixedClock, user: str, order_id: str) -> None:
    event = at(clock, type="track", userId=user, event="Order Completed", properties={"order_id": order_id})
    ws.ingest.send("web", [event])


def test_each_new_order_is_answered_once(ws: Workspace, clock: FixedClock, smtp: Inbox) -> None:
    order(ws, clock, "ann", "old")  # before the campaign: not answered
    spec = CampaignSpec(
        "receipt", "", RECEIPT, control_share=0, trigger_event="Order Completed", purpose="transactional"
    )
    ws.activation.create(spec)
    assert ws.activation.run_triggers() == {"campaigns": {}, "sent": 0}
    order(ws, clock, "ann", "A1")
    order(ws, clock, "bob", "B1")
    ran = ws.activation.run_triggers()
    assert ran["sent"] == 2 and ran["campaigns"]["receipt"][0]["queued"] == 2
    assert sorted(m["Subject"] for m in smtp.messages) == ["Order A1", "Order B1"]
    assert "Thanks, Olena: order A1." in Inbox.text(next(m for m in smtp.messages if m["Subject"] == "Order A1"))
    assert ws.activation.run_triggers()["sent"] == 0  # the watermark moved: nothing twice
    assert len(smtp.messages) == 2
    assert {e["action"] for e in ws.privacy.audit_log(target="receipt")} >= {"campaign.event_trigger"}


def test_a_segment_narrows_a_trigger_and_promotions_keep_their_own_cap(
    ws: Workspace, clock: FixedClock, smtp: Inbox
) -> None:
    ws.segments.create(SegmentSpec("vips", 'trait("plan") == "vip"'))
    ws.segments.create(SegmentSpec("all", "event_count >= 1"))
    for user in ("ann", "bob"):
        ws.privacy.grant(ws.profiles.find("user_id", user), "marketing", "email")
    ws.activation.create(CampaignSpec("promo", "all", "Subject: Promo\n\nSale", control_share=0))
    assert ws.activation.send("promo")["sent"] == 2  # the marketing cap (1 a day) is now used up
    thanks = "Subject: VIP thanks\n\nThanks"
    ws.activation.create(CampaignSpec("vip", "vips", thanks, control_share=0, trigger_event="Order Completed"))
    ws.activation.create(
        CampaignSpec("receipt", "", RECEIPT, control_share=0, trigger_event="Order Completed", purpose="transactional")
    )
    order(ws, clock, "ann", "A1")
    order(ws, clock, "bob", "B1")
    ran = ws.activation.run_triggers()["campaigns"]
    assert (ran["vip"][0]["new"], ran["vip"][0]["capped"]) == (1, 1)  # ann only, and capped: marketing
    assert ran["receipt"][0]["queued"] == 2  # the promotion did not use up the receipts' allowance
    assert sorted(m["Subject"] for m in smtp.messages) == ["Order A1", "Order B1", "Promo", "Promo"]


def test_consent_is_asked_for_the_purpose_when_queued_and_when_sent(
    ws: Workspace, clock: FixedClock, smtp: Inbox
) -> None:
    ann = ws.profiles.find("user_id", "ann")
    ws.activation.create(
        CampaignSpec("receipt", "", RECEIPT, control_share=0, trigger_event="Order Completed", purpose="transactional")
    )
    order(ws, clock, "ann", "A1")
    assert ws.activation.queue("receipt")["queued"] == 1
    ws.privacy.withdraw(ann, "transactional", "email")
    assert ws.activation.deliver_due("email")["cancelled"] == 1
    order(ws, clock, "ann", "A2")
    assert ws.activation.queue("receipt")["no_consent"] == 1
    assert smtp.messages == []


def test_a_trigger_on_a_missing_segment_is_refused(ws: Workspace) -> None:
    with pytest.raises(NotFoundError):
        ws.activation.create(CampaignSpec("x", "nope", "Hi", trigger_event="Order Completed"))
