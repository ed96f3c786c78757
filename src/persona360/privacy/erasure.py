"""Erasure: remove a person from every table, leaving only a suppression entry.

Which tables hold per-person data, and by what key, is written down here in one plan
(``BY_IDENTIFIER``, ``BY_PROFILE``, the JSON scans), next to the tables that hold none
(``NO_PERSONAL_DATA``, each with its reason). A test lists every table of a fresh
workspace and fails on one that is in neither, so a new room's table cannot be
forgotten. Erasure reaches into other rooms' tables on purpose: the law asks for one
act that leaves nothing behind, and a per-room hook could be skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from persona360.store.database import Transaction

# Tables keyed by identifier ids (anchors): the person's identifiers are the keys.
BY_IDENTIFIER: dict[str, tuple[str, ...]] = {
    "events": ("anchor_id",),
    "trait_values": ("anchor_id",),
    "orders": ("anchor_id",),
    "order_reports": ("anchor_id",),
    "order_echoes": ("anchor_id",),
    "anchor_stats": ("anchor_id",),
    "anchor_tags": ("anchor_id",),
    "anchor_event_counts": ("anchor_id",),
    "anchor_addresses": ("anchor_id",),
    "anonymous_spans": ("anchor_id",),
    "consent_ledger": ("anchor_id",),
    "survey_answers": ("anchor_id",),
    "resolution_pairs": ("a_identifier_id", "b_identifier_id"),
    "edges": ("a", "b"),
    "identifiers": ("identifier_id",),
}
# Tables keyed by profile id: the live id and every id the person was known by before.
BY_PROFILE: dict[str, tuple[str, ...]] = {
    "profiles": ("profile_id",),
    "profile_traits": ("profile_id",),
    "computed_values": ("profile_id",),
    "segment_memberships": ("profile_id",),
    "trigger_deliveries": ("profile_id",),
    "profile_predictions": ("profile_id",),
    "persona_assignments": ("profile_id",),
    "campaign_assignments": ("profile_id",),
    "activation_messages": ("profile_id",),
    "activation_events": ("profile_id",),
    "profile_redirects": ("old_id", "new_id"),
}
# Scanned by content: events of other anchors that name the person (a merge's other
# side, an edge a guardrail blocked) and the identity log, whose JSON holds labels.
SCANNED = ("events", "identity_log")
NO_PERSONAL_DATA: dict[str, str] = {
    "meta": "migrations and workspace flags",
    "workspace_settings": "the shop's currencies, exchange rates and phone region",
    "sources": "source names and hashed write keys",
    "tokens": "admin token names and hashes",
    "segments": "segment definitions",
    "segment_counts": "member counts over time",
    "segment_triggers": "webhook settings per segment",
    "computed_traits": "computed trait definitions",
    "prediction_fits": "model parameters and aggregate diagnostics",
    "persona_models": "centroids and persona cards (aggregates)",
    "persona_refreshes": "when customers were scored against a model, and how many",
    "campaigns": "campaign settings",
    "activation_templates": "message templates by name (no recipients)",
    "campaign_runs": "counts per campaign run (how many were sent or skipped, and why; no profile)",
    "surveys": "survey definitions",
    "audit_log": "who did what, by profile id, never an identifier value; kept for accountability",
    "suppressions": "keyed hashes of erased identifiers: what the law lets us keep",
    "retired_identifiers": "ids of deleted identifiers (numbers only), so no newcomer is given one",
}
# seg_consent reads consent_ledger and identifiers only: erased with them.
VIEWS = ("seg_profiles", "seg_traits", "seg_events", "seg_members", "seg_consent", "consent_current")


@dataclass
class Person:
    """Everything that names one person: identifier ids and keys, profile ids."""

    profile_id: int
    identifier_ids: list[int]
    keys: list[tuple[str, str]]
    profile_ids: list[int]


@dataclass
class ErasureReport:
    """What an erasure removed (counts only: the audit trail must not hold the values)."""

    profile_id: int
    identifiers: int
    kinds: dict[str, int]
    suppressed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    rewritten: bool = False

    def detail(self) -> dict[str, Any]:
        """The audit entry's detail."""
        return {
            "identifiers": self.identifiers,
            "kinds": self.kinds,
            "suppressed": self.suppressed,
            "rows": {name: n for name, n in self.rows.items() if n},
        }


