"""Later tables and views of the segments room, as named migrations (see store/schema.py).

The first segments migration lives in ``store/schema.py`` (it predates per-room modules).
This one runs after the privacy room's, because ``seg_consent`` reads its ledger.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "segments_2",
        [
            # The commit order of each event, so first()/last()/most_frequent() break
            # ties at one timestamp the same way on every engine (segments/computed.py).
            # Keeps privacy_2's rule: a consent decision is no customer activity.
            "DROP VIEW seg_events",
            """CREATE VIEW seg_events AS SELECT i.profile_id, e.type,
                CASE WHEN e.type = 'track' THEN e.event ELSE e.type END AS event,
                epoch_us(e.timestamp) AS ts, e.properties, e.seq
                FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
                WHERE e.type NOT IN ('merge', 'unmerge', 'consent')""",
            # Every consent decision of a profile (not only the latest per key, as in
            # consent_current): ws.privacy.may falls back to an older decision when the
            # newest one has expired, and a segment must decide as it does.
            """CREATE VIEW seg_consent AS SELECT i.profile_id, c.purpose, c.channel, c.granted,
                epoch_us(c.changed_at) AS changed_at, epoch_us(c.expires_at) AS expires_at, c.seq
                FROM consent_ledger c JOIN identifiers i ON i.identifier_id = c.anchor_id""",
            # A trigger may hand its profiles to a campaign instead of calling a webhook.
            "ALTER TABLE segment_triggers ADD COLUMN campaign VARCHAR",
        ],
    ),
    (
        "segments_3",
        [
            # ``happened_at``: the event time as stored, beside ``ts`` (epoch microseconds). A
            # windowed condition also filters on ``happened_at`` (segments/measures.py), which
            # DuckDB prunes by row-group time ranges: through ``epoch_us(...)`` it read
            # every event (1.1 s for a 30-day count over 50,000,000 events, 0.1 s with).
            "DROP VIEW seg_events",
            """CREATE VIEW seg_events AS SELECT i.profile_id, e.type,
                CASE WHEN e.type = 'track' THEN e.event ELSE e.type END AS event,
                epoch_us(e.timestamp) AS ts, e.properties, e.seq, e.timestamp AS happened_at
                FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
                WHERE e.type NOT IN ('merge', 'unmerge', 'consent')""",
        ],
    ),
    (
        "segments_4",
        [
            # An order reported again (the shop's export after the checkout page's
            # tracking, see store/tables/orders.py) is one order: segments count it once.
            "DROP VIEW seg_events",
            """CREATE VIEW seg_events AS SELECT i.profile_id, e.type,
                CASE WHEN e.type = 'track' THEN e.event ELSE e.type END AS event,
                epoch_us(e.timestamp) AS ts, e.properties, e.seq, e.timestamp AS happened_at
                FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
                WHERE e.type NOT IN ('merge', 'unmerge', 'consent')
                AND e.message_key NOT IN (SELECT message_key FROM order_echoes)""",
        ],
    ),
]

DERIVED: tuple[str, ...] = ()
