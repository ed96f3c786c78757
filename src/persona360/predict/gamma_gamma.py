"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Colombo & Jiang 1999).

A customer's transactions are ``Gamma(p, ν)`` around their own mean, and ``ν`` varies
across customers as ``Gamma(q, gamma)``. From the number ``x`` and the average ``m`` of a
customer's repeat transactions it gives the spend per transaction to expect from them,
shrunk towards the population mean the fewer transactions they have.

Reference: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", *Journal of Marketing Research* 42(4), and Hardie's note
"The Gamma-Gamma Model of Monetary Value" (2013), whose equations are used here.
The model assumes spend is independent of purchase frequency; the report shows the
correlation so that a user can see when that fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from persona360.predict.estimation import (
    Fit,
    FloatArray,
    frequencies,
    maximise,
    weighted_sum,
)

PARAMETERS = ("p", "q", "gamma")


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma parameters (``gamma`` is in the currency of the data)."""

    p: float
    q: float
    gamma: float

    def population_mean(self, fallback: float) -> float:
        """Mean spend per transaction, ``p*gamma/(q-1)``; ``fallback`` when ``q <= 1``.

        With ``q <= 1`` the population mean is infinite (very heavy-tailed spend), so
        customers without repeat spend get ``fallback`` (the observed mean) instead.
        """
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else fallback


def gamma_gamma_log_likelihood(
    log_params: FloatArray, x: FloatArray, m: FloatArray, counts: FloatArray
) -> tuple[float, FloatArray]:
    """Total log-likelihood of ``counts`` customers per (x, m), and its log-space gradient.

    The density of an average ``m`` of ``x`` transactions is
    ``Γ(px+q)/(Γ(px)Γ(q)) · γ^q · m^(px-1) · x^(px) / (γ + m·x)^(px+q)``; the gamma
    functions depend on ``x`` alone and are evaluated once per distinct ``x``.
    """
    p, q, gamma = np.exp(log_params)
    by_x = frequencies(x, counts)
    xs, wx = by_x.values, by_x.weights
    log_gmx = np.log(gamma + m * x)
    weighted_logs = weighted_sum(counts * x, np.log(m) + np.log(x))
    total = counts.sum()
    value = (
        weighted_sum(wx, gammaln(p * xs + q) - gammaln(p * xs))
        + p * weighted_logs
        - weighted_sum(counts, np.log(m))
        - weighted_sum(counts * (p * x + q), log_gmx)
        + total * (q * np.log(gamma) - gammaln(q))
    )
    psi = digamma(p * xs + q)
    gradient = np.array(
        [
            weighted_sum(wx, xs * (psi - digamma(p * xs))) + weighted_logs - weighted_sum(counts * x, log_gmx),
            weighted_sum(wx, psi) - weighted_sum(counts, log_gmx) + total * (np.log(gamma) - digamma(q)),
            total * q / gamma - weighted_sum(counts, (p * x + q) / (gamma + m * x)),
        ]
    )
    return float(value), gradient * np.array([p, q, gamma])


def fit_gamma_gamma(transactions: ArrayLike, average_spend: ArrayLike) -> tuple[GammaGamma, Fit]:
    """Fit the Gamma-Gamma model by maximum likelihood.

    Args:
        transactions: how many transactions each average is over (at least one).
        average_spend: the average spend of those transactions (positive).
    """
    # Averages of money rarely repeat, so grouping equal (x, m) pairs would cost a sort
    # and save little; the x-only terms are grouped inside the likelihood instead.
    x = np.asarray(transactions, dtype=np.float64)
    m = np.asarray(average_spend, dtype=np.float64)
    counts = np.ones_like(x)
    mean = weighted_sum(counts, m) / float(counts.sum())
    # p*gamma/(q-1) is the mean spend: start with q = 2 and gamma at the observed mean.
    fit = maximise(
        lambda log_params: gamma_gamma_log_likelihood(log_params, x, m, counts),
        np.array([1.0, 2.0, mean]),
        PARAMETERS,
        float(counts.sum()),
    )
    return GammaGamma(*(float(v) for v in fit.params)), fit


def conditional_expected_spend(g: GammaGamma, x: FloatArray, m: FloatArray, fallback: float) -> FloatArray:
    """E[spend per transaction | x, m]; the population mean where ``x`` is zero.

    ``(p(γ + x·m)) / (px + q - 1)``: a weighted average of the population mean and the
    customer's own average, the weight on their own growing with ``x``.
    """
    prior = g.population_mean(fallback)
    x = np.asarray(x, dtype=np.float64)
    m = np.nan_to_num(np.asarray(m, dtype=np.float64))
    denominator = g.p * x + g.q - 1.0
    safe = np.where(denominator > 0, denominator, 1.0)
    posterior = g.p * (g.gamma + x * m) / safe
    return np.where((x > 0) & (denominator > 0), posterior, prior)
