"""BG/NBD: the likelihood's gradient, the paper's formulas, recovery of planted parameters (MBG/NBD's too)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

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

PUBLISHED = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)


def numeric_gradient(f, at: np.ndarray, step: float = 1e-6) -> np.ndarray:
    return np.array([(f(at + step * e)[0] - f(at - step * e)[0]) / (2 * step) for e in np.eye(len(at))])


def sample(rng: np.random.Generator, n: int = 50) -> tuple[np.ndarray, ...]:
    T = rng.uniform(1, 60, n)
    x = rng.integers(0, 12, n).astype(float)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, n), 0.0)
    return x, t_x, T, rng.integers(1, 5, n).astype(float)


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (2.0, 90.0, 1.7, 0.4)])
def test_gradient_matches_finite_differences(params: tuple[float, ...]) -> None:
    x, t_x, T, counts = sample(np.random.default_rng(1))
    f = lambda log_params: bgnbd_log_likelihood(log_params, x, t_x, T, counts)  # noqa: E731
    at = np.log(np.array(params))
    np.testing.assert_allclose(f(at)[1], numeric_gradient(f, at), rtol=1e-5, atol=1e-5)


def test_conditional_expectation_is_the_papers_equation_10() -> None:
    m = PUBLISHED
    x, t_x, T, _ = sample(np.random.default_rng(2))
    t = 39.0
    z = t / (m.alpha + T + t)
    bracket = 1 - ((m.alpha + T) / (m.alpha + T + t)) ** (m.r + x) * hyp2f1(m.r + x, m.b + x, m.a + m.b + x - 1, z)
    odds = np.where(x > 0, m.a / (m.b + x - 1) * ((m.alpha + T) / (m.alpha + t_x)) ** (m.r + x), 0)
    paper = (m.a + m.b + x - 1) / (m.a - 1) * bracket / (1 + odds)
    np.testing.assert_allclose(conditional_expected_purchases(m, t, x, t_x, T), paper, rtol=1e-9)


def test_the_papers_worked_example() -> None:
    # FHL (2005) section 5: a customer with x = 2, t_x = 30.43, T = 38.86 weeks is
    # expected to make 1.226 purchases in the next 39 weeks.
    value = conditional_expected_purchases(PUBLISHED, 39.0, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert value[0] == pytest.approx(1.226, abs=0.001)


def test_frequent_buyers_do_not_overflow() -> None:
    x, t_x, T = np.array([400.0, 2000.0]), np.array([700.0, 729.0]), np.array([730.0, 730.0])
    m = BgNbd(r=0.9, alpha=40.0, a=0.5, b=6.0)
    expected = conditional_expected_purchases(m, 365.0, x, t_x, T)
    assert np.all(np.isfinite(expected)) and np.all(expected > 0)
    assert expected[1] > expected[0]


def test_a_concentrated_dropout_gives_numbers_not_nan() -> None:
    # a fit of the demo shop (people who never stop buying): a and b both huge, p = 0.18;
    # SciPy's 2F1 overflowed and every expected purchase and CLV was NaN
    x, t_x, T, _ = sample(np.random.default_rng(4))
    demo = BgNbd(r=2.1955, alpha=98.208, a=36278.2, b=162754.8)
    p = demo.a / (demo.a + demo.b)
    expected = conditional_expected_purchases(demo, 30.0, x, t_x, T)
    point_mass = (1 - ((demo.alpha + T) / (demo.alpha + T + 30.0 * p)) ** (demo.r + x)) / p
    np.testing.assert_allclose(expected, probability_alive(demo, x, t_x, T) * point_mass, rtol=1e-12)
    assert np.all(np.isfinite(expected)) and np.all(expected > 0)
    assert np.all(np.isfinite(expected_purchases(demo, [0.0, 30.0, 365.0])))
    # another demo fit: a at its lower bound, p = 4e-11, so nobody drops out; given alive
    # the purchases are then the NBD's (r + x) t / (alpha + T), with no digits lost to 1 - y
    never = BgNbd(r=9.5507, alpha=387.76, a=6.144e-6, b=143886.7)
    alive = probability_alive(never, x, t_x, T)
    nbd = (never.r + x) * 30.0 / (never.alpha + T)
    np.testing.assert_allclose(conditional_expected_purchases(never, 30.0, x, t_x, T) / alive, nbd, rtol=1e-9)


@pytest.mark.parametrize("scale", [500.0, 2000.0, 5000.0])
def test_the_point_mass_is_the_limit_of_the_exact_form(scale: float) -> None:
    # given alive, the exact form (finite at these sizes) is within ~14 / (a + b) of the
    # point mass, so switching to it at POINT_MASS moves no figure by more than ~0.2%
    x, t_x, T, _ = sample(np.random.default_rng(5))
    m = BgNbd(0.9, 40.0, 0.2 * scale, 0.8 * scale)
    exact = conditional_expected_purchases(m, 90.0, x, t_x, T) / probability_alive(m, x, t_x, T)
    point_mass = (1 - ((m.alpha + T) / (m.alpha + T + 90.0 * 0.2)) ** (m.r + x)) / 0.2
    np.testing.assert_allclose(exact, point_mass, rtol=20.0 / scale)
    assert not np.allclose(exact, point_mass, rtol=1e-12, atol=0)  # the exact form, not the fallback


def test_one_time_buyers_are_alive_and_probabilities_are_bounded() -> None:
    x, t_x, T, _ = sample(np.random.default_rng(3))
    alive = probability_alive(PUBLISHED, x, t_x, T)
    assert np.all(alive[x == 0] == 1.0)
    assert np.all((alive > 0) & (alive <= 1))
    soon = probability_purchase(PUBLISHED, 4.0, x, t_x, T)
    later = probability_purchase(PUBLISHED, 40.0, x, t_x, T)
    assert np.all((soon > 0) & (soon < later) & (later <= alive))


def test_unconditional_expectation_starts_at_zero_and_grows() -> None:
    values = expected_purchases(PUBLISHED, [0.0, 10.0, 39.0, 78.0])
    assert values[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(values) > 0)
    # the population's mean purchase rate at the start is r / alpha per week
    assert expected_purchases(PUBLISHED, [1e-6])[0] / 1e-6 == pytest.approx(0.243 / 4.414, rel=1e-3)


@pytest.mark.parametrize(
    ("truth", "low", "high", "whole_days"),
    [
        (BgNbd(r=0.25, alpha=4.0, a=0.8, b=2.5), 27.0, 39.0, False),  # CDNOW-like, weeks
        (BgNbd(r=0.6, alpha=70.0, a=0.7, b=3.5), 0.0, 730.0, True),  # a shop, in days
        (MbgNbd(r=0.5, alpha=6.0, a=0.9, b=1.6), 27.0, 39.0, False),  # MBG/NBD's CDNOW fit
        (MbgNbd(r=0.6, alpha=70.0, a=0.7, b=3.5), 0.0, 730.0, True),
    ],
)
def test_planted_parameters_are_recovered(truth: BgNbd, low: float, high: float, whole_days: bool) -> None:
    rng = np.random.default_rng(20260)
    T = rng.uniform(low, high, 40_000)
    if whole_days:
        T = np.floor(T)
    x, t_x = simulate_bgnbd(truth, T, rng, whole_days=whole_days)
    fitted, fit = fit_purchase_model(type(truth), x, t_x, T)
    assert type(fitted) is type(truth)
    found = np.array([fitted.r, fitted.alpha, fitted.a, fitted.b])
    true = np.array([truth.r, truth.alpha, truth.a, truth.b])
    assert np.all(np.abs(found - true) < 4 * fit.standard_errors), (found, fit.standard_errors)
    assert np.all(fit.standard_errors < 0.25 * true)
