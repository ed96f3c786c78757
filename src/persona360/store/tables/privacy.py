"""The tables of the privacy room, as named migrations (see store/schema.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "privacy_1",
        [
            # Consent decisions per identifier (anchor), appended in event order: the
            # history is the table; joined to identifiers, merges need no rewrite.
            """CREATE TABLE consent_ledger (
                anchor_id BIGINT NOT NULL, purpose VARCHAR NOT NULL, channel VARCHAR,
                granted BOOLEAN NOT NULL, basis VARCHAR NOT NULL, source VARCHAR NOT NULL,
                changed_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ, seq BIGINT NOT NULL)""",
            """CREATE VIEW consent_current AS
                SELECT profile_id, purpose, channel, granted, basis, source, changed_at, expires_at
                FROM (SELECT i.profile_id, c.*, row_number() OVER (
                        PARTITION BY i.profile_id, c.purpose, c.channel
                        ORDER BY c.changed_at DESC, c.seq DESC) AS rank
                      FROM consent_ledger c JOIN identifiers i ON i.identifier_id = c.anchor_id)
                WHERE rank = 1""",
            "CREATE SEQUENCE audit_ids",
            """CREATE TABLE audit_log (
                audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'), logged_at TIMESTAMPTZ NOT NULL,
                actor VARCHAR NOT NULL, action VARCHAR NOT NULL, target VARCHAR NOT NULL,
                detail JSON)""",
        ],
    ),
    (
        "privacy_2",
        [
            # What erasure keeps: an HMAC of each erased identifier (see privacy/suppression.py).
            """CREATE TABLE suppressions (
                digest VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, erased_at TIMESTAMPTZ NOT NULL)""",
            # A consent decision is no customer activity: segments do not see it as an event.
            "DROP VIEW seg_events",
            """CREATE VIEW seg_events AS SELECT i.profile_id, e.type,
            CASE WHEN e.type = 'track' THEN e.event ELSE e.type END AS event,
            epoch_us(e.timestamp) AS ts, e.properties
            FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
            WHERE e.type NOT IN ('merge', 'unmerge', 'consent')""",
        ],
    ),
]

# Tables this room derives from events inside the write (writer fact hooks): a rebuild
# empties them before it replays the events.
DERIVED: tuple[str, ...] = ("consent_ledger",)
