"""Retention: delete events older than their rule allows, then re-derive what they fed.

Rules come from ``PERSONA360_RETENTION_DAYS`` (``{"type:page": 395, "source:crm": 730}``);
an event expires when it is older than any rule that matches it, i.e. the shortest
matching period wins. Rules ``identifiers:SOURCE`` delete contact identifiers rather
than events (see ``privacy/contact_retention.py``). Admin records (merge, unmerge) and consent decisions never
expire here: the first define identity, the second are the proof of consent.

After the delete, the per-anchor facts of the anchors that lost events (traits, orders,
counts, tags) are emptied and recomputed from their remaining events, and their
profiles re-projected, in the same transaction: no full rebuild, no long writer stall.
The consent ledger, survey answers and the identity graph keep what they derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from persona360.errors import Persona360Error
from persona360.ingest.replay import record_from_row
from persona360.profiles.facts import record_facts
from persona360.profiles.projection import reproject
from persona360.settings import Settings
from persona360.store.database import Database, Transaction
from persona360.store.money import Money

KEPT_TYPES = ("merge", "unmerge", "consent")
FACT_TABLES = (
    "trait_values",
    "orders",
    "order_reports",
    "order_echoes",
    "anchor_stats",
    "anchor_tags",
    "anchor_event_counts",
    "anchor_addresses",
    "anonymous_spans",
)
_EVENT_COLUMNS = (
    "seq, message_id, source_id, type, event, user_id, anonymous_id, timestamp, original_timestamp, sent_at, "
    "received_at, properties, traits, context, extra, identifiers, reason, anchor_id"
)
# events whose every identifier is an anonymous id (no person named)
_ANONYMOUS = "len(list_filter(from_json(identifiers, '[[\"VARCHAR\"]]'), lambda pair: pair[1] <> 'anonymous_id')) = 0"


class RetentionError(ValueError, Persona360Error):
    """A retention rule persona360 cannot read."""


@dataclass(frozen=True)
class Rule:
    """One retention rule: events matching ``selector`` are kept ``days`` days."""

    selector: str
    days: float

    @property
    def on_identifiers(self) -> bool:
        """An ``identifiers:SOURCE`` rule (contact identifiers, not events)."""
        return self.selector.startswith("identifiers:")

    def where(self, source_ids: dict[str, int]) -> tuple[str, list[Any]]:
        """The SQL condition (and its parameters) for the events this rule selects."""
        kind, _, value = self.selector.partition(":")
        if kind == "source":
            return "source_id = ?", [source_ids.get(value, -1)]
        if kind == "type":
            return "type = ?", [value]
        if kind == "event":
            return "type = 'track' AND event = ?", [value]
        return _ANONYMOUS, []


def parse_rules(days: dict[str, float]) -> list[Rule]:
    """Check and sort the rules of the setting.

    Raises:
        RetentionError: a selector of an unknown kind, without a value, or a period that
            is not positive.

    Example:
        >>> parse_rules({"type:page": 30, "anonymous": 395})
        [Rule(selector='anonymous', days=395), Rule(selector='type:page', days=30)]
    """
    rules = []
    for selector, period in sorted(days.items()):
        kind, colon, value = selector.partition(":")
        if selector != "anonymous" and (
            kind not in ("source", "type", "event", "identifiers") or not colon or not value
        ):
            raise RetentionError(
                f"retention rule {selector!r}: write 'source:NAME', 'type:TYPE', 'event:NAME', 'anonymous' "
                "or 'identifiers:SOURCE'"
            )
        if not period > 0:
            raise RetentionError(f"retention rule {selector!r}: {period!r} days is not a positive number of days")
        rules.append(Rule(selector, float(period)))
    return rules


@dataclass
class RetentionReport:
    """What a retention run deleted, or would delete (``dry_run``)."""

    dry_run: bool
    now: datetime
    by_rule: dict[str, int] = field(default_factory=dict)
    events: int = 0
    profiles: list[int] = field(default_factory=list)
    unknown_sources: list[str] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    kept_identifiers: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON (the audit entry too: ids and kinds, never an identifier's value)."""
        return {
            "dry_run": self.dry_run,
            "now": self.now.isoformat(),
            "by_rule": self.by_rule,
            "events": self.events,
            "profiles": len(self.profiles),
            "unknown_sources": self.unknown_sources,
            "identifiers": self.identifiers,
            "kept_identifiers": self.kept_identifiers,
        }


