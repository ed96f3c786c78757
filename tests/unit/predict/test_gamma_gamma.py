"""Gamma-Gamma: the likelihood's gradient, shrinkage, recovery of planted parameters."""

from __future__ import annotations

import numpy as np
import pytest

from persona360.predict.gamma_gamma import (
    GammaGamma,
    conditional_expected_spend,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from persona360.predict.simulation import simulate_spend


def test_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(1, 9, 60).astype(float)
    m = rng.gamma(3, 12, 60)
    counts = rng.integers(1, 4, 60).astype(float)
    f = lambda log_params: gamma_gamma_log_likelihood(log_params, x, m, counts)  # noqa: E731
    at = np.log(np.array([6.25, 3.74, 15.44]))
    step = 1e-6
    numeric = [(f(at + step * e)[0] - f(at - step * e)[0]) / (2 * step) for e in np.eye(3)]
    np.testing.assert_allclose(f(at)[1], numeric, rtol=1e-5)


def test_expected_spend_shrinks_towards_the_population_mean() -> None:
    g = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    prior = g.population_mean(0.0)
    assert prior == pytest.approx(6.25 * 15.44 / 2.74)
    spend = conditional_expected_spend(g, np.array([0.0, 1.0, 50.0]), np.array([np.nan, 100.0, 100.0]), 0.0)
    assert spend[0] == pytest.approx(prior)
    assert prior < spend[1] < spend[2] < 100.0
    weight = 6.25 / (6.25 + 2.74)  # px / (px + q - 1) at x = 1
    assert spend[1] == pytest.approx(weight * 100 + (1 - weight) * prior)


def test_heavy_tailed_spend_uses_the_observed_mean_as_prior() -> None:
    g = GammaGamma(p=2.0, q=0.8, gamma=10.0)
    spend = conditional_expected_spend(g, np.array([0.0]), np.array([np.nan]), 42.0)
    assert spend[0] == 42.0


def test_planted_parameters_are_recovered() -> None:
    rng = np.random.default_rng(7)
    truth = GammaGamma(p=6.0, q=4.0, gamma=15.0)
    x = rng.integers(1, 8, 20_000).astype(float)
    m = simulate_spend(truth, x, rng)
    fitted, fit = fit_gamma_gamma(x, m)
    found = np.array([fitted.p, fitted.q, fitted.gamma])
    true = np.array([truth.p, truth.q, truth.gamma])
    assert np.all(np.abs(found - true) < 4 * fit.standard_errors), (found, fit.standard_errors)
