"""The predict room's tables: one row of predictions per profile, one row per fit.

The tables are created by the store's third migration (``store/schema.py``).
Each run replaces every profile's row, so profiles merged away or no longer eligible
lose theirs.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa

from persona360.store.database import Database

_COLUMNS = (
    "profile_id",
    "fitted_at",
    "as_of",
    "model_version",
    "frequency",
    "recency_days",
    "age_days",
    "average_spend",
    "expected_purchases_30d",
    "expected_purchases_90d",
    "expected_purchases_365d",
    "p_alive",
    "churn_risk",
    "churn_bucket",
    "p_purchase_30d",
    "expected_spend",
    "clv",
    "clv_horizon_months",
    "monthly_discount",
)


def save_predictions(db: Database, rows: pa.Table, report: dict[str, Any]) -> None:
    """Replace every profile's predictions with ``rows`` and record the fit, atomically.

    ``rows`` has the columns of ``profile_predictions`` but the two timestamps, which
    come from ``report`` (the same for every row).
    """
    selected = ", ".join(
        f"CAST(${name} AS TIMESTAMPTZ)" if name in ("fitted_at", "as_of") else name for name in _COLUMNS
    )
    with db.transaction() as tx:
        tx.register("__p360__predictions", rows)
        tx.execute("DELETE FROM profile_predictions")
        tx.execute(
            f"INSERT INTO profile_predictions SELECT {selected} FROM __p360__predictions",
            {"fitted_at": report["fitted_at"], "as_of": report["as_of"]},
        )
        tx.execute(
            "INSERT INTO prediction_fits SELECT coalesce(max(fit_id), 0) + 1, ?, ?, ?, ?, ? FROM prediction_fits",
            [
                report["fitted_at"],
                report["as_of"],
                report["model_version"],
                report["customers"],
                orjson.dumps(report, default=str).decode(),
            ],
        )


def read_predictions(db: Database, profile_id: int) -> dict[str, Any] | None:
    """The stored predictions of ``profile_id``, or None if it has none.

    A profile has none when predictions never ran, it has no purchase, it is not
    eligible, or it was created (or merged into) after the last run.
    """
    if not _exists(db):
        return None
    rows = db.query_dicts("SELECT * FROM profile_predictions WHERE profile_id = ?", [profile_id])
    return rows[0] if rows else None


def read_latest_fit(db: Database) -> dict[str, Any] | None:
    """The report of the most recent fit, or None before the first one."""
    if not _exists(db):
        return None
    text = db.scalar("SELECT report FROM prediction_fits ORDER BY fit_id DESC LIMIT 1")
    return orjson.loads(text) if text is not None else None


def _exists(db: Database) -> bool:
    # Read paths check instead of creating the tables, so that they never need the
    # write lock (the server's writer holds it).
    found = db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'prediction_fits'")
    return bool(found)