Fetch = Callable[[str, Any], list[tuple[Any, ...]]]  # Transaction.fetchall or Database.query


def find_person(fetch: Fetch, profile_id: int) -> Person:
    """The identifiers of ``profile_id`` and every profile id that ever led to it.

    Args:
        fetch: runs a query (``tx.fetchall`` inside a transaction, ``db.query`` outside).
        profile_id: the live profile id.
    """
    rows = fetch("SELECT identifier_id, kind, value FROM identifiers WHERE profile_id = ?", [profile_id])
    ids = [int(row[0]) for row in rows]
    known = {profile_id, *ids}
    while True:  # profiles merged into this one, and those merged into them
        olds = fetch(
            "SELECT old_id FROM profile_redirects WHERE new_id IN (SELECT unnest($ids::BIGINT[]))",
            {"ids": sorted(known)},
        )
        more = {int(row[0]) for row in olds} - known
        if not more:
            break
        known |= more
    others = fetch(
        "SELECT DISTINCT profile_id FROM identifiers WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) "
        "AND profile_id <> $me",
        {"ids": sorted(known), "me": profile_id},
    )
    known -= {int(row[0]) for row in others}  # an old id that is someone else's live profile now
    return Person(profile_id, ids, [(str(k), str(v)) for _, k, v in rows], sorted(known))


def delete_person(tx: Transaction, person: Person) -> dict[str, int]:
    """Delete every row about ``person``; return the rows deleted per table."""
    counts = {"events": _delete_mentions(tx, person.keys)}
    counts["identity_log"] = _delete_log(tx, person)
    for plan, ids in ((BY_IDENTIFIER, person.identifier_ids), (BY_PROFILE, person.profile_ids)):
        for table, columns in plan.items():
            counts[table] = counts.get(table, 0) + _delete_keyed(tx, table, columns, ids)
    return counts


def _delete_keyed(tx: Transaction, table: str, columns: tuple[str, ...], ids: list[int]) -> int:
    # table and column names come from the constant plan above, never from input
    where = " OR ".join(f"{column} IN (SELECT unnest($ids::BIGINT[]))" for column in columns)
    row = tx.fetchone(f"DELETE FROM {table} WHERE {where}", {"ids": ids})  # noqa: S608
    return int(row[0]) if row else 0


def _delete_mentions(tx: Transaction, keys: list[tuple[str, str]]) -> int:
    """Events anchored elsewhere that still name one of the person's identifiers."""
    pairs = [orjson.dumps(list(key)).decode() for key in keys]
    row = tx.fetchone(
        "DELETE FROM events WHERE EXISTS (SELECT 1 FROM (SELECT unnest($pairs::VARCHAR[]) AS pair) "
        "WHERE contains(events.identifiers::VARCHAR, pair) OR contains(coalesce(events.extra::VARCHAR, ''), pair))",
        {"pairs": pairs},
    )
    return int(row[0]) if row else 0


def _delete_log(tx: Transaction, person: Person) -> int:
    """Identity log entries that name the person by label or by id."""
    labels = {f"{kind}:{value}" for kind, value in person.keys}
    ids = set(person.identifier_ids) | set(person.profile_ids)
    doomed = [
        int(rowid)
        for rowid, detail in tx.fetchall("SELECT rowid, detail FROM identity_log")
        if _names(orjson.loads(detail), labels, ids)
    ]
    if doomed:
        tx.execute("DELETE FROM identity_log WHERE rowid IN (SELECT unnest($ids::BIGINT[]))", {"ids": doomed})
    return len(doomed)


def _names(value: Any, labels: set[str], ids: set[int]) -> bool:
    if isinstance(value, dict):
        return any(_names(item, labels, ids) for item in value.values())
    if isinstance(value, list):
        return any(_names(item, labels, ids) for item in value)
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in ids
    return isinstance(value, str) and value in labels


def kinds_of(keys: Iterable[tuple[str, str]]) -> dict[str, int]:
    """How many identifiers of each kind (for the audit entry)."""
    counts: dict[str, int] = {}
    for kind, _ in keys:
        counts[kind] = counts.get(kind, 0) + 1
    return counts
