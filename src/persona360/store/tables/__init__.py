"""Per-room migrations, one module each, gathered in a fixed order.

A room appends ``("ROOM_N", [statements])`` to its own module's ``MIGRATIONS``; names
are recorded once applied, so a new migration also reaches existing workspaces.
"""

from __future__ import annotations

from persona360.store.tables import (
    activation,
    enrichment,
    identity,
    orders,
    personas,
    privacy,
    profiles,
    resolution,
    segments,
)

ROOM_MIGRATIONS: list[tuple[str, list[str]]] = [
    *identity.MIGRATIONS,
    *privacy.MIGRATIONS,
    *resolution.MIGRATIONS,
    *activation.MIGRATIONS,
    *personas.MIGRATIONS,
    *enrichment.MIGRATIONS,
    *orders.MIGRATIONS,
    *segments.MIGRATIONS,
    *profiles.MIGRATIONS,
]

ROOM_DERIVED: tuple[str, ...] = (
    *identity.DERIVED,
    *privacy.DERIVED,
    *resolution.DERIVED,
    *activation.DERIVED,
    *personas.DERIVED,
    *enrichment.DERIVED,
    *orders.DERIVED,
    *segments.DERIVED,
    *profiles.DERIVED,
)
