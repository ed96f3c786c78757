"""Scoring: churn buckets, CLV arithmetic, grouping of distinct points."""

from __future__ import annotations

import numpy as np
import pytest

from persona360.predict.bgnbd import BgNbd, conditional_expected_purchases
from persona360.predict.estimation import distinct_points
from persona360.predict.gamma_gamma import GammaGamma
from persona360.predict.mbgnbd import MbgNbd
from persona360.predict.purchases import PurchaseHistory
from persona360.predict.scoring import DAYS_PER_MONTH, churn_buckets, score

MODEL = BgNbd(r=0.6, alpha=70.0, a=0.7, b=3.5)
SPEND = GammaGamma(p=6.0, q=4.0, gamma=15.0)


def history() -> PurchaseHistory:
    x = np.array([0, 1, 4, 4, 12], dtype=float)
    return PurchaseHistory(
        profile_id=np.arange(1, 6),
        frequency=x,
        recency=np.array([0, 20, 300, 300, 700], dtype=float),
        age=np.array([10, 400, 320, 320, 710], dtype=float),
        spend_days=np.array([0, 1, 4, 3, 12], dtype=float),
        average_spend=np.array([np.nan, 50, 20, 20, 35], dtype=float),
        holdout_purchases=np.zeros(5),
    )


@pytest.mark.parametrize(
    ("risk", "quiet", "bucket"),
    [
        (0.0, 0.0, "low"),  # the model is sure they are active, however quiet (BG/NBD's one-time buyers)
        (0.2999, 0.01, "low"),
        (0.9, 0.5, "low"),  # not yet due: an active customer is this quiet half the time
        (0.3, 0.4999, "medium"),
        (0.4999, 0.01, "medium"),  # overdue, but the model thinks them more likely active
        (0.9, 0.1, "medium"),  # quiet for longer than usual, not yet overdue
        (0.5, 0.0999, "high"),
        (1.0, 0.0, "high"),
    ],
)
def test_churn_buckets_at_the_cut_offs(risk: float, quiet: float, bucket: str) -> None:
    assert churn_buckets(np.array([risk]), np.array([quiet]))[0] == bucket


def buckets(model: BgNbd, x: float, t_x: float, T: float) -> tuple[float, str]:
    """Churn risk and bucket of one customer with ``x`` repeat purchases, the last at ``t_x``, now ``T``."""
    h = PurchaseHistory(
        profile_id=np.array([1]),
        frequency=np.array([x]),
        recency=np.array([t_x]),
        age=np.array([T]),
        spend_days=np.array([x]),
        average_spend=np.array([20.0 if x else np.nan]),
        holdout_purchases=np.zeros(1),
    )
    scores = score(h, model, SPEND, horizon_months=12, monthly_discount=0.01)
    return float(scores.churn_risk[0]), str(scores.churn_bucket[0])


def test_a_customer_who_just_bought_is_low_risk_whatever_dropout_the_fit_found() -> None:
    """A young shop's fit may say most customers drop out after a purchase (here 60%).

    Churn risk right after a purchase is then 0.6 for everyone: the cut-offs on risk
    alone called a customer who bought today medium, which no shop would call churn.
    """
    model = MbgNbd(r=2.0, alpha=28.0, a=3.0, b=2.0)
    assert buckets(model, 0, 0, 0) == (pytest.approx(0.6), "low")
    assert buckets(model, 5, 70, 71)[1] == "low"


def test_a_regular_customer_long_overdue_is_high_risk() -> None:
    """Seven weeks of silence from a customer who bought every two weeks: high, where risk alone said medium."""
    model = MbgNbd(r=2.0, alpha=28.0, a=1.0, b=9.0)
    risk, bucket = buckets(model, 5, 70, 122)
    assert 0.5 < risk < 0.7 and bucket == "high"
    assert buckets(model, 5, 70, 84)[1] == "low"  # two weeks: due, not overdue


def test_clv_of_one_undiscounted_month_is_purchases_times_spend() -> None:
    h = history()
    scores = score(h, MODEL, SPEND, horizon_months=1, monthly_discount=0.0)
    month = conditional_expected_purchases(MODEL, DAYS_PER_MONTH, h.frequency, h.recency, h.age)
    np.testing.assert_allclose(scores.clv, month * scores.expected_spend)


def test_discounting_lowers_clv_and_a_longer_horizon_raises_it() -> None:
    h = history()
    year = score(h, MODEL, SPEND, horizon_months=12, monthly_discount=0.0).clv
    discounted = score(h, MODEL, SPEND, horizon_months=12, monthly_discount=0.02).clv
    two_years = score(h, MODEL, SPEND, horizon_months=24, monthly_discount=0.02).clv
    assert np.all(discounted < year) and np.all(two_years > discounted)


def test_scores_are_consistent_per_customer() -> None:
    scores = score(history(), MODEL, SPEND, horizon_months=12, monthly_discount=0.01)
    assert scores.p_alive[0] == 1.0 and scores.churn_bucket[0] == "low"
    np.testing.assert_allclose(scores.churn_risk, 1 - scores.p_alive)
    assert scores.expected_spend[0] == pytest.approx(SPEND.population_mean(0))
    # same history, one fewer spend day: same purchases, different spend
    assert scores.expected_purchases[90][2] == scores.expected_purchases[90][3]
    assert scores.expected_spend[2] != scores.expected_spend[3]
    assert np.all(scores.expected_purchases[30] < scores.expected_purchases[365])


@pytest.mark.parametrize("whole", [True, False])
def test_distinct_points_round_trip(whole: bool) -> None:
    rng = np.random.default_rng(11)
    a = rng.integers(0, 5, 1000).astype(float)
    b = rng.integers(0, 40, 1000).astype(float) + (0.0 if whole else 0.5)
    points = distinct_points(a, b)
    np.testing.assert_array_equal(points.values[points.inverse], np.column_stack([a, b]))
    assert points.counts.sum() == 1000
    assert len(points.values) == len({(i, j) for i, j in zip(a, b, strict=True)})
