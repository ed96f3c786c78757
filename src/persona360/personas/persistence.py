"""Reading and writing persona model versions and their assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from persona360.profiles.reading import profile_orders_sql
from persona360.store.database import Database, Transaction
from persona360.store.money import Money, money_sum

_LATEST = "SELECT max(version) FROM persona_models"


def next_version(db: Database) -> int:
    """The number the next model gets (1 for the first)."""
    return int(db.scalar(_LATEST) or 0) + 1


def save_model(
    db: Database,
    version: int,
    built_at: datetime,
    model: dict[str, Any],
    report: dict[str, Any],
    cards: list[dict[str, Any]],
    assignments: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Store one version: the model, its report and cards, and every customer's persona."""
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO persona_models VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [version, built_at, model["k"], len(assignments[0]), _json(model), _json(report), _json(cards)],
        )
        _insert_assignments(tx, version, assignments, "INSERT")


def _insert_assignments(
    tx: Transaction, version: int, assigned: tuple[np.ndarray, np.ndarray, np.ndarray], verb: str
) -> None:
    profile_ids, labels, distances = assigned
    table = pa.table(
        {
            "version": pa.array(np.full(len(profile_ids), version), pa.int32()),
            "profile_id": pa.array(profile_ids, pa.int64()),
            "persona": pa.array(labels, pa.int32()),
            "distance": pa.array(distances, pa.float64()),
        }
    )
    tx.register("__p360__persona_assignments", table)
    tx.execute(f"{verb} INTO persona_assignments SELECT * FROM __p360__persona_assignments")


def load_model(db: Database, version: int | None = None) -> dict[str, Any] | None:
    """A stored version (the latest when ``version`` is None), or None when there is none."""
    rows = db.query(
        "SELECT version, built_at, k, profiles, model, report, cards FROM persona_models "
        f"WHERE version = coalesce($1, ({_LATEST}))",
        [version],
    )
    if not rows:
        return None
    number, built_at, k, profiles, model, report, cards = rows[0]
    return {
        "version": number,
        "built_at": built_at,
        "k": k,
        "profiles": profiles,
        "model": orjson.loads(model),
        "report": orjson.loads(report),
        "cards": orjson.loads(cards),
    }


def versions(db: Database) -> list[dict[str, Any]]:
    """Every stored version, newest first (without the model bodies)."""
    return db.query_dicts("SELECT version, built_at, k, profiles FROM persona_models ORDER BY version DESC")


def assignments(db: Database, version: int) -> dict[int, int]:
    """Map profile id -> persona number in ``version``."""
    rows = db.query("SELECT profile_id, persona FROM persona_assignments WHERE version = $1", [version])
    return {int(profile): int(persona) for profile, persona in rows}


def revenue_by_persona(db: Database, version: int, money: Money) -> dict[str, dict[int, float]]:
    """Each currency's order revenue per persona number of ``version`` (``money.labelled`` keys).

    Read from the orders at the time of asking, per currency (store/money.py): a card's
    ``revenue_share`` adds every currency up, which means nothing in a shop that sells in several.
    """
    orders = money.orders_sql(f"({profile_orders_sql()})")
    rows = db.query(
        f"SELECT a.persona, o.report_currency, {money_sum('o.report_amount')} FROM persona_assignments a "
        f"JOIN {orders} o USING (profile_id) WHERE a.version = $v GROUP BY ALL ORDER BY a.persona",
        {"v": version},
    )
    found: dict[str, dict[int, float]] = {}
    for persona, currency, amount in rows:
        found.setdefault(currency, {})[int(persona)] = float(amount or 0)
    return money.labelled(found)


def personas_of(db: Database, version: int, profile_ids: list[int]) -> dict[int, int]:
    """Map profile id -> persona number in ``version``, for these profiles only."""
    rows = db.query(
        "SELECT profile_id, persona FROM persona_assignments WHERE version = $1 "
        "AND profile_id IN (SELECT unnest(CAST($2 AS BIGINT[])))",
        [version, profile_ids],
    )
    return {int(profile): int(persona) for profile, persona in rows}


def persona_of(db: Database, profile_id: int) -> tuple[int, int] | None:
    """(version, persona) of a profile in the latest model, if it was assigned."""
    rows = db.query(
        f"SELECT version, persona FROM persona_assignments WHERE version = ({_LATEST}) AND profile_id = $1",
        [profile_id],
    )
    return (int(rows[0][0]), int(rows[0][1])) if rows else None


def members(db: Database, version: int, persona: int, limit: int, offset: int) -> dict[str, Any]:
    """A page of one persona's profiles, closest to the centre first, and how many there are."""
    rows = db.query(
        "SELECT profile_id, distance FROM persona_assignments WHERE version = $v AND persona = $p "
        "ORDER BY distance, profile_id LIMIT $limit OFFSET $offset",
        {"v": version, "p": persona, "limit": limit, "offset": offset},
    )
    total = db.scalar(
        "SELECT count(*) FROM persona_assignments WHERE version = $v AND persona = $p", {"v": version, "p": persona}
    )
    return {"total": int(total), "members": [{"profile_id": int(p), "distance": float(d)} for p, d in rows]}


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def replace_assignments(
    db: Database, version: int, assigned: tuple[np.ndarray, np.ndarray, np.ndarray], refreshed_at: datetime
) -> None:
    """Store (or overwrite) the persona of the given customers under ``version``; log the refresh."""
    with db.transaction() as tx:
        _insert_assignments(tx, version, assigned, "INSERT OR REPLACE")
        tx.execute("INSERT INTO persona_refreshes VALUES ($1, $2, $3)", [version, refreshed_at, len(assigned[0])])


def last_refresh(db: Database, version: int) -> datetime | None:
    """When customers were last scored against ``version`` (its build counts as the first time)."""
    return db.scalar(  # type: ignore[no-any-return]
        "SELECT greatest(m.built_at, (SELECT max(refreshed_at) FROM persona_refreshes WHERE version = $1)) "
        "FROM persona_models m WHERE m.version = $1",
        [version],
    )
