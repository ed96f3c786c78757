"""The tables of the resolution room, as named migrations (see store/schema.py)."""

from __future__ import annotations

# The device an event came from, from its ``context`` JSON text {c}: the address,
# trimmed of spaces and lower-cased (the rule cuts it to its network when it reads it),
# the browser's user agent or else the app and its OS, and the locale ('' when none);
# text only, a value of another JSON type is no part. The write reads the same in Python
# (profiles/facts.py ``_device_parts``); this is a workspace's first fill, below.
# ``anonymous_spans`` keeps each part of the first and the last event's device.
SPAN_PARTS = ("ip", "agent", "locale")
DEVICE_PARTS = """{{
    'ip': CASE WHEN json_type({c}, '$.ip') = 'VARCHAR' THEN lower(trim(json_extract_string({c}, '$.ip'))) END,
    'agent': CASE WHEN json_type({c}, '$.userAgent') = 'VARCHAR' THEN json_extract_string({c}, '$.userAgent')
                  WHEN json_type({c}, '$.app.namespace') = 'VARCHAR' AND json_type({c}, '$.os.name') = 'VARCHAR'
                  THEN json_extract_string({c}, '$.app.namespace') || '/' || json_extract_string({c}, '$.os.name')
             END,
    'locale': CASE WHEN json_type({c}, '$.locale') = 'VARCHAR'
                   THEN json_extract_string({c}, '$.locale') ELSE '' END}}"""

_ORDERED = ", ".join(
    f'{end}(device.{part} ORDER BY "timestamp", seq)' for end in ("first", "last") for part in SPAN_PARTS
)
_SPANS_FILL = f"""INSERT INTO anonymous_spans
SELECT anchor_id, anonymous_id, min("timestamp"), max("timestamp"), {_ORDERED}
FROM (SELECT anchor_id, anonymous_id, "timestamp", seq, {DEVICE_PARTS.format(c="context")} AS device
      FROM events
      WHERE anonymous_id IS NOT NULL AND context IS NOT NULL AND type NOT IN ('merge', 'unmerge', 'consent'))
GROUP BY anchor_id, anonymous_id"""

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
    (
        "resolution_3",
        [
            # Each anonymous id's first and last event, per anchor (the identifier the
            # events were stored under: a logged-in event's anchor is its user id, not
            # its anonymous id), with the device each came from: the address trimmed and
            # lower-cased, the user agent (or app/OS) and the locale, as the device handover
            # rule (resolution/devices.py) compares them. Written with the activity facts
            # (profiles/facts.py), so the rule reads this table instead of every anonymous
            # id's events (0.5-0.6 s of CPU at 917,000 events, growing with the history).
            # Keyed by anchor, so erasure and retention reach it as they reach the events.
            """CREATE TABLE anonymous_spans (
                anchor_id BIGINT NOT NULL, anonymous_id VARCHAR NOT NULL,
                first_seen TIMESTAMPTZ NOT NULL, last_seen TIMESTAMPTZ NOT NULL,
                first_ip VARCHAR, first_agent VARCHAR, first_locale VARCHAR NOT NULL,
                last_ip VARCHAR, last_agent VARCHAR, last_locale VARCHAR NOT NULL,
                PRIMARY KEY (anchor_id, anonymous_id))""",
            # A workspace from before: the same from its events, the activity facts' events
            # (not consent decisions, nor merges) that came with a context; of events at the
            # same time, the first stored is the first and the last stored the last.
            _SPANS_FILL,
        ],
    ),
]

# Tables this room derives from events inside the write: a rebuild empties them before
# it replays the events.
DERIVED: tuple[str, ...] = ("anchor_addresses", "anonymous_spans")
