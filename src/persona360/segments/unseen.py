"""Warnings for definitions that read an event property the stored events never carry.

A segment or computed trait may name an event before it arrives, and a property
before it is sent, so neither is an error. But the usual slip is silent: a product
field asked of an order (Segment's e-commerce spec nests ``brand``, ``category`` and
``price`` in ``products``, so ``sum("Order Completed", price)`` is 0 for everyone), and
the demo's own ``favorite_brand`` stayed empty on every profile for weeks unsaid. So
when an event has been seen and none of its occurrences holds the property, the
definition is saved and a warning names the properties those events do have.
"""

from __future__ import annotations

from collections.abc import Iterable

from persona360.store.database import Database

# Events read for the property names a warning lists: enough to name what they carry.
_SAMPLE = 1000


def unseen_properties(db: Database, pairs: Iterable[tuple[str, str]]) -> list[str]:
    """One warning per ``(event, property)`` whose seen events never carry the property."""
    warnings = []
    for event, prop in pairs:
        # LIMIT 1 lets the scan stop at the first event carrying it (the usual answer), where
        # counting read every event of that name on each keystroke of the live preview
        carrying, seen = db.query(
            "SELECT (SELECT 1 FROM seg_events WHERE event = $event AND json_exists(properties, $path) LIMIT 1) "
            "IS NOT NULL, (SELECT 1 FROM seg_events WHERE event = $event LIMIT 1) IS NOT NULL",
            {"event": event, "path": f"$.{prop}"},
        )[0]
        if carrying or not seen:
            continue
        keys = db.query(
            "SELECT DISTINCT unnest(json_keys(properties)) AS k FROM "
            f"(SELECT properties FROM seg_events WHERE event = ? LIMIT {_SAMPLE}) ORDER BY k",
            [event],
        )
        has = ", ".join(str(key) for (key,) in keys) or "no properties"
        warnings.append(f"no {event!r} event has a {prop!r} property (they have: {has})")
    return warnings
