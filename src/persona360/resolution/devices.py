"""Device handover: a browser that cleared its cookies, joined to the profile it browsed as before.

A profile that holds nothing but anonymous ids has no name, email or phone for the
model to compare: the Splink model never sees it. Most such profiles are devices their
owner never logged in on, and nothing but browsing behaviour says whose they are. Some
are the same browser after its cookies were cleared: a new ``anonymousId`` that starts
where another one stopped, from the same IP address with the same user agent and
locale. That is what this rule looks for, and only that:

- the device: the ``context`` of the old id's *last* event and of the new id's *first*
  event agree on IP address, user agent (or app and OS for an app) and locale;
- the handover: every event of the other profile on that device lies before the
  anonymous profile's first event on it, or after its last, and the gap between them
  is at most ``hours`` (two devices in use over the same weeks are two devices);
- one candidate: the anonymous profile has exactly one such profile, so an address
  and user agent shared by several people's devices (a household, an office, a mobile
  carrier's NAT) decides nothing;
- shared interest: the two profiles looked at one product or more in common (the
  ``product_id`` of any event's properties): a new visitor on the same address and
  browser who is after something else is more likely someone else.

Measured on the 10,000-customer demo (seed 7, after the model's merges): anonymous-only
profiles sharing IP, user agent and locale with another profile, activity disjoint in
time, were one person in 681 of 1,653 pairs; with a gap under two days, one candidate
and a product in common, 83 of 92 (93% of the record pairs they would join).
Family devices keep one anonymous id and are in use by two people at once, so their
spans overlap and they never hand over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from persona360.resolution.records import ANCHOR
from persona360.store.database import Database

# The device an event came from: address, browser (or app and OS) and locale.
_AGENT = (
    "coalesce(json_extract_string({c}, '$.userAgent'),"
    " json_extract_string({c}, '$.app.namespace') || '/' || json_extract_string({c}, '$.os.name'))"
)
_DEVICE = f"""
CASE WHEN json_extract_string({{c}}, '$.ip') IS NOT NULL AND {_AGENT} IS NOT NULL
THEN concat_ws('|', json_extract_string({{c}}, '$.ip'), {_AGENT}, coalesce(json_extract_string({{c}}, '$.locale'), ''))
END"""

_HANDOVERS = f"""
WITH anon AS (SELECT value AS anonymous_id, profile_id FROM identifiers WHERE kind = 'anonymous_id'),
lone AS (SELECT profile_id FROM identifiers GROUP BY profile_id HAVING bool_and(kind = 'anonymous_id')),
spans AS (  -- each anonymous id's first and last event, with the context each came with
    SELECT anonymous_id, min("timestamp") AS first, max("timestamp") AS last,
           arg_min(context, "timestamp") AS first_ctx, arg_max(context, "timestamp") AS last_ctx
    FROM events WHERE anonymous_id IS NOT NULL AND context IS NOT NULL
    GROUP BY anonymous_id),
ids AS (
    SELECT a.profile_id, s.first, s.last,
           {_DEVICE.format(c="s.first_ctx")} AS first_device, {_DEVICE.format(c="s.last_ctx")} AS last_device
    FROM spans s JOIN anon a USING (anonymous_id)),
used AS (  -- when each profile was seen on each device
    SELECT profile_id, device, min(first) AS first, max(last) AS last
    FROM (SELECT profile_id, first, last, first_device AS device FROM ids
          UNION ALL SELECT profile_id, first, last, last_device FROM ids)
    WHERE device IS NOT NULL GROUP BY ALL),
pairs AS (
    SELECT x.profile_id AS lone_profile, y.profile_id AS other_profile, x.device,
           CASE WHEN y.last < x.first THEN date_diff('second', y.last, x.first)
                ELSE date_diff('second', x.last, y.first) END / 3600.0 AS gap_hours
    FROM used x JOIN lone USING (profile_id)
    JOIN used y ON y.device = x.device AND y.profile_id <> x.profile_id
    WHERE (y.last < x.first AND x.first <= y.last + to_seconds($seconds))
       OR (x.last < y.first AND y.first <= x.last + to_seconds($seconds))),
unique_pairs AS (
    SELECT lone_profile, any_value(other_profile) AS other_profile,
           arg_min(device, gap_hours) AS device, min(gap_hours) AS gap_hours
    FROM pairs GROUP BY lone_profile HAVING count(DISTINCT other_profile) = 1),
products AS (
    SELECT DISTINCT i.profile_id, json_extract_string(e.properties, '$.product_id') AS product
    FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
    WHERE i.profile_id IN (SELECT lone_profile FROM unique_pairs UNION ALL SELECT other_profile FROM unique_pairs)
      AND json_extract_string(e.properties, '$.product_id') IS NOT NULL)
SELECT u.lone_profile, u.other_profile, u.device, u.gap_hours, count(*) AS shared_products
FROM unique_pairs u
JOIN products a ON a.profile_id = u.lone_profile
JOIN products b ON b.profile_id = u.other_profile AND b.product = a.product
GROUP BY ALL
ORDER BY u.lone_profile
"""


@dataclass(frozen=True)
class Handover:
    """An anonymous-only profile, the one profile its device was handed over from (or to), and why."""

    lone_profile: int
    other_profile: int
    device: str
    gap_hours: float
    shared_products: int

    def explanation(self) -> dict[str, Any]:
        """What the review queue and the merge event keep about the pair."""
        address, agent, locale = (self.device.split("|", 2) + ["", ""])[:3]
        return {
            "rule": "device_handover",
            "device": {"ip": address, "agent": agent, "locale": locale},
            "gap_hours": round(self.gap_hours, 2),
            "shared_products": self.shared_products,
        }


def handovers(db: Database, hours: float) -> list[Handover]:
    """Anonymous-only profiles whose device continues another profile's (see the module's rules).

    Args:
        db: the workspace's database (events, identifiers).
        hours: the longest gap between the two ids' use of the device; 0 or less finds none.

    Raises:
        ValueError: ``hours`` is negative or not a finite number.
    """
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"device handover hours {hours!r}: give a finite number of hours, 0 or more (0: no rule)")
    if hours == 0:
        return []
    rows = db.query(_HANDOVERS, {"seconds": hours * 3600.0})
    return [Handover(int(a), int(b), str(device), float(gap), int(shared)) for a, b, device, gap, shared in rows]


_ANCHORS = f"""
SELECT profile_id, {ANCHOR}
FROM identifiers WHERE profile_id IN (SELECT unnest($profiles)) GROUP BY profile_id
"""


def anchors_of(db: Database, profiles: set[int]) -> dict[int, int]:
    """The identifier that stands for each profile in a merge event (``records.ANCHOR``)."""
    rows = db.query(_ANCHORS, {"profiles": sorted(profiles)})
    return {int(profile): int(anchor) for profile, anchor in rows}
