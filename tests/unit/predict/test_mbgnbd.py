"""MBG/NBD: the likelihood's gradient, the published formulas, one-time buyers (planted parameters: test_bgnbd.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaln, gammaln, hyp2f1
from tests.unit.predict.test_bgnbd import numeric_gradient, sample

from persona360.predict.bgnbd import (
    BgNbd,
    bgnbd_log_likelihood,
    conditional_expected_purchases,
    expected_purchases,
    fit_purchase_model,
    probability_alive,
    probability_purchase,
)
from persona360.predict.mbgnbd import MbgNbd
from persona360.predict.simulation import simulate_bgnbd

# lifetimes' ModifiedBetaGeoFitter on the CDNOW summary (weeks); see test_cdnow.py
CDNOW = MbgNbd(r=0.5248, alpha=6.183, a=0.8914, b=1.614)


@pytest.mark.parametrize("params", [(0.5248, 6.183, 0.8914, 1.614), (2.0, 90.0, 1.7, 0.4)])
def test_gradient_matches_finite_differences(params: tuple[float, ...]) -> None:
    x, t_x, T, counts = sample(np.random.default_rng(1))
    f = lambda log_params: bgnbd_log_likelihood(log_params, x, t_x, T, counts, shift=1)  # noqa: E731
    at = np.log(np.array(params))
    np.testing.assert_allclose(f(at)[1], numeric_gradient(f, at), rtol=1e-5, atol=1e-5)


def test_log_likelihood_is_the_published_one() -> None:
    # Batislam et al. (2007): B(a, b+x+1)/B(a, b) Γ(r+x) alpha^r / (Γ(r) (alpha+T)^(r+x))
    # × [1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)], for x = 0 too
    m = CDNOW
    x, t_x, T, counts = sample(np.random.default_rng(6))
    each = (
        betaln(m.a, m.b + x + 1)
        - betaln(m.a, m.b)
        + gammaln(m.r + x)
        - gammaln(m.r)
        + m.r * np.log(m.alpha)
        - (m.r + x) * np.log(m.alpha + T)
        + np.log1p(m.a / (m.b + x) * ((m.alpha + T) / (m.alpha + t_x)) ** (m.r + x))
    )
    value, _ = bgnbd_log_likelihood(np.log([m.r, m.alpha, m.a, m.b]), x, t_x, T, counts, shift=1)
    assert value == pytest.approx(float(np.sum(counts * each)), rel=1e-12)


def test_probability_alive_and_expectations_are_the_published_ones() -> None:
    m = CDNOW
    x, t_x, T, _ = sample(np.random.default_rng(2))
    alive = 1 / (1 + m.a / (m.b + x) * ((m.alpha + T) / (m.alpha + t_x)) ** (m.r + x))
    np.testing.assert_allclose(probability_alive(m, x, t_x, T), alive, rtol=1e-12)
    # the conditional expectation as corrected by Wagner & Hoppe (2008)
    t = 39.0
    z = t / (m.alpha + T + t)
    tail = ((m.alpha + T) / (m.alpha + T + t)) ** (m.r + x) * hyp2f1(m.r + x, m.b + x + 1, m.a + m.b + x, z)
    conditional = (m.a + m.b + x) / (m.a - 1) * (1 - tail) * alive
    np.testing.assert_allclose(conditional_expected_purchases(m, t, x, t_x, T), conditional, rtol=1e-9)
    times = np.array([1.0, 10.0, 39.0, 78.0])
    new = (
        m.b
        / (m.a - 1)
        * (1 - (m.alpha / (m.alpha + times)) ** m.r * hyp2f1(m.r, m.b + 1, m.a + m.b, times / (m.alpha + times)))
    )
    np.testing.assert_allclose(expected_purchases(m, times), new, rtol=1e-9)


def test_a_one_time_buyer_fades_with_time_since_the_purchase() -> None:
    T = np.array([1.0, 10.0, 50.0, 200.0])
    once = np.zeros_like(T)
    alive = probability_alive(CDNOW, once, once, T)
    assert np.all(alive < 1) and np.all(np.diff(alive) < 0)
    # BG/NBD, the same parameters: always alive, the defect MBG/NBD fixes
    bg = BgNbd(CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b)
    assert np.all(probability_alive(bg, once, once, T) == 1.0)
    soon = probability_purchase(CDNOW, 4.0, once, once, T)
    assert np.all((soon > 0) & (soon < alive)) and np.all(np.diff(soon) < 0)


def test_a_concentrated_dropout_gives_numbers_not_nan() -> None:
    # the demo shop's kind of fit: a and b huge, where SciPy's 2F1 overflows
    x, t_x, T, _ = sample(np.random.default_rng(4))
    demo = MbgNbd(r=2.1955, alpha=98.208, a=36278.2, b=162754.8)
    expected = conditional_expected_purchases(demo, 30.0, x, t_x, T)
    assert np.all(np.isfinite(expected)) and np.all(expected > 0)
    assert np.all(np.isfinite(expected_purchases(demo, [0.0, 30.0, 365.0])))


def test_simulated_first_purchase_dropouts_never_buy_again() -> None:
    # p = 1: everyone drops out at the first purchase in MBG/NBD, at the first repeat in BG/NBD
    rng = np.random.default_rng(3)
    T = np.full(2_000, 100.0)
    x, t_x = simulate_bgnbd(MbgNbd(r=2.0, alpha=10.0, a=1e6, b=1e-6), T, rng)
    assert np.all(x == 0) and np.all(t_x == 0)
    x, _ = simulate_bgnbd(BgNbd(r=2.0, alpha=10.0, a=1e6, b=1e-6), T, rng)
    assert x.max() == 1 and (x == 1).mean() > 0.9


def test_a_shop_whose_returning_customers_came_back_once_fits() -> None:
    # the scheduled-run test's orders: the fit heads for alpha's bound (a constant
    # purchase rate) and L-BFGS-B's line search gave up there ("did not converge")
    x = np.array([0.0] * 27 + [1.0] * 53)
    t_x = np.array([0.0] * 27 + [30.0] * 12 + [50.0] + [70.0] * 40)
    T = np.array([60.0] * 40 + [90.0] * 40)
    fitted, fit = fit_purchase_model(MbgNbd, x, t_x, T)
    # nobody drops out (a tiny) and everyone buys at one rate: repeat purchases per day observed
    assert "alpha" in fit.at_bound and fitted.a / (fitted.a + fitted.b) < 1e-6
    assert fitted.r / fitted.alpha == pytest.approx(x.sum() / T.sum(), rel=1e-3)
