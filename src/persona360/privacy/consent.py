"""The consent ledger: derived from events by a writer fact hook, read by ``may``.

Consent lives per identifier (anchor), appended in event order, and is joined to
``identifiers`` for the profile, so merges and unmerges need no rewrite and a
rebuild re-derives the ledger from the events.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from persona360.ingest.record import EventRecord
from persona360.privacy.purposes import (
    CHANNELS,
    PURPOSES,
    ConsentError,
    ConsentFact,
    carries_consent,
    check_purpose,
    facts_from_payload,
)
from persona360.store.database import Database, Transaction

CONSENT_TYPE = "consent"
_TS = pa.timestamp("us", "UTC")


def consent_record(
    identifier: tuple[str, str],
    fact: ConsentFact,
    source_id: int,
    actor: str,
) -> EventRecord:
    """The system-source event that records an admin's consent change."""
    check_purpose(fact.purpose, fact.channel)
    return EventRecord(
        message_id=f"consent-{uuid.uuid4()}",
        source_id=source_id,
        type=CONSENT_TYPE,
        timestamp=fact.changed_at,
        received_at=fact.changed_at,
        identifiers=[identifier],
        reason="manual_consent",
        extra={
            "purpose": fact.purpose,
            "channel": fact.channel,
            "granted": fact.granted,
            "basis": fact.basis,
            "expires_at": fact.expires_at.isoformat() if fact.expires_at else None,
            "actor": actor,
        },
    )


class ConsentLedger:
    """The fact hook that appends consent rows, and the queries that read them.

    Args:
        db: the workspace database.
        system_source_id: the source whose ``consent`` events are admin decisions.
        default_allow: purposes allowed when no live decision exists.
    """

    def __init__(self, db: Database, system_source_id: int, default_allow: Iterable[str]) -> None:
        self.db = db
        self.system_source_id = system_source_id
        self.default_allow = frozenset(default_allow)

    # -- writing (inside the writer's transaction) --------------------------------
    def __call__(self, tx: Transaction, records: list[EventRecord], anchors: list[int], seqs: list[int]) -> None:
        # nearly no record carries consent: the test is inline, as a call per record cost more
        picked = [
            index
            for index, record in enumerate(records)
            if record.type == CONSENT_TYPE or "consent" in record.context or "consent" in record.traits
        ]
        rows = [row for index in picked for row in self._rows(records[index], anchors[index], seqs[index])]
        if not rows:
            return
        names: dict[int, str] = dict(tx.fetchall("SELECT source_id, name FROM sources"))
        tx.register("__p360__consent", _ledger_table(rows, names))
        tx.execute(_LEDGER_INSERT)

    def _rows(self, record: EventRecord, anchor: int, seq: int) -> list[_Row]:
        if record.type != CONSENT_TYPE:
            if not carries_consent(record.traits, record.context):
                return []
            facts = facts_from_payload(record.traits, record.context, record.timestamp)
            return [_Row(anchor, seq, fact, record.source_id) for fact in facts]
        if record.source_id != self.system_source_id:
            return []
        extra = record.extra
        expires = datetime.fromisoformat(extra["expires_at"]) if extra.get("expires_at") else None
        fact = ConsentFact(
            extra["purpose"], extra["channel"], bool(extra["granted"]), extra["basis"], record.timestamp, expires
        )
        return [_Row(anchor, seq, fact, record.source_id, str(extra.get("actor", "")), always=True)]

    # -- reading -------------------------------------------------------------------
    def allowed(self, profile_ids: Sequence[int], purpose: str, channel: str | None, now: datetime) -> set[int]:
        """The profiles among ``profile_ids`` whose live consent allows ``purpose``."""
        check_purpose(purpose, channel)
        params = {
            "ids": list(profile_ids),
            "purpose": purpose,
            "channel": channel,
            "now": now,
            "default": purpose in self.default_allow,
        }
        return {int(row[0]) for row in self.db.query(_ALLOWED_SQL, params)}

    def matrix(self, profile_id: int, now: datetime) -> dict[str, dict[str | None, bool]]:
        """What :meth:`allowed` answers for one profile, for every purpose and channel, in one query.

        ``result[purpose][None]`` is the purpose-wide answer (``channel=None``).
        """
        rows = self.db.query(_LIVE_SQL, {"p": profile_id, "now": now})
        return {purpose: _decide(purpose, rows, purpose in self.default_allow) for purpose in PURPOSES}

    def current(self, profile_id: int) -> list[dict[str, Any]]:
        """The latest decision per (purpose, channel) of a profile, expired ones included."""
        return self.db.query_dicts(
            "SELECT * FROM consent_current WHERE profile_id = ? ORDER BY purpose, channel NULLS FIRST",
            [profile_id],
        )

    def history(self, profile_id: int) -> list[dict[str, Any]]:
        """Every consent decision of a profile, newest first."""
        return self.db.query_dicts(
            "SELECT c.purpose, c.channel, c.granted, c.basis, c.source, c.changed_at, c.expires_at "
            "FROM consent_ledger c JOIN identifiers i ON i.identifier_id = c.anchor_id "
            "WHERE i.profile_id = ? ORDER BY c.changed_at DESC, c.seq DESC",
            [profile_id],
        )

    def counts(self, now: datetime) -> list[dict[str, Any]]:
        """Per purpose and channel with a decision: profiles whose latest one grants, grants but expired, withdraws.

        ``never`` counts the profiles with no decision for that purpose on that channel
        (None: every channel).
        """
        return self.db.query_dicts(_COUNTS_SQL, {"now": now})

    def people(self) -> int:
        """Profiles with an identifier: those a decision could be about (``never`` counts from it)."""
        return int(self.db.scalar(_PEOPLE_SQL))

    def holders(
        self, purpose: str, channel: str | None, state: str, now: datetime, limit: int, offset: int = 0
    ) -> tuple[int, list[int]]:
        """How many profiles are in ``state`` for the purpose on the channel, and a page of their ids, ascending."""
        check_purpose(purpose, channel)
        if state not in CONSENT_STATES:
            raise ConsentError(f"consent state {state!r}: use one of {', '.join(CONSENT_STATES)}")
        sql = _NEVER_SQL if state == "never" else _DECIDED_SQL.format(state=_STATE_WHERE[state])
        params: dict[str, Any] = {"purpose": purpose, "channel": channel}
        if "$now" in sql:  # DuckDB refuses a parameter the statement does not use
            params["now"] = now
        total = int(self.db.scalar(f"SELECT count(*) FROM ({sql})", params))
        ids = self.db.query(
            f"{sql} ORDER BY profile_id LIMIT $limit OFFSET $offset", {**params, "limit": limit, "offset": offset}
        )
        return total, [int(row[0]) for row in ids]


