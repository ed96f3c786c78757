"""The ``resolution_pairs`` table: proposed, accepted, rejected and merged pairs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from persona360.errors import NotFoundError
from persona360.store.database import Database

STATUSES = ("pending", "accepted", "rejected", "merged")

_DECIDED_PROFILE_PAIRS = """
SELECT a.profile_id, b.profile_id FROM resolution_pairs p
JOIN identifiers a ON a.identifier_id = p.a_identifier_id
JOIN identifiers b ON b.identifier_id = p.b_identifier_id
"""

_LIST = """
SELECT p.pair_id, p.status, p.probability, p.explanation, p.created_at, p.decided_at, p.decided_by,
       a.kind AS a_kind, a.value AS a_value, a.profile_id AS a_profile,
       b.kind AS b_kind, b.value AS b_value, b.profile_id AS b_profile
FROM resolution_pairs p
JOIN identifiers a ON a.identifier_id = p.a_identifier_id
JOIN identifiers b ON b.identifier_id = p.b_identifier_id
"""


@dataclass(frozen=True)
class PairRow:
    """A pair to store: the two profiles' anchor identifiers and the model's verdict."""

    a_identifier_id: int
    b_identifier_id: int
    probability: float
    explanation: dict[str, Any]
    status: str


def known_profile_pairs(db: Database) -> set[frozenset[int]]:
    """The current profiles of every pair ever stored, whatever its status.

    A candidate between two of these profiles is not proposed again.
    """
    return {frozenset(row) for row in db.query(_DECIDED_PROFILE_PAIRS) if row[0] != row[1]}


def add_pairs(db: Database, rows: list[PairRow], now: datetime, actor: str) -> None:
    """Store ``rows`` in one statement; merged ones are decided at once by ``actor``.

    The rows go in as one Arrow table: bound as nine Python lists (``unnest($a)``…) the
    6,448 pairs of FEBRL3 took 0.1 s of CPU to convert, the insert itself a few ms.
    The explanations are written by orjson (``json.dumps`` took ten times as long).
    """
    if not rows:
        return
    decided = [row.status != "pending" for row in rows]
    with db.transaction() as tx:
        first = int(tx.fetchone("SELECT coalesce(max(pair_id), 0) + 1 FROM resolution_pairs")[0])  # type: ignore[index]
        table = pa.table(
            {
                "pair_id": pa.array(range(first, first + len(rows)), pa.int64()),
                "a": pa.array([row.a_identifier_id for row in rows], pa.int64()),
                "b": pa.array([row.b_identifier_id for row in rows], pa.int64()),
                "p": pa.array([row.probability for row in rows], pa.float64()),
                "explanation": pa.array([orjson.dumps(row.explanation).decode() for row in rows], pa.string()),
                "status": pa.array([row.status for row in rows], pa.string()),
                "decided_at": pa.array([now if d else None for d in decided], pa.timestamp("us", tz="UTC")),
                "decided_by": pa.array([actor if d else None for d in decided], pa.string()),
            }
        )
        tx.execute_arrow(
            "INSERT INTO resolution_pairs SELECT pair_id, a, b, p, explanation::JSON, status, "
            "$now::TIMESTAMPTZ, decided_at, decided_by FROM p360_rows",
            table,
            {"now": now},
        )


def list_pairs(db: Database, status: str | None = "pending", limit: int = 50) -> list[dict[str, Any]]:
    """Stored pairs with both sides' identifiers, most likely first."""
    where, params = _with_status(status)
    return _listed(db, f"{_LIST} {where} ORDER BY p.probability DESC, p.pair_id LIMIT ?", [*params, limit])


def count_pairs(db: Database, status: str | None = "pending") -> int:
    """How many stored pairs have ``status`` (``None``: all of them)."""
    where, params = _with_status(status)
    return int(db.scalar(f"SELECT count(*) FROM ({_LIST} {where})", params) or 0)  # noqa: S608


def _with_status(status: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (on ``p``, ``a``, ``b``) and parameters keeping pairs of ``status``; none for ``None``.

    A pending pair whose two sides are one profile by now (another pair accepted, a
    manual merge) is left out: there is nothing left to decide, and the queue showed
    "Profile 1091 / Profile 1091" beside pairs still to review.
    """
    if status == "pending":
        return ("WHERE p.status = ? AND a.profile_id <> b.profile_id", [status])
    return ("WHERE p.status = ?", [status]) if status else ("", [])


def list_decided(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """Decided pairs (merged, accepted, rejected), the latest decision first.

    Not by probability: a rule's merges (device handover, home network) all have 1.0
    and would hide a person's decision a minute ago behind hundreds of them.
    """
    sql = f"{_LIST} WHERE p.status <> 'pending' ORDER BY p.decided_at DESC NULLS LAST, p.pair_id DESC LIMIT ?"
    return _listed(db, sql, [limit])


def _listed(db: Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    rows = db.query_dicts(sql, params)
    for row in rows:
        row["explanation"] = json.loads(row["explanation"])
    return rows


def get_pair(db: Database, pair_id: int) -> dict[str, Any]:
    """One stored pair; raises NotFoundError when there is none."""
    rows = db.query_dicts(f"{_LIST} WHERE p.pair_id = ?", [pair_id])
    if not rows:
        raise NotFoundError(f"no review pair {pair_id}: see `persona360 review list`")
    rows[0]["explanation"] = json.loads(rows[0]["explanation"])
    return rows[0]


def decide(db: Database, pair_id: int, status: str, now: datetime, actor: str) -> None:
    """Mark a pending pair ``accepted`` or ``rejected``."""
    with db.transaction() as tx:
        tx.execute(
            "UPDATE resolution_pairs SET status = ?, decided_at = ?, decided_by = ? WHERE pair_id = ?",
            [status, now, actor, pair_id],
        )


def weighed_reasons(explanation: dict[str, Any]) -> list[tuple[str, float]]:
    """A pair's match weights as reasons to show, strongest first, without those weighing nothing.

    A comparison the model could not make (a side without a phone, a birthday...) weighs
    0: listed, "phone +0.0" read as a reason. The explanation itself (``--json``, the
    API) keeps every weight.

    Example:
        >>> weighed_reasons({"match_weights": {"phone": 0.0, "name": 13.8, "city": -2.1}})
        [('name', 13.8), ('city', -2.1)]
    """
    weights = ((str(name), float(weight)) for name, weight in explanation.get("match_weights", {}).items())
    return sorted(((name, weight) for name, weight in weights if weight != 0), key=lambda item: -abs(item[1]))
