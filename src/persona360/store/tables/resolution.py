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
    ),
    (
        "resolution_2",
        [
            # Where each anchor was seen: one row per (anchor, address), the address as the
            # events' ``context.ip`` spelled it, trimmed and lower-cased (the network rules
            # cut it to its network when they read it). Written with the activity facts
            # (profiles/facts.py), so the network rules read this table instead of every
            # event's JSON (1.2 s of CPU a rule at 917,000 events, growing with the
            # history). An address is personal data: erasure and retention reach it.
            """CREATE TABLE anchor_addresses (
                anchor_id BIGINT NOT NULL, ip VARCHAR NOT NULL, events BIGINT NOT NULL,
                first_seen TIMESTAMPTZ NOT NULL, last_seen TIMESTAMPTZ NOT NULL,
                locale VARCHAR NOT NULL,  -- of the latest event there; '' when it came with none
                PRIMARY KEY (anchor_id, ip))""",
            # A workspace from before has its addresses in its events only: the events the
            # activity facts read (not consent decisions, profiles/facts.py NOT_ACTIVITY, nor
            # merges), with an address spelled as text, as record_activity takes them.
            """INSERT INTO anchor_addresses
            SELECT anchor_id, ip, count(*), min("timestamp"), max("timestamp"), arg_max(locale, "timestamp")
            FROM (SELECT anchor_id, "timestamp", lower(trim(json_extract_string(context, '$.ip'))) AS ip,
                         CASE WHEN json_type(context, '$.locale') = 'VARCHAR'
                              THEN json_extract_string(context, '$.locale') ELSE '' END AS locale
                  FROM events
                  WHERE context IS NOT NULL AND json_type(context, '$.ip') = 'VARCHAR'
                    AND type NOT IN ('merge', 'unmerge', 'consent'))
            WHERE ip <> '' GROUP BY ALL""",
        ],
    ),
]

# Tables this room derives from events inside the write: a rebuild empties them before
# it replays the events.
DERIVED: tuple[str, ...] = ("anchor_addresses",)
