"""Tables the identity room added after the core schema (see store/schema.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "identity_1",
        [
            # Ids of identifiers deleted by erasure or retention: never issued again, so an
            # audit entry's ``profile:ID`` cannot come to name a newcomer. Holds numbers only.
            """CREATE TABLE retired_identifiers (
                identifier_id BIGINT PRIMARY KEY, retired_at TIMESTAMPTZ NOT NULL)""",
        ],
    ),
]

# Not derived: a rebuild keeps it (it replays events, and must skip these ids again).
DERIVED: tuple[str, ...] = ()
