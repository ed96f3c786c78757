"""Device handover: a browser that cleared its cookies, joined to the profile it browsed as before.

A profile that holds nothing but anonymous ids has no name, email or phone for the
model to compare: the Splink model never sees it. Most such profiles are devices their
owner never logged in on, and nothing but browsing behaviour says whose they are. Some
are the same browser after its cookies were cleared: a new ``anonymousId`` that starts
where another one stopped, from the same network with the same user agent and
locale. That is what this rule looks for, and only that:

- the device: the ``context`` of the old id's *last* event and of the new id's *first*
  event agree on network (an IPv4 address, or an IPv6 address's /64: ``networks.py``),
  user agent (or app and OS for an app) and locale, and the network is not *crowded*
  (two or more customers were seen on it: housemates, an office, a carrier's NAT);
- the handover: every event of the other profile on that device lies before the
  anonymous profile's first event on it, or after its last, and the gap between them
  is at most ``hours`` (two devices in use over the same weeks are two devices);
- one step: within that window no other profile began on the device after the old one
  stopped, and no other stopped before the new one began, so an address and user agent
  shared by several people's devices (a household, an office, a mobile carrier's NAT)
  decides nothing; a chain of such steps (a browser cleared twice) joins whole, unless
  it would join two profiles that hold more than anonymous ids (a laptop passed on);
- shared interest: the two profiles looked at one product or more in common (the
  ``product_id`` of any event's properties): a new visitor on the same address and
  browser who is after something else is more likely someone else.

Each anonymous id's first and last event and their devices are read from
``anonymous_spans`` (kept with the activity facts, profiles/facts.py), not from its
events: on the 10,000-customer demo that took the rule's query from 0.44 to 0.18 s of
CPU, with the same handovers, and the cost no longer grows with the history.

Measured on the 10,000-customer demo (seed 7, after the model's merges), before the rule
was written and before the demo modelled home networks: of the anonymous-only profiles
sharing IP, user agent and locale with another profile whose activity there was disjoint
in time, 681 of 1,653 pairs were one person; with a gap under two days, a single such
profile and a product in common, 83 of 92 (93% of the record pairs they would join).
What the rule adds to the whole demo's scores is in this folder's README. A device two
people use in the same weeks (a family tablet) has overlapping spans, so it never hands
over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from persona360.resolution.networks import NETWORK_CTES, network_sql
from persona360.resolution.records import ANCHOR
from persona360.store.database import Database
from persona360.store.tables.resolution import SPAN_PARTS


def _device(end: str) -> str:
    """The device of an anonymous id's ``end`` (first or last) event, from ``anonymous_spans``.

    [network, browser (or app and OS), locale]: a list and not one joined string, so that
    a user agent holding the separator cannot shift the parts.
    """
    return (
        f"CASE WHEN s.{end}_ip IS NOT NULL AND s.{end}_agent IS NOT NULL "
        f"THEN [{network_sql(f's.{end}_ip')}, s.{end}_agent, s.{end}_locale] END"
    )


# Of an anonymous id's spans under several anchors (it logged in), the earliest first
# and the latest last; ties go to the lowest anchor, so every run reads the same.
_ENDS = ", ".join(
    f"first({end}_{part} ORDER BY {end}_seen{order}, anchor_id) AS {end}_{part}"
    for end, order in (("first", ""), ("last", " DESC"))
    for part in SPAN_PARTS
)

_HANDOVERS = f"""
WITH anon AS (SELECT value AS anonymous_id, profile_id FROM identifiers WHERE kind = 'anonymous_id'),
{NETWORK_CTES},
spans AS (  -- each anonymous id's first and last event, with the device each came from
    SELECT anonymous_id, min(first_seen) AS first, max(last_seen) AS last, {_ENDS}
    FROM anonymous_spans GROUP BY anonymous_id),
ids AS (
    SELECT a.profile_id, s.first, s.last,
           {_device("first")} AS first_device, {_device("last")} AS last_device
    FROM spans s JOIN anon a USING (anonymous_id)),
used AS (  -- when each profile was seen on each device
    SELECT profile_id, device, min(first) AS first, max(last) AS last
    FROM (SELECT profile_id, first, last, first_device AS device FROM ids
          UNION ALL SELECT profile_id, first, last, last_device FROM ids)
    WHERE device IS NOT NULL AND device[1] NOT IN (SELECT network FROM crowded) GROUP BY ALL),
