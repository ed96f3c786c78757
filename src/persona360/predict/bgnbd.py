"""The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

While alive, a customer buys as a Poisson process with rate ``λ ~ Gamma(r, alpha)``;
after each repeat purchase they drop out with probability ``p ~ Beta(a, b)``. From a
customer's frequency ``x`` (repeat purchases), recency ``t_x`` (time of the last
purchase since the first) and age ``T`` (time since the first purchase), the model
gives the probability they are still alive and how many purchases to expect.

The functions here serve both this model and its modification, MBG/NBD
(:mod:`persona360.predict.mbgnbd`), where the first purchase is a dropout chance too.
The two differ only in how many of those chances a customer alive at ``T`` has
survived, ``x`` or ``x + 1``, which each model class states as :attr:`BgNbd.shift`.

Equation numbers refer to Fader, Hardie & Lee (2005), "Counting Your Customers the
Easy Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2).
The time unit is whatever ``t_x`` and ``T`` are in (whole days in a workspace).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, expit, gammaln, hyp2f1

from persona360.predict.estimation import (
    Fit,
    FloatArray,
    Frequencies,
    distinct_points,
    frequencies,
    maximise,
    weighted_sum,
)

PARAMETERS = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters (``alpha`` is in the time unit of the data)."""

    r: float
    alpha: float
    a: float
    b: float

    # Dropout chances survived by a customer alive after x repeat purchases, minus x:
    # none at the first purchase here, one in MBG/NBD.
    shift: ClassVar[int] = 0
    # the name of the model in options, reports and model versions
    name: ClassVar[str] = "bgnbd"


Model = TypeVar("Model", bound=BgNbd)


def bgnbd_log_likelihood(
    log_params: FloatArray,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    counts: FloatArray,
    by_x: Frequencies | None = None,
    *,
    shift: int = 0,
) -> tuple[float, FloatArray]:
    """Total log-likelihood (eq. 6) of ``counts`` customers per (x, t_x, T), and its gradient.

    The gradient is with respect to the log-parameters (log r, log alpha, log a, log b).
    The dropout term is ``log(1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))**(r+x))``, a
    softplus whose derivative is a logistic function, which keeps it finite for
    customers with many purchases. ``by_x`` (from :func:`frequencies`) can be passed
    to save regrouping on every call. ``shift`` is the model's :attr:`BgNbd.shift`:
    with 1 it is the MBG/NBD likelihood (Batislam et al. 2007), ``b + x``
    taking the place of ``b + x - 1`` and the dropout term holding for ``x = 0`` too.
    """
    r, alpha, a, b = np.exp(log_params)
    by_x = by_x or frequencies(x, counts)
    xs, wx = by_x.values, by_x.weights
    bs = b + shift  # b of the Beta terms: b + x + shift
    can_drop = x + shift > 0
    log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
    b_x1 = np.where(xs + shift > 0, bs + xs - 1.0, 1.0)[by_x.index]
    dropout = np.log(a) - np.log(b_x1) + (r + x) * (log_at - log_atx)
    share = np.where(can_drop, expit(dropout), 0.0)
    total = counts.sum()
    value = (
        weighted_sum(wx, gammaln(r + xs) + gammaln(bs + xs) - gammaln(a + bs + xs))
        - weighted_sum(counts, (r + x) * log_at)
        + weighted_sum(counts, np.where(can_drop, np.logaddexp(0.0, dropout), 0.0))
        + total * (r * np.log(alpha) - gammaln(r) - gammaln(b) + gammaln(a + b))
    )
    psi_abx = weighted_sum(wx, digamma(a + bs + xs))
    gradient = np.array(
        [
            weighted_sum(wx, digamma(r + xs))
            + weighted_sum(counts, share * (log_at - log_atx) - log_at)
            + total * (np.log(alpha) - digamma(r)),
            weighted_sum(counts, (r + x) * ((share - 1.0) / (alpha + T) - share / (alpha + t_x))) + total * r / alpha,
            -psi_abx + weighted_sum(counts, share) / a + total * digamma(a + b),
            weighted_sum(wx, digamma(bs + xs))
            - weighted_sum(counts, share / b_x1)
            - psi_abx
            + total * (digamma(a + b) - digamma(b)),
        ]
    )
    return float(value), gradient * np.array([r, alpha, a, b])


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> tuple[BgNbd, Fit]:
    """Fit the BG/NBD model by maximum likelihood.

    Args:
        frequency: repeat purchases per customer (purchases after the first).
        recency: time from the first purchase to the last one.
        age: time from the first purchase to the end of observation (``T``).

    Returns:
        The parameters and the fit (standard errors, log-likelihood).
    """
    return fit_purchase_model(BgNbd, frequency, recency, age)


