"""The network of an address, cut in SQL, held to Python's ipaddress."""

from __future__ import annotations

import ipaddress
import random

import duckdb
import pytest

from persona360.resolution.networks import network_sql


def _expected(address: str) -> str:
    """IPv4 as it is, an IPv4-mapped IPv6 as its IPv4, other IPv6 by the first four groups of its /64."""
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv4Address):
        return address
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return ":".join(group.lstrip("0") or "0" for group in parsed.exploded.split(":")[:4]) + "::/64"


def _networks(addresses: list[str]) -> list[str]:
    sql = f"SELECT {network_sql('ip')} FROM (SELECT unnest($ips) AS ip, generate_subscripts($ips, 1) AS n) ORDER BY n"
    return [row[0] for row in duckdb.sql(sql, params={"ips": addresses}).fetchall()]


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8:d949:a70c:95c6:7a80:4d3a:563e", "2001:db8:d949:a70c::/64"),
        ("2001:db8::1", "2001:db8:0:0::/64"),
        ("2001:0db8:0000:0001:0:0:0:1", "2001:db8:0:1::/64"),
        ("2001:db8:1:2:3::", "2001:db8:1:2::/64"),
        ("::1", "0:0:0:0::/64"),
        ("::", "0:0:0:0::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
    ],
)
def test_the_network_of_an_address(address: str, network: str) -> None:
    assert _networks([address]) == [network] == [_expected(address)]


def test_two_spellings_of_one_ipv6_network_are_one_network() -> None:
    assert len(set(_networks(["2001:db8:0:1::5", "2001:0db8:0:0001:aaaa:bbbb:cccc:dddd", "2001:db8:0:1:0::9"]))) == 1


def test_every_ipv6_spelling_agrees_with_ipaddress() -> None:
    rng = random.Random(7)
    addresses = []
    for _ in range(2000):  # runs of zeros make "::" fall anywhere
        groups = [rng.choice((0, 0, rng.randrange(65536))) for _ in range(8)]
        parsed = ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))
        addresses += [str(parsed), parsed.exploded]
    assert _networks(addresses) == [_expected(a) for a in addresses]
