"""The models reproduce the published CDNOW results.

Published figures (Fader, Hardie & Lee 2005, "Counting your customers the easy way",
and "RFM and CLV: using iso-value curves"; Hardie's note on the Gamma-Gamma model):
BG/NBD r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (weeks), log-likelihood −9582.4;
MBG/NBD has no published CDNOW fit, so it is checked against ``lifetimes``' ModifiedBetaGeoFitter;
Gamma-Gamma p = 6.25, q = 3.74, gamma = 15.44; the week-78 cumulative forecast is 4%
below the actual; predicted and actual holdout purchases correlate at 0.626.

Why the holdout figures need purchase *days*: the sample has 223 records on the same
day as another of the same customer. The published x counts those days once (2,457
calibration repeat purchases; 2,603 records). Counted the same way the holdout has
1,882 purchases (1,959 records) and the published −4% and 0.626 are reproduced;
counting records instead gives −8.8% and 0.607 (asserted below, so the reason stays
documented). The workspace counts purchase days for the same reason.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pytest

from persona360.predict.bgnbd import (
    conditional_expected_purchases,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
    probability_purchase,
)
from persona360.predict.diagnostics import compare_holdout
from persona360.predict.gamma_gamma import fit_gamma_gamma
from persona360.predict.mbgnbd import fit_mbgnbd
from persona360.predict.purchases import read_history
from persona360.store.database import Database
from persona360.store.money import Money

START = np.datetime64("1997-01-01")
CALIBRATION_END = 272  # 1997-09-30, day 272 after 1997-01-01: T = 38.86 weeks at most
LAST_DAY = 545  # 1998-06-30, the end of week 78


def within(value: float, published: float, tolerance: float) -> bool:
    return abs(value - published) <= tolerance * abs(published)


def test_bgnbd_parameters_match_the_paper(cdnow_summary: np.ndarray) -> None:
    s = cdnow_summary
    model, fit = fit_bgnbd(s["x"], s["t_x"], s["T"])
    for found, published in zip((model.r, model.alpha, model.a, model.b), (0.243, 4.414, 0.793, 2.426), strict=True):
        assert within(found, published, 0.01), (found, published)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_mbgnbd_matches_lifetimes(cdnow_summary: np.ndarray) -> None:
    s = cdnow_summary
    with warnings.catch_warnings():
        # lifetimes is unmaintained and warns under pandas 3; that is not our concern here
        warnings.simplefilter("ignore")
        import pandas as pd
        from lifetimes import ModifiedBetaGeoFitter

        x, t_x, T = pd.Series(s["x"]), pd.Series(s["t_x"]), pd.Series(s["T"])
        theirs = ModifiedBetaGeoFitter().fit(x, t_x, T)
        their_alive = theirs.conditional_probability_alive(x, t_x, T)
        their_expected = theirs.conditional_expected_number_of_purchases_up_to_time(39.0, x, t_x, T)
        their_new = theirs.expected_number_of_purchases_up_to_time(np.array([1.0, 39.0, 78.0]))
    model, fit = fit_mbgnbd(s["x"], s["t_x"], s["T"])
    found = np.array([model.r, model.alpha, model.a, model.b])
    np.testing.assert_allclose(found, theirs.params_[["r", "alpha", "a", "b"]].to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(fit.standard_errors, theirs.standard_errors_[["r", "alpha", "a", "b"]], rtol=1e-3)
    np.testing.assert_allclose(probability_alive(model, s["x"], s["t_x"], s["T"]), their_alive, rtol=1e-5)
    ours = conditional_expected_purchases(model, 39.0, s["x"], s["t_x"], s["T"])
    np.testing.assert_allclose(ours, their_expected, rtol=1e-5)
    np.testing.assert_allclose(expected_purchases(model, [1.0, 39.0, 78.0]), their_new, rtol=1e-5)
    # as good a fit as BG/NBD's (-9582.4), and one-time buyers are no longer all alive
    assert fit.log_likelihood == pytest.approx(-9582.13, abs=0.01)
    once = s["x"] == 0
    alive = probability_alive(model, s["x"], s["t_x"], s["T"])[once]
    assert alive.max() < 1 and alive.min() < 0.6
    assert np.all(probability_purchase(model, 39.0, s["x"], s["t_x"], s["T"])[once] < alive)


def test_gamma_gamma_parameters_match_the_paper(cdnow_summary: np.ndarray) -> None:
    repeat = cdnow_summary[cdnow_summary["x"] > 0]
    assert len(repeat) == 946
    model, _ = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    for found, published in zip((model.p, model.q, model.gamma), (6.25, 3.74, 15.44), strict=True):
        assert within(found, published, 0.02), (found, published)


def purchase_days(orders: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer, day since 1997-01-01, dollars) per record."""
    days = (
        np.array(
            [np.datetime64(f"{int(d) // 10000}-{int(d) // 100 % 100:02d}-{int(d) % 100:02d}") for d in orders[:, 2]]
        )
        - START
    ).astype(int)
    return orders[:, 1].astype(int), days, orders[:, 4]


