"""Retention of contact identifiers a source supplied for one job only (e.g. order delivery).

A rule ``identifiers:SOURCE`` kept ``DAYS`` days (``PERSONA360_RETENTION_DAYS``) says: an
email or phone that only ``SOURCE`` ever supplied is deleted ``DAYS`` after the last record
of ``SOURCE`` that carried it (the order, or its delivery update when the shop sends one),
unless the person granted marketing on that address's own channel (email: ``email``;
phone: ``sms`` or ``viber``), the same grant that lifts the purpose limit in
``addresses.py``. An address also seen by another source (a CRM, the web sign-up, an
admin consent change) is kept: it did not come only for delivery.

Deleting it means the value goes from the events too, not only the ``identifiers`` row
(a rebuild would bring it back otherwise): the events of ``SOURCE`` that carried it lose
the identifier and every JSON field holding the value; an event left naming nobody is
deleted; one anchored on it moves to its next identifier. Then the anchors' facts are
re-derived, the id is retired, and the caller rewrites the file.

Kept, and counted in the report by reason: an identifier that is its profile's id (the
profile would have to be renumbered) or that links two or more other identifiers (its
removal could split a person in two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from persona360.identity.normalise import normalise_email, normalise_phone
from persona360.privacy.retention import RetentionReport, Rule
from persona360.store.database import Database, Transaction

CHANNELS_OF = {"email": ("email",), "phone": ("sms", "viber")}

# Per email/phone identifier: its first source, whether every event carrying it came from
# one source, and the newest such event.
_CANDIDATES_SQL = """
WITH carried AS (
    SELECT e.source_id, e."timestamp" AS at, u.pair[1] AS kind, u.pair[2] AS value
    FROM events e, unnest(from_json(e.identifiers, '[["VARCHAR"]]')) AS u(pair)
    WHERE u.pair[1] IN ('email', 'phone')),
per AS (
    SELECT i.identifier_id, i.kind, i.profile_id, i.source_id AS first_source,
           bool_and(c.source_id = $source) AS only_source, max(c.at) AS last_at
    FROM identifiers i JOIN carried c ON c.kind = i.kind AND c.value = i.value
    WHERE i.kind IN ('email', 'phone')
    GROUP BY i.identifier_id, i.kind, i.profile_id, i.source_id)
SELECT p.identifier_id, p.kind, p.profile_id, p.last_at,
       (SELECT count(DISTINCT CASE WHEN x.a = p.identifier_id THEN x.b ELSE x.a END) FROM edges x
        WHERE x.status = 'active' AND (x.a = p.identifier_id OR x.b = p.identifier_id)) AS partners,
       EXISTS (SELECT 1 FROM consent_current c WHERE c.profile_id = p.profile_id AND c.purpose = 'marketing'
               AND c.granted AND c.channel IN (SELECT unnest(CASE p.kind WHEN 'email' THEN ['email']
                                                               ELSE ['sms', 'viber'] END))
               AND (c.expires_at IS NULL OR c.expires_at > $now)) AS granted