@dataclass(frozen=True, slots=True)
class _Row:
    anchor: int
    seq: int
    fact: ConsentFact
    source_id: int
    actor: str = ""
    always: bool = False  # admin changes are kept even when they repeat the last one


def _ledger_table(rows: list[_Row], names: dict[int, str]) -> pa.Table:
    def source(row: _Row) -> str:
        name = names.get(row.source_id, str(row.source_id))
        return f"{name}:{row.actor}" if row.actor else name

    return pa.table(
        {
            "anchor_id": pa.array([r.anchor for r in rows], pa.int64()),
            "purpose": pa.array([r.fact.purpose for r in rows], pa.string()),
            "channel": pa.array([r.fact.channel for r in rows], pa.string()),
            "granted": pa.array([r.fact.granted for r in rows], pa.bool_()),
            "basis": pa.array([r.fact.basis for r in rows], pa.string()),
            "source": pa.array([source(r) for r in rows], pa.string()),
            "changed_at": pa.array([r.fact.changed_at for r in rows], _TS),
            "expires_at": pa.array([r.fact.expires_at for r in rows], _TS),
            "seq": pa.array([r.seq for r in rows], pa.int64()),
            "always": pa.array([r.always for r in rows], pa.bool_()),
        }
    )


# A customer's consent repeats on every call (Segment sends it in each context): a row is
# appended only when it changes the latest decision for its key. Admin changes always are.
_LEDGER_INSERT = """
INSERT INTO consent_ledger
WITH batch AS (
    SELECT *, lag(granted) OVER w AS prev_granted, row_number() OVER w AS pos
    FROM __p360__consent
    WINDOW w AS (PARTITION BY anchor_id, purpose, channel ORDER BY seq)),
latest AS (
    SELECT anchor_id, purpose, channel, granted FROM consent_ledger
    QUALIFY row_number() OVER (PARTITION BY anchor_id, purpose, channel ORDER BY changed_at DESC, seq DESC) = 1)
SELECT b.anchor_id, b.purpose, b.channel, b.granted, b.basis, b.source, b.changed_at, b.expires_at, b.seq
FROM batch b LEFT JOIN latest l
    ON l.anchor_id = b.anchor_id AND l.purpose = b.purpose AND l.channel IS NOT DISTINCT FROM b.channel
WHERE b.always
   OR (b.pos = 1 AND l.granted IS DISTINCT FROM b.granted)
   OR (b.pos > 1 AND b.prev_granted IS DISTINCT FROM b.granted)
ORDER BY b.seq
"""

