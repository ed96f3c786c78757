"""The device handover rule of ``resolve`` on hand-written browsing: who it joins and who it leaves apart.

A customer browses and buys on a laptop, clears its cookies, and browses on with a new
anonymous id that never logs in. The rule joins that id's profile to the customer's
when the device (IP, user agent, locale) is the same, the new id starts after the old
one stopped and within ``resolution_device_hours``, it is the only such profile, and
both looked at a product in common.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from tests.integration.resolution.test_resolve_cli import run

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.resolution.devices import handovers
from persona360.settings import load_settings

LAPTOP = {"ip": "192.0.2.10", "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0", "locale": "uk-UA"}
START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _views(
    anonymous_id: str, hours: float, products: list[str], device: dict[str, str], user: str | None = None
) -> list[dict[str, Any]]:
    """A short session: one product viewed a minute, ``hours`` after START."""
    at = START + timedelta(hours=hours)
    messages = []
    for n, product in enumerate(products):
        message: dict[str, Any] = {
            "type": "track",
            "event": "Product Viewed",
            "anonymousId": anonymous_id,
            "properties": {"product_id": product},
            "context": device,
            "timestamp": (at + timedelta(minutes=n)).isoformat(),
        }
        if user:
            message["userId"] = user
        messages.append(message)
    return messages


def _customer(anonymous_id: str, user: str, hours: float, device: dict[str, str] = LAPTOP) -> list[dict[str, Any]]:
    """A customer who logs in on a device and looks at two products."""
    return _views(anonymous_id, hours, ["p1", "p2"], device, user=user)


def _anonymous(ws: Workspace, anonymous_id: str) -> int:
    return ws.profiles.find("anonymous_id", anonymous_id)


def _customer_profile(ws: Workspace, user: str) -> int:
    return ws.profiles.find("user_id", user)


@pytest.fixture
def web(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    """A workspace with the home network rule off: these cases are about the device rule alone."""
    with Workspace(load_settings(db=tmp_path / "web.duckdb", resolution_home_network=False), clock, create=True) as ws:
        ws.access.add_source("web")
        yield ws


def test_a_browser_after_a_cookie_reset_joins_the_customer_it_browsed_as(web: Workspace) -> None:
    web.ingest.send("web", _customer("a-old", "u1", 0) + _views("a-new", 30, ["p2", "p9"], LAPTOP))
    assert _anonymous(web, "a-new") != _customer_profile(web, "u1")
    report = web.resolution.resolve()
    assert report.handovers == 1
    assert _anonymous(web, "a-new") == _customer_profile(web, "u1")
    (pair,) = web.resolution.pairs("merged")
    explanation = pair["explanation"]
    assert explanation["rule"] == "device_handover"
    assert explanation["device"] == {"ip": LAPTOP["ip"], "agent": LAPTOP["userAgent"], "locale": "uk-UA"}
    assert explanation["shared_products"] == 1
    assert 29 < explanation["gap_hours"] < 30


def test_an_ipv6_browser_is_followed_by_its_network_as_its_address_changes(web: Workspace) -> None:
    # a privacy address, new every day: the /64 is the home, the rest of the address is not the device
    before, after = {**LAPTOP, "ip": "2001:db8:4a1:77:1c2:3ff:fe4a:11"}, {**LAPTOP, "ip": "2001:DB8:4A1:77::9"}
    web.ingest.send("web", _customer("a-old", "u1", 0, before) + _views("a-new", 30, ["p2"], after))
    assert web.resolution.resolve().handovers == 1
    assert _anonymous(web, "a-new") == _customer_profile(web, "u1")
    (pair,) = web.resolution.pairs("merged")
    assert pair["explanation"]["device"]["ip"] == "2001:db8:4a1:77::/64"


def test_a_network_two_customers_use_hands_nothing_over(web: Workspace) -> None:
    # a carrier's NAT address: u2's phone there too, so the same browser and locale on it prove nothing
    other = {**LAPTOP, "userAgent": "Mozilla/5.0 (iPhone) Safari/604.1"}
    web.ingest.send(
        "web", _customer("a-old", "u1", 0) + _customer("b", "u2", 5, other) + _views("a-new", 30, ["p2"], LAPTOP)
    )
    assert web.resolution.resolve().handovers == 0
    assert _anonymous(web, "a-new") != _customer_profile(web, "u1")


def test_a_user_agent_holding_a_bar_is_explained_whole(web: Workspace) -> None:
    tablet = {**LAPTOP, "userAgent": "ShopApp/2.1 | Android 14 | Pixel Tablet", "locale": "pl-PL"}
    web.ingest.send("web", _customer("a-old", "u1", 0, tablet) + _views("a-new", 30, ["p2"], tablet))
    assert web.resolution.resolve().handovers == 1
    (pair,) = web.resolution.pairs("merged")
    assert pair["explanation"]["device"] == {"ip": LAPTOP["ip"], "agent": tablet["userAgent"], "locale": "pl-PL"}


def test_an_unmerged_handover_is_not_redone(web: Workspace) -> None:
    web.ingest.send("web", _customer("a-old", "u1", 0) + _views("a-new", 30, ["p2"], LAPTOP))
    assert web.resolution.resolve().handovers == 1
    web.identity.unmerge(("anonymous_id", "a-new"))
    assert _anonymous(web, "a-new") != _customer_profile(web, "u1")
    assert web.resolution.resolve().handovers == 0
    assert _anonymous(web, "a-new") != _customer_profile(web, "u1")


def test_the_id_that_stopped_before_the_customer_logged_in_also_joins(web: Workspace) -> None:
    # the other direction: anonymous browsing, a reset, then the new id logs in
    web.ingest.send("web", _views("a-first", 0, ["p1"], LAPTOP) + _customer("a-later", "u1", 20))
    assert web.resolution.resolve().handovers == 1
    assert _anonymous(web, "a-first") == _customer_profile(web, "u1")


def test_one_device_through_two_resets_joins_the_customer_whole(web: Workspace) -> None:
    # each id begins 60 hours after the one before it stopped; the first and last are 120 apart
    web.ingest.send(
        "web", _customer("a-old", "u1", 0) + _views("a-mid", 60, ["p1"], LAPTOP) + _views("a-new", 120, ["p1"], LAPTOP)
    )
    assert web.resolution.resolve().handovers == 2
    assert _anonymous(web, "a-mid") == _anonymous(web, "a-new") == _customer_profile(web, "u1")


def test_an_anonymous_id_between_two_accounts_does_not_join_them(web: Workspace) -> None:
    # the laptop passed from one customer to another: all that ties them is the anonymous middle
    web.ingest.send(
        "web", _customer("a-old", "u1", 0) + _views("a-mid", 60, ["p1"], LAPTOP) + _customer("a-new", "u2", 120)
    )
    assert web.resolution.resolve().handovers == 0
    assert len({_customer_profile(web, "u1"), _anonymous(web, "a-mid"), _customer_profile(web, "u2")}) == 3


@pytest.mark.parametrize(
    ("case", "messages"),
    [
        # two devices on one address and agent in use over the same hours: two people (a household, an office)
        ("overlapping", _customer("a-old", "u1", 0) + _customer("a-x", "u1", 40) + _views("a-new", 30, ["p2"], LAPTOP)),
        # the new id starts later than the gap allowed (96 hours by default)
        ("too late", _customer("a-old", "u1", 0) + _views("a-new", 100, ["p2"], LAPTOP)),
        # another locale: another person on the same address and browser
        ("other locale", _customer("a-old", "u1", 0) + _views("a-new", 30, ["p2"], {**LAPTOP, "locale": "pl-PL"})),
        # another browser on the same address
        ("other agent", _customer("a-old", "u1", 0) + _views("a-new", 30, ["p2"], {**LAPTOP, "userAgent": "Safari"})),
        # nothing looked at in common
        ("no shared product", _customer("a-old", "u1", 0) + _views("a-new", 30, ["p7"], LAPTOP)),
        # two customers' ids stopped on that device before it: which one is not known
        (
            "two candidates",
            _customer("a-old", "u1", 0) + _customer("b-old", "u2", 2) + _views("a-new", 30, ["p2"], LAPTOP),
        ),
    ],
)
def test_a_device_that_does_not_clearly_continue_one_profile_stays_apart(
    web: Workspace, case: str, messages: list[dict[str, Any]]
) -> None:
    web.ingest.send("web", messages)
    assert web.resolution.resolve().handovers == 0, case
    assert _anonymous(web, "a-new") != _customer_profile(web, "u1")


def test_the_gap_is_a_setting_and_zero_turns_the_rule_off(tmp_path: Path, clock: FixedClock) -> None:
    messages = _customer("a-old", "u1", 0) + _views("a-new", 120, ["p2"], LAPTOP)
    for hours, joined in ((150.0, True), (96.0, False), (0.0, False)):
        settings = load_settings(
            db=tmp_path / f"ws-{hours}.duckdb", resolution_device_hours=hours, resolution_home_network=False
        )
        with Workspace(settings, clock, create=True) as ws:
            ws.access.add_source("web")
            ws.ingest.send("web", messages)
            assert ws.resolution.resolve().handovers == int(joined)
            assert (_anonymous(ws, "a-new") == _customer_profile(ws, "u1")) is joined


@pytest.mark.parametrize("hours", [-1.0, math.inf, math.nan])
def test_a_bad_gap_is_refused(tmp_path: Path, web: Workspace, hours: float) -> None:
    with pytest.raises(ValidationError, match="resolution_device_hours"):
        load_settings(db=tmp_path / "bad.duckdb", resolution_device_hours=hours)
    with pytest.raises(ValueError, match="device handover hours"):
        handovers(web.db, hours)


def test_review_lists_a_handover_by_its_rule(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace.open(db) as ws:
        ws.access.add_source("web")
        ws.ingest.send("web", _customer("a-old", "u1", 0) + _views("a-new", 30, ["p2"], LAPTOP))
    assert "1 anonymous profiles joined by device handover" in run(db, "resolve").stdout
    # the table names the rule instead of match weights (it may wrap it); --json keeps the whole explanation
    assert "29.98 h apart" in run(db, "review", "list", "--status", "merged").stdout
    (pair,) = json.loads(run(db, "review", "list", "--status", "merged", "--json").stdout)
    assert pair["explanation"]["rule"] == "device_handover"
