"""Where the demo's sessions connect from: homes (IPv6 /64, shared by housemates), carriers, offices."""

from __future__ import annotations

import ipaddress
from collections import defaultdict

import pytest
from demo_shop_data import Demo

from persona360.demo.networks import AT_HOME, CARRIER_POOL, address, home_of

_DAY = 86_400.0
_V6_DOC = ipaddress.ip_network("2001:db8::/32")
_V4_DOC = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


def _network(ip: str) -> str:
    parsed = ipaddress.ip_address(ip)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if parsed.version == 6 else ip


def _index(person_id: str) -> int:
    return int(person_id.split("-")[1]) - 1


def test_housemates_share_a_home_and_every_shared_device_is_in_one() -> None:
    homes = [home_of(7, index, 0.15) for index in range(4000)]
    pairs = [homes[i] == homes[i + 1] for i in range(0, 4000, 2)]
    assert sum(pairs) / len(pairs) == pytest.approx(0.15, abs=0.03)
    assert all(homes[i] != homes[i + 1] for i in range(0, 4000, 2) if homes[i].startswith("own-"))
    # people._devices gives a pair its family device on the same hash below shared_device (0.06)
    sharing_device = {i // 2 for i in range(4000) if home_of(7, i, 0.06).startswith("pair-")}
    assert 0 < len(sharing_device) < sum(pairs)
    assert sharing_device <= {i // 2 for i in range(4000) if homes[i].startswith("pair-")}


def test_every_address_is_from_the_documentation_ranges() -> None:
    for n in range(3000):
        ip = ipaddress.ip_address(
            address(7, f"own-{n}", "ua", n, f"device-{n}", ("mobile", "desktop", "tablet")[n % 3], n * 5000.0)
        )
        assert ip in _V6_DOC if ip.version == 6 else any(ip in net for net in _V4_DOC)


def test_one_home_is_one_network_a_day_with_an_address_per_device() -> None:
    day = 1_790_000_000.0
    at_home = [
        address(7, "pair-3", "ua", 6, device, "desktop", day + hour * 3600)
        for device in ("laptop", "pc")
        for hour in range(0, 20, 3)
    ]
    home = [ip for ip in at_home if ":" in ip]
    assert len({_network(ip) for ip in home}) == 1
    assert {ip for ip in home if ip in at_home[:7]}.isdisjoint(ip for ip in home if ip in at_home[7:])


def test_a_home_is_renumbered_now_and_then() -> None:
    start = 1_780_000_000.0
    prefixes = {_network(address(7, "own-1", "ua", 1, "pc", "tablet", start + d * _DAY)) for d in range(400)}
    prefixes = {p for p in prefixes if "/" in p}
    assert 400 / 180 - 1 <= len(prefixes) <= 400 / 20 + 1


def test_phones_away_from_home_share_a_small_carrier_pool() -> None:
    away = {address(7, f"own-{n}", "pl", n, f"phone-{n}", "mobile", 1_790_000_000.0 + n * 977.0) for n in range(3000)}
    carrier = {ip for ip in away if ":" not in ip}
    assert len(carrier) <= CARRIER_POOL
    assert len(carrier) / len(away) < 0.1  # most phones' addresses are each its own home's


def test_sessions_are_at_home_near_the_share_each_kind_of_device_is(demo: Demo) -> None:
    # a person's home network is the IPv6 /64 most of their desktop events come from
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for e in demo.events:
        kind = e["context"].get("device", {}).get("type")
        if kind in AT_HOME and not e["context"].get("app"):
            by_kind[kind].append(":" in e["context"]["ip"])
    for kind, home in by_kind.items():
        assert sum(home) / len(home) == pytest.approx(AT_HOME[kind], abs=0.1), kind


def test_a_persons_devices_meet_on_their_home_network(demo: Demo) -> None:
    networks: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in demo.events:
        if ":" in e["context"]["ip"]:
            person = demo.person("shop-web", e["messageId"])
            networks[person][_network(e["context"]["ip"])].add(e["anonymousId"])
    several = [p for p, nets in networks.items() if len({a for ids in nets.values() for a in ids}) > 1]
    meeting = [p for p in several if any(len(ids) > 1 for ids in networks[p].values())]
    assert len(meeting) / len(several) > 0.8
