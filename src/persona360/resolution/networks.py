"""Home networks: an anonymous-only profile joined to the one customer whose home network it browses from.

Most profiles that hold nothing but anonymous ids are devices their owner never logged
in on: a laptop at home, a tablet on the sofa. The Splink model never sees them (they
have no name, email or phone), and the device handover rule (``devices.py``) only
finds a browser that cleared its cookies. What does tie such a device to its owner is
the home network: every device on the home Wi-Fi shows the home's address.

The network of an event is its ``context.ip``: an IPv4 address as it is, an IPv6
address by its /64 prefix (``NETWORK``). A /64 is one subscriber's network, while
the address inside it changes daily (privacy addresses, RFC 8981), so whole IPv6
addresses would never match across days. The rules read the addresses from
``anchor_addresses`` (one row per identifier and address, written with each batch's
activity facts), not from the events: a pass over every event's JSON cost 1.2 s of CPU
a rule on the 10,000-customer demo's 917,000 events, and grew with the shop's history.

An address is evidence of a home, not of a person, and many addresses are nobody's
home (a mobile carrier's NAT, an office, a café). So the rule joins only when the
answer is not in doubt:

- a network on which two or more profiles holding more than anonymous ids (customers)
  were seen is *crowded*: housemates, colleagues, strangers behind one carrier address.
  It counts neither for nor against; the others are the profile's *private* networks;
- exactly one customer was seen on the anonymous-only profile's private networks, and
  the networks they share hold at least half of its events on private networks
  (``HOME_SHARE``): a tablet mostly on a café's address still has its home. The flip
  side: a phone seen only on its carrier and once at a friend's home is joined to the
  friend (the demo models no visits, so its scores do not show this);
- both came with the same locale there, and their times on a network lie within
  ``SAME_LEASE_DAYS`` of each other (providers renumber homes, and hand an old prefix
  to someone else).

What it cannot see: a housemate who never logged in anywhere. Their devices at home
look like the logged-in housemate's, and are joined to them. Measured on the demo shop,
whose homes are modelled this way (``demo/networks.py``), in this folder's README.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from persona360.store.database import Database

HOME_SHARE = 0.5
SAME_LEASE_DAYS = 30

# DuckDB has no address type without its inet extension (a download), so the /64 is cut
# from the text: the groups before and after "::" with the zeros it stands for between
# them, the first four kept without leading zeros. An IPv4-mapped address
# (::ffff:192.0.2.1) is its IPv4 address. tests/unit/resolution/test_network_of_address.py holds it
# to Python's ipaddress on thousands of addresses.
_HEAD = "string_split(nullif(split_part({ip}, '::', 1), ''), ':')"
_TAIL = "string_split(nullif(split_part({ip}, '::', 2), ''), ':')"
_GROUPS = f"""CASE WHEN contains({{ip}}, '::')
    THEN coalesce({_HEAD}, []) || list_transform(
        range(8 - len(coalesce({_HEAD}, [])) - len(coalesce({_TAIL}, []))), lambda _: '0') || coalesce({_TAIL}, [])
    ELSE string_split({{ip}}, ':') END"""
NETWORK = f"""CASE WHEN NOT contains({{ip}}, ':') THEN {{ip}}
WHEN contains({{ip}}, '.') THEN regexp_extract({{ip}}, '[0-9.]+$')
ELSE array_to_string(list_transform(({_GROUPS})[1:4], lambda g: coalesce(nullif(ltrim(g, '0'), ''), '0')), ':')
     || '::/64' END"""


def network_sql(ip: str) -> str:
    """The SQL expression of the network (IPv4 address or IPv6 /64) of the lower-cased address ``ip``."""
    return NETWORK.format(ip=ip)


# Profiles holding nothing but anonymous ids, and each profile's events on each network:
# shared with the device handover rule, which leaves out networks several customers use.
NETWORK_CTES = f"""
lone AS (SELECT profile_id FROM identifiers GROUP BY profile_id HAVING bool_and(kind = 'anonymous_id')),
seen AS (  -- the network is cut once per identifier and address (anchor_addresses), not per event
    SELECT i.profile_id, {network_sql("e.ip")} AS network, sum(e.events) AS events,
           min(e.first_seen) AS first, max(e.last_seen) AS last, arg_max(e.locale, e.last_seen) AS locale
    FROM anchor_addresses e JOIN identifiers i ON i.identifier_id = e.anchor_id
    GROUP BY ALL),
crowded AS (  -- networks two or more profiles holding more than anonymous ids were seen on
    SELECT network FROM seen WHERE profile_id NOT IN (SELECT profile_id FROM lone)
    GROUP BY network HAVING count(*) > 1)"""

_HOMES = f"""
WITH {NETWORK_CTES},
private AS (SELECT * FROM seen WHERE network NOT IN (SELECT network FROM crowded)),
customers AS (SELECT * FROM private WHERE profile_id NOT IN (SELECT profile_id FROM lone)),
anonymous AS (  -- an anonymous-only profile's events on each private network, as a share of all of them there
    SELECT *, events / sum(events) OVER (PARTITION BY profile_id) AS share
    FROM private WHERE profile_id IN (SELECT profile_id FROM lone)),
candidates AS (
    SELECT a.profile_id AS anonymous_profile, c.profile_id AS customer_profile, network, a.share,
           a.locale = c.locale AS same_locale, a.locale,
           greatest(0, date_diff('second', least(a.last, c.last), greatest(a.first, c.first))) / 86400.0 AS apart_days
    FROM anonymous a JOIN customers c USING (network)),
single AS (SELECT anonymous_profile FROM candidates GROUP BY ALL HAVING count(DISTINCT customer_profile) = 1)
SELECT anonymous_profile, any_value(customer_profile),  -- the network holding most of its events (ties by name)
       first(network ORDER BY share DESC, network), first(locale ORDER BY share DESC, network), sum(share),
       min(apart_days)
FROM candidates
WHERE anonymous_profile IN (SELECT anonymous_profile FROM single) AND same_locale AND apart_days <= $days
GROUP BY anonymous_profile HAVING sum(share) >= $share
ORDER BY anonymous_profile
"""


@dataclass(frozen=True)
class HomeLink:
    """An anonymous-only profile and the one customer seen on its home network."""

    anonymous_profile: int
    customer_profile: int
    network: str
    locale: str
    share: float  # of the anonymous profile's events on private networks, on the customer's
    apart_days: float  # between their times on a network; 0 when they overlap

    def explanation(self) -> dict[str, Any]:
        """What the review queue and the merge event keep about the pair."""
        return {
            "rule": "home_network",
            "network": self.network,
            "locale": self.locale,
            "share": round(self.share, 3),
            "apart_days": round(self.apart_days, 2),
        }


def any_address(db: Database) -> bool:
    """Whether any event came with an IP address: without one neither network rule has anything to look at.

    Imports of customer files (FEBRL, a CRM export) carry none; asking first saves both
    rules' queries.
    """
    return db.scalar("SELECT EXISTS (SELECT 1 FROM anchor_addresses)") is True


def home_links(db: Database) -> list[HomeLink]:
    """Anonymous-only profiles whose home network one customer, and no other, was seen on (see the module)."""
    rows = db.query(_HOMES, {"share": HOME_SHARE, "days": SAME_LEASE_DAYS})
    return [
        HomeLink(int(anon), int(customer), str(network), str(locale), float(share), float(apart))
        for anon, customer, network, locale, share, apart in rows
    ]
