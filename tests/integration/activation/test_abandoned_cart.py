"""End to end: an abandoned-cart campaign on a pinned clock, over a real SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration.activation.conftest import Inbox, free_port, serve
from integration.segments.clocked import at
from persona360 import Workspace
from persona360.activation import CampaignSpec
from persona360.activation.channels.smtp import SmtpChannel, SmtpConfig
from persona360.activation.timing import arm
from persona360.api.app import create_app
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

ABANDONED = 'then_not("Product Added", "Order Completed", within = 30m)'
TEMPLATE = """Subject: {{ greeting() }}, ваш кошик чекає

{{ g("Дорогий", "Дорога", "Вітаємо,") }} {{ greeting() }}!
У кошику: {{ event.name }} за {{ money(event.price) }}.
Доставимо в {{ traits.city | default("ваше місто") }}.
Повернутися: {{ link("https://shop.example/cart") }}
"""
PEOPLE = [f"p{i}" for i in range(12)]


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock, smtp: Inbox) -> Iterator[Workspace]:
    settings = load_settings(
        db=tmp_path / "ws.duckdb",
        smtp_port=smtp.port,
        activation_max_attempts=3,
        tracking_base_url="http://testserver",
    )
    workspace = Workspace(settings, clock, create=True)
    workspace.access.add_source("web")
    yield workspace
    workspace.close()


def shop_day(ws: Workspace, clock: FixedClock) -> dict[str, int]:
    """Twelve shoppers add to cart; all but p11 consent to marketing email; p0 has a stale city."""
    old = clock.now() - timedelta(days=400)
    calls: list[dict[str, Any]] = [
        {"type": "identify", "userId": "p0", "timestamp": old.isoformat(), "traits": {"city": "Lviv"}}
    ]
    for i, user in enumerate(PEOPLE):
        traits = {"email": f"{user}@x.org", "first_name": "Олена" if i % 2 == 0 else "Тарас"}
        traits["gender"] = "female" if i % 2 == 0 else "male"
        calls.append(at(clock, type="identify", userId=user, traits=traits))
        calls.append(
            at(clock, type="track", userId=user, event="Product Added", properties={"name": "Кросівки", "price": 1999})
        )
    ws.ingest.send("web", calls)
    ids = {user: ws.profiles.find("user_id", user) for user in PEOPLE}
    for user in PEOPLE[:-1]:
        ws.privacy.grant(ids[user], "marketing", "email")
    return ids


@pytest.mark.serial
def test_abandoned_cart_campaign_from_event_to_report(ws: Workspace, clock: FixedClock, smtp: Inbox) -> None:
    ids = shop_day(ws, clock)
    ws.segments.create(SegmentSpec("abandoned cart", ABANDONED))
    ws.activation.create(CampaignSpec("cart", "abandoned cart", TEMPLATE, control_share=0.3, event="Product Added"))
    assert ws.activation.send("cart")["queued"] == 0  # nobody has abandoned yet
    clock.advance(minutes=31)
    ws.segments.sweep()
    treated = {u for u in PEOPLE[:-1] if arm("cart", ids[u], 0.3) == "treatment"}
    result = ws.activation.send("cart")
    assert (result["no_consent"], result["queued"], result["sent"]) == (1, len(treated), len(treated))
    assert result["control"] == 11 - len(treated) > 0
    assert {m["To"] for m in smtp.messages} == {f"{u}@x.org" for u in treated}

    first = smtp.to(f"{sorted(treated)[0]}@x.org")[0]
    text = Inbox.text(first)
    assert "Кросівки" in text and "1\xa0999,00\xa0₴" in text and "None" not in text
    assert ("Дорога Олена!" in text) or ("Дорогий Тарас!" in text)
    assert "Тарас Олена" not in text

    server, thread, base = serve(create_app(ws))
    client = httpx.Client(base_url=base)
    link = re.search(r"http://testserver(/t/c/\S+)", text).group(1)  # type: ignore[union-attr]
    response = client.get(link, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (302, "https://shop.example/cart")
    assert client.get(link[:-3] + "abc", follow_redirects=False).status_code == 400
    pixel = re.search(r'src="http://testserver(/t/o/[^"]+)"', first.get_payload()[1].get_payload(decode=True).decode())
    assert client.get(pixel.group(1)).headers["content-type"] == "image/gif"  # type: ignore[union-attr]
    client.close()
    server.should_exit = True
    thread.join()

    buyer = next(u for u in sorted(treated))
    clock.advance(hours=2)
    orders = {"o-1": 10.1, "o-2": 20.2, "o-3": 2469.8}  # as floats these add up to 2500.1000000000004
    ws.ingest.send(
        "web",
        [
            at(clock, type="track", userId=buyer, event="Order Completed", properties={"order_id": o, "revenue": r})
            for o, r in orders.items()
        ]
        + [  # the same buyer pays in dollars once: never added to the hryvnias
            at(clock, type="track", userId=buyer, event="Order Completed",
               properties={"order_id": "o-4", "revenue": 12.5, "currency": "usd"})
        ],
    )  # fmt: skip
    report = ws.activation.report("cart")
    assert (report["sends"], report["delivered"], report["opens"], report["clicks"]) == (
        len(treated),
        len(treated),
        1,
        1,
    )
    assert (report["conversions"], report["revenue"]) == (1, {"UAH": 2500.1, "USD": 12.5})  # no currency: UAH
    assert report["arms"]["treatment"]["orders"] == 4 and report["arms"]["control"]["revenue"] == {}
    assert report["rate"] == pytest.approx(1 / len(treated))
    assert report["control_rate"] == 0.0
    assert report["ci_low"] < report["difference"] < report["ci_high"]
    again = ws.activation.send("cart")  # nobody is messaged twice; p11 is asked about consent again
    assert (again["new"], again["no_consent"], again["sent"]) == (1, 1, 0)


def test_stale_trait_falls_back_to_generic_wording(ws: Workspace, clock: FixedClock, smtp: Inbox) -> None:
    ids = shop_day(ws, clock)
    result = ws.activation.preview(TEMPLATE, ids["p0"], {"name": "Кросівки", "price": 10})
    assert "Lviv" not in result.text and "ваше місто" in result.text
    assert "city" not in result.traits_used and "first_name" in result.traits_used


def test_withdrawn_consent_means_no_send_even_when_already_queued(
    ws: Workspace, clock: FixedClock, smtp: Inbox
) -> None:
    ids = shop_day(ws, clock)
    ws.segments.create(SegmentSpec("carts", 'count("Product Added") >= 1'))
    ws.privacy.withdraw(ids["p1"], "marketing", "email")
    clock.set(clock.now().replace(hour=20))  # 22:00 in Kyiv: quiet hours, messages wait
    ws.activation.create(CampaignSpec("evening", "carts", "Привіт, {{ greeting() }}", control_share=0))
    result = ws.activation.send("evening")
    assert (result["no_consent"], result["deferred"], result["sent"]) == (2, 10, 0)
    ws.privacy.withdraw(ids["p2"], "marketing", "email")
    clock.advance(hours=13)  # 09:00 in Kyiv
    assert ws.activation.deliver_due() == {"sent": 9, "retried": 0, "dead": 0, "cancelled": 1}
    assert not smtp.to("p1@x.org") and not smtp.to("p2@x.org") and len(smtp.messages) == 9


def test_frequency_cap_holds_a_second_campaign_for_a_day(ws: Workspace, clock: FixedClock, smtp: Inbox) -> None:
    shop_day(ws, clock)
    ws.segments.create(SegmentSpec("carts", 'count("Product Added") >= 1'))
    for name in ("one", "two"):
        ws.activation.create(CampaignSpec(name, "carts", "Привіт, {{ greeting() }}", control_share=0))
    assert ws.activation.send("one")["sent"] == 11
    assert ws.activation.send("two")["capped"] == 11
    clock.advance(hours=25)
    assert ws.activation.send("two")["sent"] == 11
    assert len(smtp.messages) == 22


def test_failing_channel_is_retried_with_backoff_then_dead_lettered(
    ws: Workspace, clock: FixedClock, smtp: Inbox
) -> None:
    shop_day(ws, clock)
    ws.segments.create(SegmentSpec("carts", 'count("Product Added") >= 1'))
    closed = free_port()  # nothing listens there: every connection is refused
    ws.activation.channel_factories["email"] = lambda: SmtpChannel(SmtpConfig("127.0.0.1", closed, "shop@x.org"))
    ws.activation.create(CampaignSpec("down", "carts", "Привіт", control_share=0))
    assert ws.activation.send("down")["retried"] == 11
    assert ws.activation.deliver_due() == {"sent": 0, "retried": 0, "dead": 0, "cancelled": 0}  # backoff
    clock.advance(minutes=1)
    assert ws.activation.deliver_due()["retried"] == 11
    clock.advance(minutes=2)
    assert ws.activation.deliver_due()["dead"] == 11
    dead = ws.activation.messages("down", "dead")
    assert len(dead) == 11 and all(m["attempts"] == 3 and "Connection" in m["error"] for m in dead)
    assert smtp.messages == []
