"""Scoring: churn buckets, CLV arithmetic, grouping of distinct points."""

from __future__ import annotations

import numpy as np
import pytest

from persona360.predict.bgnbd import BgNbd, conditional_expected_purchases
from persona360.predict.estimation import distinct_points
from persona360.predict.gamma_gamma import GammaGamma
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
    ("risk", "bucket"),
    [(0.0, "low"), (0.2999, "low"), (0.3, "medium"), (0.6999, "medium"), (0.7, "high"), (1.0, "high")],
)
def test_churn_buckets_at_the_cut_offs(risk: float, bucket: str) -> None:
    assert churn_buckets(np.array([risk]))[0] == bucket


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