def expired_where(rules: list[Rule], source_ids: dict[str, int], now: datetime) -> tuple[str, list[Any]]:
    """The condition for every expired event, as SQL and parameters."""
    parts, params = [], []
    for rule in (rule for rule in rules if not rule.on_identifiers):
        where, rule_params = rule.where(source_ids)
        parts.append(f'(({where}) AND "timestamp" < ?)')
        params += [*rule_params, now - timedelta(days=rule.days)]
    kept = ", ".join(f"'{name}'" for name in KEPT_TYPES)
    return f"type NOT IN ({kept}) AND ({' OR '.join(parts) or 'false'})", params


def plan(db: Database, rules: list[Rule], now: datetime) -> RetentionReport:
    """Count what each rule would delete (the dry run)."""
    source_ids = {str(name): int(i) for i, name in db.query("SELECT source_id, name FROM sources")}
    report = RetentionReport(True, now)
    report.unknown_sources = [r.selector for r in rules if r.selector.startswith(("source:", "identifiers:"))
                              and r.selector.partition(":")[2] not in source_ids]  # fmt: skip
    for rule in (rule for rule in rules if not rule.on_identifiers):
        where, params = expired_where([rule], source_ids, now)
        report.by_rule[rule.selector] = int(db.scalar(f"SELECT count(*) FROM events WHERE {where}", params))  # noqa: S608
    where, params = expired_where(rules, source_ids, now)
    report.events = int(db.scalar(f"SELECT count(*) FROM events WHERE {where}", params))  # noqa: S608
    rows = db.query(
        "SELECT DISTINCT profile_id FROM identifiers "  # noqa: S608 - the condition is built from constants
        f"WHERE identifier_id IN (SELECT anchor_id FROM events WHERE {where})",
        params,
    )
    report.profiles = sorted(int(row[0]) for row in rows)
    return report


def delete_expired(tx: Transaction, rules: list[Rule], now: datetime) -> list[int]:
    """Delete the expired events; return the anchors that lost some."""
    source_ids = {str(name): int(i) for i, name in tx.fetchall("SELECT source_id, name FROM sources")}
    where, params = expired_where(rules, source_ids, now)
    anchors = [int(row[0]) for row in tx.fetchall(f"SELECT DISTINCT anchor_id FROM events WHERE {where}", params)]  # noqa: S608
    if anchors:
        tx.execute(f"DELETE FROM events WHERE {where}", params)  # noqa: S608
    return anchors


def members_of(tx: Transaction, profiles: set[int]) -> dict[int, list[int]]:
    """The identifiers each of ``profiles`` holds now (after a delete), for re-projection."""
    rows = tx.fetchall(
        "SELECT profile_id, list(identifier_id ORDER BY identifier_id) FROM identifiers "
        "WHERE profile_id IN (SELECT unnest($ids::BIGINT[])) GROUP BY profile_id",
        {"ids": sorted(profiles)},
    )
    return {int(profile): [int(i) for i in ids] for profile, ids in rows}


def rederive(tx: Transaction, anchors: list[int], members: dict[int, list[int]], settings: Settings) -> None:
    """Recompute the facts of ``anchors`` from their remaining events; re-project ``members``."""
    ids = {"ids": anchors}
    for table in FACT_TABLES:
        tx.execute(f"DELETE FROM {table} WHERE anchor_id IN (SELECT unnest($ids::BIGINT[]))", ids)  # noqa: S608
    names: dict[int, str] = dict(tx.fetchall("SELECT source_id, name FROM sources"))
    rows = tx.fetchall(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE anchor_id IN (SELECT unnest($ids::BIGINT[])) "  # noqa: S608
        "AND type NOT IN ('merge', 'unmerge') ORDER BY seq",
        ids,
    )
    columns = [c.strip() for c in _EVENT_COLUMNS.split(",")]
    dicts = [dict(zip(columns, row, strict=True)) for row in rows]
    if dicts:
        records = [record_from_row(row) for row in dicts]
        record_facts(tx, records, [row["anchor_id"] for row in dicts], [row["seq"] for row in dicts], names)
    reproject(
        tx,
        members,
        policy=settings.trait_policy,
        priority=settings.trait_source_priority,
        money=Money.from_settings(settings),
    )
