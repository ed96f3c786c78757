"""Give the e2e demo shop what the newer pages show: personas, review pairs, campaigns, consent, surveys.

Everything goes through the rooms' public APIs on a ``Workspace`` opened in the test
process before the server starts (the server holds the file lock afterwards). Email
goes to a real SMTP server (aiosmtpd) on loopback; opens, clicks and orders are then
recorded the way a recipient would cause them: tracking tokens and ``Order Completed`` calls.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from persona360 import Workspace
from persona360.activation.campaigns import CampaignSpec
from persona360.clock import FixedClock
from persona360.personas import DiscoveryOptions
from persona360.segments.definitions import SegmentSpec

SOURCE = "e2e-shop"
SALE = "Spring sale"
# The sale's own segment, every buyer: the demo's "Repeat buyers" held ~10 people in this
# 200-customer shop, and with 30% held out by a hash of each profile the control arm was
# empty in about one shop in thirty (0.7^10), which changes with the day the shop is built.
AUDIENCE = "Sale audience"
AUDIENCE_CONDITION = "orders_count >= 1"
TEMPLATE = "Subject: {{ greeting() }}\n\nNew in: {{ link('https://shop.example/new') }}\n"
TOKEN = re.compile(r"/t/c/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
SURVEY = {
    "id": "delivery",
    "name": "How was your delivery?",
    "questions": [
        {"id": "score", "text": "Would you recommend us?", "kind": "nps", "trait": "nps_score"},
        {"id": "speed", "text": "Delivery speed", "kind": "single_choice", "trait": "delivery_speed",
         "choices": ["slow", "fine", "fast"]},
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Furnished:
    """What the pages should show."""

    personas: int
    pending_pairs: int
    campaign: str
    recipient: int


class _Accept:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        return "250 OK"


def last_noon() -> datetime:
    """12:00 UTC today, or yesterday before noon: daytime in the demo's time zones.

    Campaigns hold messages back in the recipient's quiet hours, so a run in the
    European evening would send nothing; the campaign is sent at noon instead.
    """
    now = datetime.now(UTC)
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    return noon if noon <= now else noon - timedelta(days=1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def furnish(db: Path) -> Furnished:
    """Build personas, queue review pairs, send a campaign with opens, clicks and orders."""
    port = free_port()
    smtp = Controller(_Accept(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        # A wider review band than the default (0.8): the 200-customer shop's model is
        # trained on few records, and at the default it may queue no pair at all.
        with Workspace.open(db, FixedClock(last_noon()), smtp_port=port, resolution_lower=0.5) as ws:
            ws.resolution.resolve(retrain=True)
            pending = len(ws.resolution.pairs("pending", limit=1000))
            ws.personas.build(DiscoveryOptions(k_min=4, k_max=4, bootstraps=2, seed=0))
            ws.personas.build(DiscoveryOptions(k_min=4, k_max=4, bootstraps=2, seed=0))  # v2: the page words drift
            recipient = send_campaigns(ws)
            return Furnished(len(ws.personas.list()), pending, SALE, recipient)
    finally:
        smtp.stop()


def furnish_person(db: Path, email: str) -> None:
    """The person the tests look at answers a survey, withdraws marketing by SMS, and has a stale trait.

    The trait comes from a loyalty-card record two years old: its age on the profile
    page carries a "stale" badge, which once made the traits table outgrow its card.
    """
    with Workspace.open(db) as ws:
        ws.access.ensure_source("loyalty")
        old = (ws.clock.now() - timedelta(days=800)).isoformat()
        ws.ingest.send("loyalty", [{"type": "identify", "anonymousId": f"loyalty:{email}", "timestamp": old,
                                    "traits": {"email": email, "loyaltyCard": "LC-2291"}}])  # fmt: skip
        ws.surveys.create(SURVEY)
        ws.surveys.answer("delivery", ("email", email), {"score": 9, "speed": "fast"})
        ws.privacy.withdraw(ws.profiles.find("email", email), "marketing", "sms", actor="e2e")


def send_campaigns(ws: Workspace) -> int:
    """A sale with a control arm, then opens, clicks and orders; return a recipient's profile."""
    ws.access.ensure_source(SOURCE)
    ws.segments.create(SegmentSpec(AUDIENCE, AUDIENCE_CONDITION))
    ws.ingest.send(SOURCE, [opt_in(e, i) for i, e in enumerate(sorted(audience_emails(ws, AUDIENCE)))])
    ws.activation.create(CampaignSpec(SALE, AUDIENCE, TEMPLATE, control_share=0.3))
    ws.activation.send(SALE)
    return react(ws)


def audience_emails(ws: Workspace, segment: str) -> set[str]:
    members = [m["profile_id"] for m in ws.segments.members(segment, limit=1000)["members"]]
    return {email for p in members for email in ws.privacy.addresses(p, "marketing", "email")}


def opt_in(email: str, index: int) -> dict[str, Any]:
    """The shop's sign-up form reporting a marketing opt-in (one batch for everyone, not N writes)."""
    traits = {"email": email, "consent": {"marketing": {"email": True}}}
    return {"type": "identify", "anonymousId": f"e2e-opt-in-{index}", "traits": traits}


def react(ws: Workspace) -> int:
    """Half the sale's recipients open, a quarter click, every third orders."""
    messages = ws.activation.messages(SALE, "sent")
    for index, message in enumerate(messages):
        token = TOKEN.search(ws.activation.body(message["message_id"]))
        if token and index % 2 == 0:
            ws.activation.track(token.group(1), "open")
        if token and index % 4 == 0:
            ws.activation.track(token.group(1), "click")
    buyers = [m["address"] for m in messages[::3]]
    ws.ingest.send(SOURCE, [order(address, i, ws.clock.now()) for i, address in enumerate(buyers)])
    return int(messages[0]["profile_id"])


def order(email: str, index: int, at: datetime) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Order Completed",
        "anonymousId": f"e2e-buyer-{index}",
        "context": {"traits": {"email": email}},
        "timestamp": (at + timedelta(hours=1)).isoformat(),
        "properties": {"order_id": f"e2e-order-{index}", "revenue": 40 + index},
    }
