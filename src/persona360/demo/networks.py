"""Where a session connects from: the IP address in its events' ``context.ip``.

Until now each device had one address of its own for the whole window, drawn from the
762 addresses of the IPv4 documentation ranges: strangers' devices shared an address at
random (about thirteen people an address in a 10,000-person shop) and one person's
devices never did. Real traffic is the other way round, and identity resolution
depends on it:

- **A home** is one network for everyone in it: every device on the home Wi-Fi shows
  the home's address. Homes here are IPv6, as most Ukrainian and Polish fixed lines and
  mobile carriers now hand out, each a /64 prefix of the documentation block
  ``2001:db8::/32`` (RFC 3849, never anyone's), with the device's own interface id
  after it (a privacy address, new every day). The provider renumbers the prefix now
  and then (a lease of 20 to 180 days).
- **Housemates** share it: the two people of a household (``DirtRates.shared_home``)
  have one home network, so an address is evidence of a home, not of a person.
- **Elsewhere** a device shows a shared IPv4 address from the documentation ranges
  (RFC 5737): a mobile carrier's NAT, picked anew for each session from a small pool
  per country, a workplace's single address, shared with colleagues, or a café's.

Every choice comes from a hash of the person, the device or the session, never from the
person's random stream, so the rest of the shop (every event, order and id) is the same
as before this model.
"""

from __future__ import annotations

from persona360.demo.identifiers import hash_int, hash_unit

# Share of sessions at home, by the device's kind (the rest: carrier for phones, office
# or café for the others). Phones are on the home Wi-Fi for a part of their use.
AT_HOME = {"mobile": 0.4, "desktop": 0.85, "tablet": 0.95}
CARRIER_POOL = 48  # NAT addresses of one country's mobile carriers
COLLEAGUES = 25  # people who work behind one office address
_DOC_V4 = ("192.0.2", "198.51.100", "203.0.113")
_DAY = 86_400.0


def home_of(seed: int, index: int, shared_home: float) -> str:
    """The household key of person ``index``: the pair ``index // 2`` shares one when its hash says so.

    The same hash decides a household's shared device (``people._devices``), so with
    ``shared_home`` at or above ``shared_device`` every shared device is in a shared home.
    """
    pair = index // 2
    return f"pair-{pair}" if hash_unit(seed, "family", pair) < shared_home else f"own-{index}"


def address(seed: int, home: str, country: str, person: int, device: str, kind: str, start: float) -> str:
    """The address one session of ``device`` (its first ``anonymousId``) shows, starting at ``start``.

    Args:
        seed: the shop's seed.
        home: the person's household key (``home_of``).
        country: the person's country code, for the carrier.
        person: the person's index (their workplace).
        device: a key stable for the device's life.
        kind: ``mobile``, ``desktop`` or ``tablet``.
        start: the session's start, epoch seconds.
    """
    where = hash_unit(seed, "where", device, start)
    if where < AT_HOME[kind]:
        return _home_address(seed, home, device, start)
    if kind == "mobile":
        return _v4(seed, "carrier", country, hash_int(seed, "cell", device, start) % CARRIER_POOL)
    if kind == "desktop":
        return _v4(seed, "office", person // COLLEAGUES)
    return _v4(seed, "cafe", hash_int(seed, "cafe", device, start) % 1000)


def _home_address(seed: int, home: str, device: str, start: float) -> str:
    lease = 20 + hash_int(seed, "lease", home) % 161  # days until the provider renumbers
    phase = hash_unit(seed, "lease-phase", home) * lease
    epoch = int((start / _DAY + phase) // lease)
    prefix = hash_int(seed, "prefix", home, epoch)
    day = int(start // _DAY)
    iid = hash_int(seed, "iid", device, day)
    groups = [prefix >> 48 & 0xFFFF, prefix >> 32 & 0xFFFF, *(iid >> s & 0xFFFF for s in (48, 32, 16, 0))]
    return "2001:db8:" + ":".join(f"{g:x}" for g in groups)


def _v4(seed: int, *key: object) -> str:
    h = hash_int(seed, "ip", *key)
    return f"{_DOC_V4[h % 3]}.{h // 3 % 254 + 1}"
