"""What each campaign run did, in the report; and segment triggers cannot hand profiles to an event campaign.

Real parts only: a workspace file on injected time and an aiosmtpd server on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.activation.conftest import Inbox, mailing_workspace
from integration.segments.clocked import at
from persona360 import Workspace
from persona360.activation import CampaignSpec, campaigns
from persona360.activation.campaigns import CampaignError
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec

THANKS = "Subject: Thanks\n\nThanks for order {{ event.order_id }}, {{ greeting() }}."


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock, smtp: Inbox) -> Iterator[Workspace]:
    calls = [
        at(clock, type="identify", userId="ann", traits={"email": "ann@x.org", "first_name": "Olena"}),
        at(clock, type="identify", userId="bob", traits={"email": "bob@x.org", "first_name": "Bohdan"}),
        at(clock, type="identify", userId="cy", traits={"first_name": "Cyril"}),  # no email address
    ]
    with mailing_workspace(tmp_path, clock, smtp, activation_quiet_hours=(0, 0)) as workspace:
        workspace.ingest.send("web", calls)
        workspace.segments.create(SegmentSpec("all", "event_count >= 1"))
        yield workspace


def order(ws: Workspace, clock: FixedClock, user: str, order_id: str) -> None:
    event = at(clock, type="track", userId=user, event="Order Completed", properties={"order_id": order_id})
    ws.ingest.send("web", [event])


def grant(ws: Workspace, *users: str) -> None:
    for user in users:
        ws.privacy.grant(ws.profiles.find("user_id", user), "marketing", "email")


def test_a_segment_trigger_cannot_hand_profiles_to_an_event_campaign(
    ws: Workspace, clock: FixedClock, smtp: Inbox
) -> None:
    """Handing over would run the event campaign for every new event, whoever it belongs to."""
    grant(ws, "ann", "bob")
    ws.activation.create(CampaignSpec("thanks", "all", THANKS, control_share=0, trigger_event="Order Completed"))
    order(ws, clock, "ann", "A1")
    order(ws, clock, "bob", "B1")
    ann = ws.profiles.find("user_id", "ann")
    with pytest.raises(CampaignError, match="'thanks' is always on for the event 'Order Completed'"):
        ws.activation.send_to("thanks", [ann])
    assert smtp.messages == [] and ws.activation.messages("thanks") == []
    with pytest.raises(ValueError, match="segment trigger can only send a segment campaign"):
        ws.segments.add_trigger("all", campaign="thanks")
    assert ws.segments.triggers() == []
    # the refused hand-off moved no watermark: the worker's run still answers both orders
    assert ws.activation.run_triggers()["sent"] == 2
    assert sorted(m["To"] for m in smtp.messages) == ["ann@x.org", "bob@x.org"]


def test_the_report_shows_what_each_kind_of_run_sent_and_skipped_by_reason(
    ws: Workspace, clock: FixedClock, smtp: Inbox
) -> None:
    grant(ws, "ann", "cy")  # bob never consented; cy consented but has no email address
    ws.activation.create(CampaignSpec("hello", "all", "Subject: Hi\n\nHi {{ greeting() }}", control_share=0))
    assert ws.activation.send("hello")["sent"] == 1
    runs = ws.activation.report("hello")["runs"]
    assert (runs["runs"], runs["by_kind"], runs["considered"], runs["queued"]) == (1, {"send": 1}, 3, 1)
    assert runs["skipped"] == {"no_consent": 1, "no_address": 1, "capped": 0, "control": 0, "render_failed": 0}
    ann = ws.profiles.find("user_id", "ann")
    ws.activation.send_to("hello", [ann])  # a segment trigger's hand-off: ann is over the cap of 1 a day
    runs = ws.activation.report("hello")["runs"]
    assert runs["by_kind"] == {"send": 1, "segment_trigger": 1}
    assert (runs["considered"], runs["queued"], runs["skipped"]["capped"]) == (4, 1, 1)

    ws.activation.create(CampaignSpec("thanks", "", THANKS, control_share=0, trigger_event="Order Completed"))
    order(ws, clock, "ann", "A1")  # capped: "hello" used ann's marketing allowance for the day
    order(ws, clock, "bob", "B1")  # no consent
    assert ws.activation.run_triggers()["sent"] == 0
    clock.advance(days=2)
    order(ws, clock, "ann", "A2")  # sent
    assert ws.activation.run_triggers()["sent"] == 1
    report = ws.activation.report("thanks")
    assert (report["trigger_event"], report["delivered"], report["retrying"], report["dead"]) == (
        "Order Completed",
        1,
        0,
        0,
    )
    runs = report["runs"]
    assert (runs["by_kind"], runs["considered"], runs["queued"]) == ({"event": 2}, 3, 1)
    assert runs["skipped"] == {"no_consent": 1, "no_address": 0, "capped": 1, "control": 0, "render_failed": 0}
    assert "worker" not in report  # no worker runs in this process
    assert ws.activation.run_triggers() == {"campaigns": {}, "sent": 0}
    assert ws.activation.report("thanks")["runs"]["runs"] == 2  # a run with nothing new is not recorded


def test_a_large_send_commits_chunks_and_delivers_them_while_the_rest_render(
    ws: Workspace, clock: FixedClock, smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of two: each commits its messages and assignments, and the delivery thread sends them."""
    monkeypatch.setattr(campaigns, "QUEUE_CHUNK", 2)
    people = [f"p{i}" for i in range(5)]
    ws.ingest.send(
        "web",
        [at(clock, type="identify", userId=u, traits={"email": f"{u}@x.org", "first_name": "Ira"}) for u in people],
    )
    grant(ws, *people)
    ws.activation.create(CampaignSpec("hello", "all", "Subject: Hi\n\nHi {{ greeting() }}", control_share=0))
    commits: list[int] = []
    counted = ws.activation.queue("hello", on_commit=lambda: commits.append(len(ws.activation.messages("hello"))))
    assert commits == [2, 4, 5] and counted["queued"] == 5  # three chunks, each visible when committed
    assert ws.activation.deliver_due("email")["sent"] == 5
    ws.activation.create(CampaignSpec("again", "all", "Subject: Again\n\nHi", control_share=0))
    clock.advance(days=2)  # out of the frequency window of the first campaign
    sent = ws.activation.send("again")
    assert (sent["queued"], sent["sent"]) == (5, 5)
    assert len([m for m in smtp.messages if m["Subject"] == "Again"]) == 5
    runs = ws.activation.report("again")["runs"]
    assert (runs["runs"], runs["queued"]) == (1, 5)  # one run, recorded with its last chunk