def fit_purchase_model(
    kind: type[Model], frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> tuple[Model, Fit]:
    """:func:`fit_bgnbd` of the model class ``kind`` (:class:`BgNbd` or ``MbgNbd``)."""
    points = distinct_points(frequency, recency, age)
    x, t_x, T = points.values.T
    counts = points.counts
    # r/alpha is the mean purchase rate, so start alpha where that matches the data.
    rate = max(weighted_sum(counts, x), 1.0) / max(weighted_sum(counts, T), 1.0)
    start = np.array([1.0, 1.0 / rate, 1.0, 1.0])
    by_x = frequencies(x, counts)
    fit = maximise(
        lambda log_params: bgnbd_log_likelihood(log_params, x, t_x, T, counts, by_x, shift=kind.shift),
        start,
        PARAMETERS,
        float(counts.sum()),
    )
    return kind(*(float(v) for v in fit.params)), fit


def probability_alive(m: BgNbd, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """P(alive at T | x, t_x, T) (eq. 13).

    In BG/NBD one for customers with no repeat purchase, who have had no chance to drop
    out; in MBG/NBD (Batislam et al. 2007, appendix A) theirs falls as ``T`` grows.
    """
    b_x1 = np.maximum(m.b + m.shift + x - 1.0, 1e-300)
    dropout = np.log(m.a) - np.log(b_x1) + (m.r + x) * np.log((m.alpha + T) / (m.alpha + t_x))
    return np.where(x + m.shift > 0, expit(-dropout), 1.0)


def probability_quiet(m: BgNbd, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """P(no purchase from ``t_x`` to ``T`` | alive throughout): how usual the customer's silence is.

    Given alive, purchases are Poisson with the rate's posterior ``Gamma(r+x, alpha+t_x)``
    at the last purchase, so the chance of no purchase in the ``T - t_x`` since is
    ``((alpha+t_x)/(alpha+T))**(r+x)``. It is the part of P(alive) that comes from the
    customer's own rhythm (P(alive) adds the dropout chance the fit puts on every
    purchase), the same in both models.
    """
    return np.asarray(np.exp(-(m.r + x) * np.log1p((T - t_x) / (m.alpha + t_x))), dtype=np.float64)


def conditional_expected_purchases(m: BgNbd, t: float, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """E[Y(t) | x, t_x, T]: purchases expected in the next ``t`` (eq. 10)."""
    return np.asarray(probability_alive(m, x, t_x, T) * _expected_if_alive(m, t, x, T), dtype=np.float64)


def expected_purchases(m: BgNbd, t: ArrayLike) -> FloatArray:
    """E[X(t)]: repeat purchases expected within ``t`` of a new customer's first (eq. 9).

    That is P(alive right after the first purchase) times :func:`_expected_if_alive`
    at ``x = T = 0``: one in BG/NBD, ``b / (a + b)`` in MBG/NBD.
    """
    t = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(t)
    return np.asarray(probability_alive(m, zero, zero, zero) * _expected_if_alive(m, t, zero, zero), dtype=np.float64)


def _expected_if_alive(m: BgNbd, t: ArrayLike, x: FloatArray, T: FloatArray) -> FloatArray:
    """Purchases in the next ``t`` of a customer alive at ``T`` after ``x`` repeats.

    Eq. 10 without P(alive) (eq. 9 is its ``x = T = 0``), written with Euler's
    transformation, ``(1-z)**(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)**(a-1)
    2F1(a+b-1-r, a-1; a+b+x-1; z)``, whose parameters do not grow with ``x``: the paper's
    form overflows for frequent buyers. For a large ``a + b`` SciPy's 2F1 overflows
    anyway (a fit of the demo shop put a and b at 3.6e4 and 1.6e5, and every expected
    purchase and CLV was NaN), and there the Beta of the dropout probability ``p`` is a
    point mass: for a purchase rate ``lam`` each purchase is the last with chance ``p``,
    so ``E = (1 - E[(1-p)**N]) / p = (1 - exp(-lam t p)) / p`` with ``N ~ Poisson(lam t)``,
    and over ``lam ~ Gamma(r+x, alpha+T)`` that is ``(1 - ((alpha+T)/(alpha+T+p t))**(r+x)) / p``.
    The two differ by about ``14 / (a + b)`` relatively (0.2% at 5,000: tests), so the
    point mass is used from :data:`POINT_MASS` on, and wherever 2F1 gives no finite number
    (from a few thousand, for some customers).

    In MBG/NBD a customer alive at ``T`` has survived one more dropout chance, so ``p``'s
    posterior is BG/NBD's with ``b + 1`` for ``b`` (as in Wagner & Hoppe's 2008 erratum), and
    after ``T`` both drop out only right after a purchase: the same formula with ``b + 1``.
    """
    t = np.asarray(t, dtype=np.float64)
    b = m.b + m.shift
    p = m.a / (m.a + b)
    # 1 - ((alpha+T)/(alpha+T+p t))**(r+x), exact also when p is tiny (a fit at a's lower bound)
    point_mass = -np.expm1(-(m.r + x) * np.log1p(p * t / (m.alpha + T))) / p
    if m.a + b >= POINT_MASS:
        return np.asarray(point_mass, dtype=np.float64)
    a = _away_from_one(m.a)
    z = t / (m.alpha + T + t)
    with np.errstate(invalid="ignore", over="ignore"):
        core = (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - m.r, a - 1.0, a + b + x - 1.0, z)
        exact = (a + b + x - 1.0) / (a - 1.0) * (1.0 - core)
    return np.asarray(np.where(np.isfinite(exact), exact, point_mass), dtype=np.float64)


def probability_purchase(m: BgNbd, t: float, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """P(at least one purchase in the next ``t`` | x, t_x, T).

    A customer alive at ``T`` can only drop out right after a purchase (in both models), so "no purchase
    in (T, T+t]" is "dead already, or alive and no Poisson event", and given alive the
    rate is ``Gamma(r+x, alpha+T)``.
    """
    silent = ((m.alpha + T) / (m.alpha + T + t)) ** (m.r + x)
    return np.asarray(probability_alive(m, x, t_x, T) * (1.0 - silent), dtype=np.float64)


# a + b from which the dropout probability's Beta counts as a point mass (_expected_if_alive).
POINT_MASS = 1e4


def _away_from_one(a: float) -> float:
    # Eqs. 9 and 10 divide by (a - 1); at a == 1 exactly they are a 0/0 limit, which a
    # nudge far below the fit's precision evaluates without a special formula.
    return a if abs(a - 1.0) > 1e-9 else 1.0 + 1e-9