# A profile's unexpired decisions, oldest first: the last one that applies wins.
_LIVE_SQL = """
SELECT c.purpose, c.channel, c.granted FROM consent_ledger c
JOIN identifiers i ON i.identifier_id = c.anchor_id
WHERE i.profile_id = $p AND (c.expires_at IS NULL OR c.expires_at > $now)
ORDER BY c.changed_at, c.seq
"""


def _decide(purpose: str, rows: list[tuple[Any, ...]], default: bool) -> dict[str | None, bool]:
    """Per channel (None: purpose-wide) the latest applicable decision, else ``default``."""
    answer: dict[str | None, bool] = {}
    for channel in (None, *CHANNELS):
        applies = [g for p, c, g in rows if p == purpose and (c is None or (channel is not None and c == channel))]
        answer[channel] = bool(applies[-1]) if applies else default
    return answer


# The latest live decision for (purpose, channel) or (purpose, any channel) wins; with
# none, the purpose's default. Only profiles the workspace holds come back.
_ALLOWED_SQL = """
WITH ids AS (SELECT DISTINCT unnest($ids::BIGINT[]) AS profile_id),
live AS (SELECT DISTINCT profile_id FROM identifiers WHERE profile_id IN (SELECT profile_id FROM ids)),
decided AS (
    SELECT i.profile_id, c.granted FROM consent_ledger c
    JOIN identifiers i ON i.identifier_id = c.anchor_id
    WHERE i.profile_id IN (SELECT profile_id FROM ids) AND c.purpose = $purpose
      AND (c.channel IS NULL OR c.channel = $channel)
      AND (c.expires_at IS NULL OR c.expires_at > $now)
    QUALIFY row_number() OVER (PARTITION BY i.profile_id ORDER BY c.changed_at DESC, c.seq DESC) = 1)
SELECT l.profile_id FROM live l LEFT JOIN decided d USING (profile_id)
WHERE coalesce(d.granted, $default)
"""

# Consent across people: each profile's latest decision per purpose and channel.
CONSENT_STATES = ("granted", "expired", "withdrawn", "never")
_STATE_WHERE = {
    "granted": "granted AND (expires_at IS NULL OR expires_at > $now)",
    "expired": "granted AND expires_at <= $now",
    "withdrawn": "NOT granted",
}
_PEOPLE_SQL = "SELECT count(DISTINCT profile_id) FROM identifiers"
_COUNTS_SQL = """
SELECT purpose, channel,
    count(*) FILTER (WHERE granted AND (expires_at IS NULL OR expires_at > $now)) AS granted,
    count(*) FILTER (WHERE granted AND expires_at <= $now) AS expired,
    count(*) FILTER (WHERE NOT granted) AS withdrawn,
    (_PEOPLE_SQL_) - count(*) AS never
FROM consent_current GROUP BY purpose, channel ORDER BY purpose, channel NULLS FIRST
""".replace("_PEOPLE_SQL_", _PEOPLE_SQL)
_DECIDED_SQL = (
    "SELECT profile_id FROM consent_current WHERE purpose = $purpose "
    "AND channel IS NOT DISTINCT FROM $channel AND {state}"
)
_NEVER_SQL = """
SELECT DISTINCT profile_id FROM identifiers i WHERE NOT EXISTS (
    SELECT 1 FROM consent_current c WHERE c.profile_id = i.profile_id
    AND c.purpose = $purpose AND c.channel IS NOT DISTINCT FROM $channel)
"""