FROM per p
WHERE p.first_source = $source AND p.only_source AND p.last_at < $cutoff
ORDER BY p.identifier_id
"""


@dataclass(frozen=True)
class Expired:
    """One contact identifier a rule would delete (no value: reports and audit hold ids only)."""

    rule: str
    identifier_id: int
    kind: str
    profile_id: int
    last_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "identifier_id": self.identifier_id,
            "kind": self.kind,
            "profile_id": self.profile_id,
            "last_at": self.last_at.isoformat(),
        }


def find_expired(db: Database, rules: list[Rule], now: datetime, report: RetentionReport) -> list[Expired]:
    """The identifiers the ``identifiers:SOURCE`` rules delete now; listed in ``report`` too."""
    source_ids = {str(name): int(i) for i, name in db.query("SELECT source_id, name FROM sources")}
    found: dict[int, Expired] = {}
    kept = {"marketing_consent": 0, "profile_id": 0, "links_identifiers": 0}
    for rule in (rule for rule in rules if rule.on_identifiers):
        source = source_ids.get(rule.selector.partition(":")[2], -1)
        params = {"source": source, "now": now, "cutoff": now - timedelta(days=rule.days)}
        report.by_rule[rule.selector] = 0
        for identifier_id, kind, profile_id, last_at, partners, granted in db.query(_CANDIDATES_SQL, params):
            reason = _kept_because(int(identifier_id), int(profile_id), int(partners), bool(granted))
            if reason:
                kept[reason] += 1
            elif identifier_id not in found:
                found[int(identifier_id)] = Expired(
                    rule.selector, int(identifier_id), str(kind), int(profile_id), last_at
                )
                report.by_rule[rule.selector] += 1
    report.identifiers = [item.as_dict() for item in found.values()]
    report.kept_identifiers = {reason: n for reason, n in kept.items() if n}
    report.profiles = sorted(set(report.profiles) | {item.profile_id for item in found.values()})
    return list(found.values())


def _kept_because(identifier_id: int, profile_id: int, partners: int, granted: bool) -> str | None:
    if granted:
        return "marketing_consent"
    if identifier_id == profile_id:
        return "profile_id"
    return "links_identifiers" if partners > 1 else None


def delete_identifiers(tx: Transaction, expired: list[Expired], region: str) -> set[int]:
    """Scrub the identifiers from their events and delete their rows; return the anchors to re-derive."""
    ids = [item.identifier_id for item in expired]
    keys = {tuple(row[1:]): int(row[0]) for row in tx.fetchall(
        "SELECT identifier_id, kind, value FROM identifiers WHERE identifier_id IN (SELECT unnest($ids::BIGINT[]))",
        {"ids": ids})}  # fmt: skip
    anchors = set(ids)
    for row in _carrying_events(tx, list(keys)):
        anchors |= _scrub_event(tx, row, keys, region)
    where = "IN (SELECT unnest($ids::BIGINT[]))"
    for table, columns in (("edges", ("a", "b")), ("resolution_pairs", ("a_identifier_id", "b_identifier_id")),
                           ("consent_ledger", ("anchor_id",)), ("identifiers", ("identifier_id",))):  # fmt: skip
        tx.execute(f"DELETE FROM {table} WHERE " + " OR ".join(f"{c} {where}" for c in columns), {"ids": ids})  # noqa: S608
    return anchors


def _carrying_events(tx: Transaction, keys: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    pairs = [orjson.dumps(list(key)).decode() for key in keys]
    return tx.fetchall(
        "SELECT message_key, anchor_id, identifiers, traits, context, properties, extra FROM events "
        "WHERE EXISTS (SELECT 1 FROM (SELECT unnest($pairs::VARCHAR[]) AS pair) "
        "WHERE contains(events.identifiers::VARCHAR, pair))",
        {"pairs": pairs},
    )


def _scrub_event(tx: Transaction, row: tuple[Any, ...], keys: dict[tuple[Any, ...], int], region: str) -> set[int]:
    """Remove the deleted identifiers from one event; return its old and new anchor."""
    message_key, anchor_id, identifiers, *documents = row
    gone = {key for key in keys if list(key) in orjson.loads(identifiers)}
    left = [pair for pair in orjson.loads(identifiers) if tuple(pair) not in gone]
    if not left:
        tx.execute("DELETE FROM events WHERE message_key = ?", [message_key])
        return {int(anchor_id)}
    anchor = int(anchor_id)
    if anchor in {keys[key] for key in gone}:
        found = tx.fetchone("SELECT identifier_id FROM identifiers WHERE kind = ? AND value = ?", left[0])
        anchor = int(found[0]) if found else anchor
    scrubbed = [_without(orjson.loads(doc), gone, region) if doc is not None else None for doc in documents]
    tx.execute(
        "UPDATE events SET identifiers = ?, traits = ?, context = ?, properties = ?, extra = ?, anchor_id = ? "
        "WHERE message_key = ?",
        [orjson.dumps(left).decode(), *(_json(doc) for doc in scrubbed), anchor, message_key],
    )
    return {int(anchor_id), anchor}


def _without(value: Any, gone: set[tuple[Any, ...]], region: str) -> Any:
    """``value`` with every string that normalises to one of ``gone`` removed, at any depth."""
    if isinstance(value, dict):
        return {k: _without(v, gone, region) for k, v in value.items() if not _names(v, gone, region)}
    if isinstance(value, list):
        return [_without(v, gone, region) for v in value if not _names(v, gone, region)]
    return value


def _names(value: Any, gone: set[tuple[Any, ...]], region: str) -> bool:
    if not isinstance(value, str):
        return False
    return ("email", normalise_email(value)) in gone or ("phone", normalise_phone(value, region)) in gone


def _json(document: Any) -> str | None:
    return None if document is None else orjson.dumps(document).decode()