def holdout_data(orders: np.ndarray, distinct_days: bool) -> dict[str, np.ndarray]:
    customer, day, _ = purchase_days(orders)
    pairs = np.unique(np.column_stack([customer, day]), axis=0) if distinct_days else np.column_stack([customer, day])
    ids = np.unique(customer)
    index = np.searchsorted(ids, pairs[:, 0])
    birth = np.full(len(ids), 10**6)
    np.minimum.at(birth, index, pairs[:, 1])
    calibration = pairs[:, 1] <= CALIBRATION_END
    x = np.bincount(index[calibration], minlength=len(ids)) - 1.0
    last = np.zeros(len(ids), dtype=int)
    np.maximum.at(last, index[calibration], pairs[calibration, 1])
    holdout = np.bincount(index[~calibration], minlength=len(ids)).astype(float)
    return {"x": x, "t_x": (last - birth) / 7, "T": (CALIBRATION_END - birth) / 7, "birth": birth, "holdout": holdout}


def test_purchase_days_reproduce_the_published_summary(cdnow_orders: np.ndarray, cdnow_summary: np.ndarray) -> None:
    data = holdout_data(cdnow_orders, distinct_days=True)
    np.testing.assert_array_equal(data["x"], cdnow_summary["x"])
    np.testing.assert_allclose(data["t_x"], cdnow_summary["t_x"], atol=0.005)
    np.testing.assert_allclose(data["T"], cdnow_summary["T"], atol=0.005)
    assert (data["x"].sum(), data["holdout"].sum()) == (2457, 1882)


@pytest.mark.parametrize(
    ("distinct_days", "error_percent", "correlation"),
    [(True, -4.0, 0.626), (False, -8.8, 0.607)],
    ids=["purchase-days-as-published", "records-not-as-published"],
)
def test_holdout_forecast_matches_the_paper(
    cdnow_orders: np.ndarray,
    cdnow_summary: np.ndarray,
    distinct_days: bool,
    error_percent: float,
    correlation: float,
) -> None:
    s = cdnow_summary
    model, _ = fit_bgnbd(s["x"], s["t_x"], s["T"])
    data = holdout_data(cdnow_orders, distinct_days)
    # cumulative repeat purchases by the end of week 78, each customer from their birth
    forecast = expected_purchases(model, (LAST_DAY - data["birth"]) / 7).sum()
    actual = data["x"].sum() + data["holdout"].sum()
    assert 100 * (forecast - actual) / actual == pytest.approx(error_percent, abs=1.0)
    predicted = conditional_expected_purchases(model, 39.0, s["x"], s["t_x"], s["T"])
    comparison = compare_holdout(predicted, data["holdout"], s["x"])
    assert comparison["correlation"] == pytest.approx(correlation, abs=0.01)
    assert [row["frequency"] for row in comparison["by_frequency"]] == [*"0123456", "7+"]


def test_the_workspace_sql_reproduces_cdnow_in_days(cdnow_orders: np.ndarray) -> None:
    """The orders, through the same SQL as a shop's, give the published models (alpha in days)."""
    customer, day, dollars = purchase_days(cdnow_orders)
    db = Database(":memory:")
    stamps = (START + day.astype("timedelta64[D]")).astype("datetime64[us]")
    with db.transaction() as tx:
        ids = np.unique(customer)
        tx.register("ids", pa.table({"id": ids}))
        tx.execute(
            "INSERT INTO identifiers SELECT id, 'user_id', id::VARCHAR, id, TIMESTAMPTZ '1997-01-01', 1 FROM ids"
        )
        tx.register(
            "o",
            pa.table(
                {
                    "n": np.arange(len(customer)),
                    "c": customer,
                    "r": dollars,
                    "ts": pa.array(stamps, pa.timestamp("us", tz="UTC")),
                }
            ),
        )
        tx.execute("INSERT INTO orders SELECT n::VARCHAR, c, 1, n, r, 'USD', ts + INTERVAL 12 HOUR FROM o")
    history = read_history(db, datetime(1998, 6, 30, 23, 59, tzinfo=UTC), Money("USD"), date(1997, 9, 30))
    assert len(history) == 2357 and history.holdout_purchases.sum() == 1882
    model, _ = fit_bgnbd(history.frequency, history.recency, history.age)
    found = (model.r, model.alpha / 7, model.a, model.b)
    for value, published in zip(found, (0.243, 4.414, 0.793, 2.426), strict=True):
        assert within(value, published, 0.01), (value, published)
    spenders = history.select(history.spend_days > 0)
    spend, _ = fit_gamma_gamma(spenders.spend_days, spenders.average_spend)
    for value, published in zip((spend.p, spend.q, spend.gamma), (6.25, 3.74, 15.44), strict=True):
        assert within(value, published, 0.02), (value, published)
    predicted = conditional_expected_purchases(model, 273.0, history.frequency, history.recency, history.age)
    correlation = compare_holdout(predicted, history.holdout_purchases, history.frequency)
    assert correlation["correlation"] == pytest.approx(0.626, abs=0.01)
    db.close()
