"""An always-on trigger on a real ``persona360 serve``: an order in, its confirmation out over real SMTP.

The order is tracked over HTTP like a shop would; the server's trigger worker answers
the committed event through the same outbox, consent and cap as any campaign, and an
aiosmtpd server on loopback receives the mail. Nothing is sent by the test itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from integration.activation.conftest import Inbox, activation_server
from integration.server import Live

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]
RECEIPT = (
    "Subject: Замовлення {{ event.order_id }} прийнято\n\n"
    "{{ greeting() }}, дякуємо! Замовлення {{ event.order_id }} на {{ money(event.revenue) }}."
)
WAIT = 90.0  # seconds a loaded 2-core machine may take between the order and the mail


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, smtp_sink: Inbox) -> Iterator[Live]:
    with activation_server(
        tmp_path_factory.mktemp("event-trigger"), smtp_sink.port, activation_frequency_cap="2"
    ) as live:
        yield live


def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def wait_for(inbox: Inbox, count: int) -> None:
    deadline = time.monotonic() + WAIT
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def order(tracking: httpx.Client, user: str, order_id: str, revenue: float) -> None:
    properties = {"order_id": order_id, "revenue": revenue}
    ok(tracking.post("/v1/track", json={"userId": user, "event": "Order Completed", "properties": properties}))


def test_an_order_sends_its_confirmation_through_consent_and_cap(live: Live, smtp_sink: Inbox) -> None:
    with live.tracking() as tracking, live.admin() as admin:
        for user in ("ann", "bob"):
            traits = {"email": f"{user}@x.org", "first_name": "Олена" if user == "ann" else "Богдан"}
            ok(tracking.post("/v1/identify", json={"userId": user, "traits": traits}))
        order(tracking, "ann", "A0", 100)  # before the campaign exists: never answered
        bob = ok(admin.get("/v1/profiles/lookup", params={"email": "bob@x.org"}))["profile_id"]
        withdraw = {"action": "withdraw", "purpose": "transactional", "channel": "email"}
        ok(admin.post(f"/v1/profiles/{bob}/consent", json=withdraw))
        body = {
            "name": "receipt",
            "template": RECEIPT,
            "trigger_event": "Order Completed",
            "purpose": "transactional",
            "control_share": 0,
        }
        made = ok(admin.post("/v1/campaigns", json=body), 201)
        assert (made["segment"], made["purpose"], made["trigger_event"]) == ("", "transactional", "Order Completed")
        ok(tracking.post("/v1/track", json={"userId": "ann", "event": "Product Viewed"}))  # not the trigger
        order(tracking, "ann", "A1", 1200)
        order(tracking, "bob", "B1", 50)  # bob withdrew transactional email
        wait_for(smtp_sink, 1)
        assert [m["To"] for m in smtp_sink.messages] == ["ann@x.org"]
        assert "A1" in str(smtp_sink.messages[0]["Subject"]) or "A1" in Inbox.text(smtp_sink.messages[0])
        text = Inbox.text(smtp_sink.messages[0])
        assert text.startswith("Олена, дякуємо! Замовлення A1 на 1")
        order(tracking, "ann", "A2", 10)
        wait_for(smtp_sink, 2)
        order(tracking, "ann", "A3", 10)  # the third in 24 hours: over the cap of 2
        ok(tracking.post("/v1/identify", json={"userId": "cy", "traits": {"email": "cy@x.org"}}))
        order(tracking, "cy", "C1", 5)  # answered after A3 (events in order): its mail shows A3 was handled
        wait_for(smtp_sink, 3)
        log = ok(admin.get("/v1/campaigns/receipt/messages"))["messages"]
        report = delivered_report(admin, 3)
    texts = [Inbox.text(m) for m in smtp_sink.messages]
    assert [t.split("Замовлення ")[1].split(" ")[0] for t in texts] == ["A1", "A2", "C1"]
    assert [m["To"] for m in smtp_sink.messages] == ["ann@x.org", "ann@x.org", "cy@x.org"]
    assert texts[2].startswith("друже, дякуємо!")  # no first name: the generic salutation
    assert [m["status"] for m in log] == ["sent"] * 3
    assert bob not in {m["profile_id"] for m in log}
    # the worker's counts: five orders, bob's without consent, ann's third over the cap
    runs = report["runs"]
    assert (runs["considered"], runs["queued"], set(runs["by_kind"])) == (5, 3, {"event"})
    assert (runs["skipped"]["no_consent"], runs["skipped"]["capped"]) == (1, 1)
    assert (report["delivered"], report["dead"], report["retrying"]) == (3, 0, 0)
    assert report["worker"]["runs"] >= 1 and report["worker"]["failures"] == 0


def delivered_report(admin: httpx.Client, count: int) -> Any:
    """The campaign's report once ``count`` messages are marked sent (the worker saves after the server answers)."""
    deadline = time.monotonic() + WAIT
    report = ok(admin.get("/v1/campaigns/receipt/report"))
    while report["delivered"] < count and time.monotonic() < deadline:
        time.sleep(0.1)
        report = ok(admin.get("/v1/campaigns/receipt/report"))
    return report
