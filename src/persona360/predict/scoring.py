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
    probability_quiet,
)
from persona360.predict.estimation import FloatArray, distinct_points
from persona360.predict.gamma_gamma import GammaGamma, conditional_expected_spend
from persona360.predict.purchases import PurchaseHistory

# A month is an average calendar month, so a 12-month horizon is one year of days.
DAYS_PER_MONTH = 365.25 / 12
WINDOWS_DAYS = (30, 90, 365)
# Churn buckets. Churn risk (1 - P(alive)) has a floor: the dropout chance the fit puts
# on every purchase, the least certain part of a young shop's fit. Cut-offs on the risk
# alone (0.3 and 0.7 before) called a customer who bought an hour ago medium or high risk
# whenever that chance was above them. So a bucket also asks how quiet the customer has
# been against their own rhythm (bgnbd.probability_quiet: the chance a customer still
# active with their history would have bought nothing since their last purchase):
# - low: the model is confident (risk below 0.3), or the customer is not yet due (an
#   active customer with their history stays this quiet at least half the time);
# - high: overdue (an active customer would have bought again by now nine times in ten)
#   and more likely gone than not (risk from 0.5);
# - medium: the rest.
# Checked against the demo's planted lapses (predict/README.md, "Churn risk").
CHURN_CUTOFFS = (0.3, 0.5)  # churn risk: low below, high from
QUIET_CUTOFFS = (0.1, 0.5)  # probability_quiet: high below, low from
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
        churn_bucket=churn_buckets(churn, probability_quiet(bgnbd, x, t_x, T)[back]),
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


def churn_buckets(churn_risk: FloatArray, quiet: FloatArray) -> np.ndarray:
    """``low``, ``medium`` or ``high`` from churn risk and :func:`~persona360.predict.bgnbd.probability_quiet`.

    See :data:`CHURN_CUTOFFS` and :data:`QUIET_CUTOFFS` for the rule and why.

    Example:
        >>> churn_buckets(np.array([0.6, 0.2, 0.6, 0.6]), np.array([0.9, 0.01, 0.3, 0.05])).tolist()
        ['low', 'low', 'medium', 'high']
    """
    low = (churn_risk < CHURN_CUTOFFS[0]) | (quiet >= QUIET_CUTOFFS[1])
    high = ~low & (churn_risk >= CHURN_CUTOFFS[1]) & (quiet < QUIET_CUTOFFS[0])
    return np.where(low, "low", np.where(high, "high", "medium")).astype(object)


def _observed_mean(history: PurchaseHistory) -> float:
    has_spend = history.spend_days > 0
    if not np.any(has_spend):
        return float("nan")
    weights = history.spend_days[has_spend]
    return float(np.sum(weights * history.average_spend[has_spend]) / weights.sum())
