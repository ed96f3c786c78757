"""Each customer's purchase history as the models see it, computed in SQL.

The unit is a **purchase day**: a profile's orders on one UTC calendar day are one
transaction, as in the CDNOW data the models were published on (its 223 same-day
records are merged; counting them separately moves the week-78 forecast from −4% to
−9%). Per profile, up to the end of calibration:

- ``frequency``: purchase days after the first one (repeat purchases, ``x``);
- ``recency``: days from the first purchase day to the last (``t_x``);
- ``age``: days from the first purchase day to the end of calibration (``T``);
- ``spend_days`` and ``average_spend``: repeat purchase days with a positive revenue,
  and the mean of their revenue (the Gamma-Gamma input; the first purchase is left
  out, as in the paper, because first orders are often unlike the rest);
- ``holdout_purchases``: purchase days after the end of calibration, up to ``as_of``.

Returns and negative totals: an order with a negative revenue is a refund, not a
purchase, so it neither makes a purchase day nor lowers spend. Orders with a zero or
missing revenue are purchases (they count for frequency) but are left out of spend,
because the Gamma-Gamma model is defined for positive amounts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from persona360.predict.estimation import FloatArray
from persona360.store.database import Database
from persona360.store.money import Money, money_sum


# Both bounds are parameters: `as_of` (a timestamp: later orders do not exist yet) and
# `calibration_end` (a date: the last day the models learn from). Without a holdout
# the two fall on the same day. Spend is read in each order's report currency
# (store/money.py): converted into the reporting currency where the user gave a rate.
def history_sql(money: Money) -> str:
    """The per-customer history query, with spend as ``money`` reports it."""
    return f"""
WITH days AS (
    SELECT i.profile_id, CAST(o.ordered_at AS DATE) AS day,
           {money_sum("o.report_amount", where="o.report_amount > 0")} AS spend
    FROM {money.orders_sql()} o JOIN identifiers i ON i.identifier_id = o.anchor_id
    WHERE o.ordered_at <= $as_of AND (o.revenue IS NULL OR o.revenue >= 0)
    GROUP BY ALL),
births AS (SELECT profile_id, min(day) AS birth FROM days GROUP BY ALL),
marked AS (
    SELECT d.profile_id, d.day, d.spend, b.birth,
           d.day > b.birth AND d.day <= $calibration_end AS repeat_day
    FROM days d JOIN births b USING (profile_id)
    WHERE b.birth <= $calibration_end)
SELECT profile_id,
       count(*) FILTER (WHERE repeat_day) AS frequency,
       coalesce(max(day) FILTER (WHERE day <= $calibration_end), birth) - birth AS recency,
       $calibration_end - birth AS age,
       count(spend) FILTER (WHERE repeat_day) AS spend_days,
       avg(spend) FILTER (WHERE repeat_day) AS average_spend,
       count(*) FILTER (WHERE day > $calibration_end) AS holdout_purchases
FROM marked GROUP BY profile_id, birth ORDER BY profile_id
"""


def spend_currencies(db: Database, as_of: datetime, money: Money) -> list[str]:
    """The currencies (``money.label``) of the positive order revenue up to ``as_of``, by name.

    More than one means the Gamma-Gamma spend model, and so CLV, pools amounts in several
    currencies: the fit report says so (see ``run.py``).
    """
    rows = db.query(
        f"SELECT DISTINCT report_currency FROM {money.orders_sql()} WHERE ordered_at <= $as_of AND revenue > 0",
        {"as_of": as_of},
    )
    return list(money.labelled({str(currency): None for (currency,) in rows}))


@dataclass(frozen=True)
class PurchaseHistory:
    """One entry per customer (a profile with at least one purchase day), in profile order.

    ``average_spend`` is NaN where ``spend_days`` is zero.
    """

    profile_id: np.ndarray
    frequency: FloatArray
    recency: FloatArray
    age: FloatArray
    spend_days: FloatArray
    average_spend: FloatArray
    holdout_purchases: FloatArray

    def __len__(self) -> int:
        return len(self.profile_id)

    def select(self, mask: np.ndarray) -> PurchaseHistory:
        """The customers where ``mask`` is true."""
        return PurchaseHistory(*(getattr(self, name)[mask] for name in _COLUMNS))

    @property
    def repeat_customers(self) -> int:
        """Customers with at least one repeat purchase day."""
        return int(np.count_nonzero(self.frequency > 0))

    @property
    def spend_customers(self) -> int:
        """Customers with at least one repeat purchase day of positive revenue."""
        return int(np.count_nonzero(self.spend_days > 0))


_COLUMNS = (
    "profile_id",
    "frequency",
    "recency",
    "age",
    "spend_days",
    "average_spend",
    "holdout_purchases",
)


def read_history(db: Database, as_of: datetime, money: Money, calibration_end: date | None = None) -> PurchaseHistory:
    """Every customer's history up to ``as_of``, calibrated up to ``calibration_end``.

    Args:
        db: the workspace database.
        as_of: the end of observation (aware); later orders are ignored.
        money: how spend is reported (``Money.from_settings``): converted only with the user's rates.
        calibration_end: the last day the models learn from; ``as_of``'s UTC day when
            omitted (no holdout).
    """
    end = calibration_end or as_of.date()
    table = db.query_arrow(history_sql(money), {"as_of": as_of, "calibration_end": end})
    return history_from_table(table)


def history_from_table(table: pa.Table) -> PurchaseHistory:
    """Turn the columns of :func:`history_sql` into arrays (a missing average becomes NaN)."""
    ids = table.column(_COLUMNS[0]).to_numpy().astype(np.int64)
    values = [pc.fill_null(pc.cast(table.column(name), pa.float64()), float("nan")).to_numpy() for name in _COLUMNS[1:]]
    return PurchaseHistory(ids, *values)
