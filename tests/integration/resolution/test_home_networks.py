"""The home network rule of ``resolve`` on hand-written browsing: who it joins and who it leaves apart.

A customer logs in on a phone at home; a laptop on the same home network browses and
never logs in. The rule joins the laptop's profile to the customer's when the home
network (an IPv6 /64, or an IPv4 address) is where most of the laptop's events come
from, that customer is the only one seen on it, and both use one locale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.integration.resolution.test_devices import _views
from tests.integration.resolution.test_resolve_cli import run

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.resolution.networks import any_address
from persona360.resolution.queue import PairRow, add_pairs
from persona360.settings import load_settings

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1"
TABLET = "Mozilla/5.0 (Linux; Android 14; SM-X710) Chrome/129.0.0.0 Safari/537.36"
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0.0.0 Safari/537.36"
HOME = "2001:db8:4a1:77"  # the home's /64; each device has its own address in it, new every day
CARRIER = "203.0.113.9"  # a mobile carrier's NAT address: many customers' phones


def _at(ip: str, agent: str, locale: str = "uk-UA") -> dict[str, str]:
    return {"ip": ip, "userAgent": agent, "locale": locale}


def _customer(user: str, hours: float, ip: str = f"{HOME}:1c2:3ff:fe4a:11", locale: str = "uk-UA") -> list[Any]:
    return _views(f"phone-{user}-{hours}", hours, ["p1"], _at(ip, PHONE, locale), user=user)


def _laptop(hours: float, ip: str = f"{HOME}:9e0:17ab:c2:5", locale: str = "uk-UA") -> list[dict[str, Any]]:
    return _views("laptop", hours, ["p4", "p5"], _at(ip, LAPTOP, locale))


def _joined(ws: Workspace, user: str) -> bool:
    return ws.profiles.find("anonymous_id", "laptop") == ws.profiles.find("user_id", user)


@pytest.fixture
def web(workspace: Workspace) -> Workspace:
    workspace.access.add_source("web")
    return workspace


def test_a_laptop_that_never_logged_in_joins_the_one_customer_of_its_home(web: Workspace) -> None:
    # another day, another address in the same /64 (a spelling with "::" too)
    web.ingest.send("web", _customer("u1", 0) + _laptop(50) + _laptop(80, f"{HOME}::5"))
    assert not _joined(web, "u1")
    report = web.resolution.resolve()
    assert (report.homes, report.handovers) == (1, 0)
    assert _joined(web, "u1")
    (pair,) = web.resolution.pairs("merged")
    assert pair["explanation"] == {
        "rule": "home_network",
        "network": "2001:db8:4a1:77::/64",
        "locale": "uk-UA",
        "share": 1.0,
        "apart_days": pytest.approx(50 / 24, abs=0.01),
        "profiles": pair["explanation"]["profiles"],
    }


def test_a_tablet_mostly_on_its_carrier_joins_by_its_home_sessions(web: Workspace) -> None:
    # the carrier's address is crowded (two customers' phones), so it says nothing either way
    tablet = _views("laptop", 30, ["p4"], _at(f"{HOME}::77", TABLET))
    tablet += _views("laptop", 60, ["p1", "p2"], _at(CARRIER, TABLET))
    web.ingest.send("web", _customer("u1", 0) + _customer("u2", 1, CARRIER) + _customer("u3", 2, CARRIER) + tablet)
    assert web.resolution.resolve().homes == 1
    assert _joined(web, "u1")


@pytest.mark.parametrize(
    ("case", "messages"),
    [
        # two customers at home (housemates): whose laptop it is is not known
        ("housemates", _customer("u1", 0) + _customer("u2", 3, f"{HOME}::abcd") + _laptop(50)),
        # the laptop's home is a network no customer was seen on; the customer's is another
        ("another network", _customer("u1", 0) + _laptop(50, "2001:db8:4a1:78::5")),
        # the laptop browses in Polish where the customer browses in Ukrainian
        ("other locale", _customer("u1", 0) + _laptop(50, locale="pl-PL")),
        # two homes, each with its own customer: a visitor's device, or one of theirs
        ("two homes", _customer("u1", 0) + _customer("u2", 3, "192.0.2.44") + _laptop(50) + _laptop(60, "192.0.2.44")),
        # the prefix was the customer's six weeks before: renumbered, and now someone else's
        ("weeks apart", _customer("u1", -24 * 42) + _laptop(0)),
        # most of the laptop's events are at a network no customer uses; the home holds a third
        ("mostly elsewhere", _customer("u1", 0) + _views("laptop", 30, ["p4"], _at(f"{HOME}::5", LAPTOP))
         + _laptop(50, "2001:db8:99:1::1") + _laptop(55, "2001:db8:99:1::1")),
    ],
)  # fmt: skip
def test_a_laptop_whose_owner_is_in_doubt_stays_apart(
    web: Workspace, case: str, messages: list[dict[str, Any]]
) -> None:
    web.ingest.send("web", messages)
    assert web.resolution.resolve().homes == 0, case
    assert not _joined(web, "u1"), case


def test_an_unmerged_home_link_is_not_redone(web: Workspace) -> None:
    web.ingest.send("web", _customer("u1", 0) + _laptop(50))
    assert web.resolution.resolve().homes == 1
    web.identity.unmerge(("anonymous_id", "laptop"))
    assert not _joined(web, "u1")
    assert web.resolution.resolve().homes == 0
    assert not _joined(web, "u1")


def test_the_rule_is_a_setting(tmp_path: Path, clock: FixedClock) -> None:
    for on in (True, False):
        settings = load_settings(db=tmp_path / f"ws-{on}.duckdb", resolution_home_network=on)
        with Workspace(settings, clock, create=True) as ws:
            ws.access.add_source("web")
            ws.ingest.send("web", _customer("u1", 0) + _laptop(50))
            assert ws.resolution.resolve().homes == int(on)
            assert _joined(ws, "u1") is on


def test_review_lists_a_home_link_by_its_rule(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace.open(db) as ws:
        ws.access.add_source("web")
        ws.ingest.send("web", _customer("u1", 0) + _laptop(50))
    assert "0 anonymous profiles joined by device handover, 1 by home network" in run(db, "resolve").stdout
    assert "home network rule" in run(db, "review", "list", "--status", "merged").stdout  # as the profile card names it
    (pair,) = json.loads(run(db, "review", "list", "--status", "merged", "--json").stdout)
    assert pair["explanation"]["rule"] == "home_network"


def test_a_decision_is_listed_before_the_rule_merges_of_an_earlier_run(web: Workspace, clock: FixedClock) -> None:
    # rule merges have probability 1.0: ordered by probability, a reviewer's decision sank behind them
    web.ingest.send("web", _customer("u1", 0) + _laptop(50) + _customer("u2", 5, "192.0.2.44"))
    assert web.resolution.resolve().homes == 1
    ids = dict(web.db.query("SELECT value, identifier_id FROM identifiers WHERE kind = 'user_id'"))
    add_pairs(web.db, [PairRow(ids["u1"], ids["u2"], 0.9, {"match_weights": {}}, "pending")], clock.now(), "test")
    (pending,) = web.resolution.pairs("pending")
    clock.advance(minutes=5)
    web.resolution.reject(pending["pair_id"])
    assert [p["status"] for p in web.resolution.decided()] == ["rejected", "merged"]


def test_the_rules_look_at_events_only_when_one_has_an_address(web: Workspace) -> None:
    web.ingest.send("web", [{"type": "identify", "userId": "u1", "traits": {"email": "a@example.com"}}])
    web.ingest.send("web", _views("a1", 0, ["p1"], {"locale": "uk-UA", "ip": " "}))
    assert not any_address(web.db)
    web.ingest.send("web", _customer("u1", 1))
    assert any_address(web.db)
