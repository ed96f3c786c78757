"""Per-customer predictions from fitted models, in whole days.

Everything that depends only on (frequency, recency, age) is computed once per distinct
combination and broadcast, which is most of the cost (hypergeometric functions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from persona360.predict.bgnbd import (
    BgNbd,
    conditional_expected_purchases,
    probability_alive,
    probability_purchase,
)
from persona360.predict.estimation import FloatArray, distinct_points
from persona360.predict.gamma_gamma import GammaGamma, conditional_expected_spend
from persona360.predict.purchases import PurchaseHistory

# A month is an average calendar month, so a 12-month horizon is one year of days.
DAYS_PER_MONTH = 365.25 / 12
WINDOWS_DAYS = (30, 90, 365)
# Churn risk (1 - P(alive)) cut-offs: below 0.3 is low, from 0.7 up is high. P(alive)
# of 0.7 or more means the model thinks the customer is more likely active than not by
# a wide margin; 0.3 or less means they have very probably lapsed.
CHURN_CUTOFFS = (0.3, 0.7)
CHURN_BUCKETS = ("low", "medium", "high")


@dataclass(frozen=True)
class Scores:
    """Predictions for each customer of a :class:`PurchaseHistory`, in its order."""

    expected_purchases: dict[int, FloatArray]  # by window in days
    p_alive: FloatArray
    churn_risk: FloatArray
    churn_bucket: np.ndarray
    p_purchase_30d: FloatArray
    expected_spend: FloatArray
    clv: FloatArray


def score(
    history: PurchaseHistory,
    bgnbd: BgNbd,
    gamma_gamma: GammaGamma,
    *,
    horizon_months: int,
    monthly_discount: float,
) -> Scores:
    """Score every customer of ``history`` with the fitted models."""
    points = distinct_points(history.frequency, history.recency, history.age)
    x, t_x, T = points.values.T
    back = points.inverse
    alive = probability_alive(bgnbd, x, t_x, T)[back]
    expected = {days: conditional_expected_purchases(bgnbd, days, x, t_x, T)[back] for days in WINDOWS_DAYS}
    fallback = _observed_mean(history)
    spend = conditional_expected_spend(gamma_gamma, history.spend_days, history.average_spend, fallback)
    units = discounted_purchases(bgnbd, x, t_x, T, horizon_months, monthly_discount)[back]
    churn = 1.0 - alive
    return Scores(
        expected_purchases=expected,
        p_alive=alive,
        churn_risk=churn,
        churn_bucket=churn_buckets(churn),
        p_purchase_30d=probability_purchase(bgnbd, 30.0, x, t_x, T)[back],
        expected_spend=spend,
        clv=units * spend,
    )


def discounted_purchases(
    bgnbd: BgNbd,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    horizon_months: int,
    monthly_discount: float,
) -> FloatArray:
    """Expected purchases month by month, each discounted to today, summed over the horizon.

    Times expected spend per purchase this is the CLV: purchases in month ``k`` are
    worth ``1/(1+d)**k`` of the same purchases today (discounted at the month's end).
    """
    total = np.zeros_like(x)
    previous = np.zeros_like(x)
    for month in range(1, horizon_months + 1):
        current = conditional_expected_purchases(bgnbd, month * DAYS_PER_MONTH, x, t_x, T)
        total += (current - previous) / (1.0 + monthly_discount) ** month
        previous = current
    return total


def churn_buckets(churn_risk: FloatArray) -> np.ndarray:
    """``low``, ``medium`` or ``high`` by :data:`CHURN_CUTOFFS`."""
    index = np.searchsorted(np.asarray(CHURN_CUTOFFS), churn_risk, side="right")
    return np.asarray(CHURN_BUCKETS, dtype=object)[index]


def _observed_mean(history: PurchaseHistory) -> float:
    has_spend = history.spend_days > 0
    if not np.any(has_spend):
        return float("nan")
    weights = history.spend_days[has_spend]
    return float(np.sum(weights * history.average_spend[has_spend]) / weights.sum())