steps AS (  -- one profile stopped using a device and another began within the window
    SELECT o.profile_id AS old_profile, n.profile_id AS new_profile, o.device,
           date_diff('second', o.last, n.first) / 3600.0 AS gap_hours
    FROM used o JOIN used n ON n.device = o.device AND n.profile_id <> o.profile_id
    WHERE o.last < n.first AND n.first <= o.last + to_seconds($seconds)),
handed AS (  -- the only step out of the old profile and into the new one on that device
    SELECT *, old_profile IN (SELECT profile_id FROM lone) AS old_lone,
           new_profile IN (SELECT profile_id FROM lone) AS new_lone
    FROM steps
    QUALIFY count(*) OVER (PARTITION BY old_profile, device) = 1
        AND count(*) OVER (PARTITION BY new_profile, device) = 1),
chosen AS (SELECT * FROM handed WHERE old_lone OR new_lone),
products AS (
    SELECT DISTINCT i.profile_id, json_extract_string(e.properties, '$.product_id') AS product
    FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
    WHERE i.profile_id IN (SELECT old_profile FROM chosen UNION ALL SELECT new_profile FROM chosen)
      AND json_extract_string(e.properties, '$.product_id') IS NOT NULL)
SELECT c.old_profile, c.new_profile, c.old_lone, c.new_lone, c.device, c.gap_hours, count(*) AS shared_products
FROM chosen c
JOIN products a ON a.profile_id = c.old_profile
JOIN products b ON b.profile_id = c.new_profile AND b.product = a.product
GROUP BY ALL
ORDER BY c.old_profile, c.new_profile
"""


@dataclass(frozen=True)
class Handover:
    """One profile stopped using a device and another began: at least one of them holds only anonymous ids."""

    old_profile: int
    new_profile: int
    old_lone: bool
    new_lone: bool
    device: tuple[str, str, str]  # network, user agent (or app/OS), locale
    gap_hours: float
    shared_products: int

    def explanation(self) -> dict[str, Any]:
        """What the review queue and the merge event keep about the pair."""
        network, agent, locale = self.device
        return {
            "rule": "device_handover",
            # "ip", as in the pairs stored before the rule followed networks: an address or a /64
            "device": {"ip": network, "agent": agent, "locale": locale},
            "gap_hours": round(self.gap_hours, 2),
            "shared_products": self.shared_products,
        }


def handovers(db: Database, hours: float) -> list[Handover]:
    """Anonymous-only profiles whose device continues another profile's (see the module's rules).

    Args:
        db: the workspace's database (anonymous_spans, anchor_addresses, identifiers; events for products).
        hours: the longest gap between the two ids' use of the device; 0 or less finds none.

    Raises:
        ValueError: ``hours`` is negative or not a finite number.
    """
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"device handover hours {hours!r}: give a finite number of hours, 0 or more (0: no rule)")
    if hours == 0:
        return []
    found = [
        Handover(
            int(old),
            int(new),
            bool(old_lone),
            bool(new_lone),
            (str(device[0]), str(device[1]), str(device[2])),
            float(gap),
            int(shared),
        )
        for old, new, old_lone, new_lone, device, gap, shared in db.query(_HANDOVERS, {"seconds": hours * 3600.0})
    ]
    return _without_bridges(found)


def _without_bridges(found: list[Handover]) -> list[Handover]:
    """The handovers whose chain joins at most one profile that holds more than anonymous ids.

    Old id → new id → newer id is one device's life, and a chain of anonymous-only
    profiles may join one known profile; a chain that would join two (one person's
    account stopped, an anonymous id, another account began) is left for someone to
    see, since the anonymous middle is all that ties them.
    """
    parent: dict[int, int] = {}

    def root(profile: int) -> int:
        while parent.get(profile, profile) != profile:
            profile = parent[profile]
        return profile

    for handover in found:
        a, b = root(handover.old_profile), root(handover.new_profile)
        if a != b:
            parent[b] = a
    known: dict[int, set[int]] = {}
    for handover in found:
        for profile, lone in ((handover.old_profile, handover.old_lone), (handover.new_profile, handover.new_lone)):
            if not lone:
                known.setdefault(root(profile), set()).add(profile)
    return [h for h in found if len(known.get(root(h.old_profile), ())) <= 1]


_ANCHORS = f"""
SELECT profile_id, {ANCHOR}
FROM identifiers WHERE profile_id IN (SELECT unnest($profiles)) GROUP BY profile_id
"""


def anchors_of(db: Database, profiles: set[int]) -> dict[int, int]:
    """The identifier that stands for each profile in a merge event (``records.ANCHOR``)."""
    rows = db.query(_ANCHORS, {"profiles": sorted(profiles)})
    return {int(profile): int(anchor) for profile, anchor in rows}
