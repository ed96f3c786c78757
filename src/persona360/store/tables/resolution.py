"""The tables of the resolution room, as named migrations (see store/schema.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "resolution_1",
        [
            # One row per probabilistic pair ever decided or proposed. Both sides are
            # identifier ids (never copies of the values), so erasure needs nothing here
            # beyond the identifiers it already deletes. A row of any status keeps the
            # pair from being proposed again: rejected pairs are remembered, and a merge
            # someone later unmerged is not redone behind their back.
            """CREATE TABLE resolution_pairs (
                pair_id BIGINT PRIMARY KEY,
                a_identifier_id BIGINT NOT NULL, b_identifier_id BIGINT NOT NULL,
                probability DOUBLE NOT NULL, explanation JSON NOT NULL,
                status VARCHAR NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'merged')),
                created_at TIMESTAMPTZ NOT NULL, decided_at TIMESTAMPTZ, decided_by VARCHAR)""",
            "CREATE INDEX resolution_pairs_status ON resolution_pairs (status)",
        ],
    )
]

# Tables this room derives from events inside the write (writer fact hooks): a rebuild
# empties them before it replays the events.
DERIVED: tuple[str, ...] = ()
