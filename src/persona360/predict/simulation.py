"""Customers drawn from the models themselves, for tests with planted truth and benchmarks.

Drawing is exact and vectorised: a customer who never drops out would make
``N ~ Poisson(λT)`` repeat purchases; they drop out after repeat purchase ``K ~ Geometric(p)``
(``K - 1`` in MBG/NBD, where the first purchase is a dropout chance too, so ``K - 1``
may be zero); so ``x = min(N, K - shift)``, and given ``N`` events in ``(0, T]`` the ``x``-th of them falls at
``T`` times a ``Beta(x, N - x + 1)`` draw (an order statistic of uniforms).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from persona360.predict.bgnbd import BgNbd
from persona360.predict.estimation import FloatArray
from persona360.predict.gamma_gamma import GammaGamma


def simulate_bgnbd(
    model: BgNbd, ages: ArrayLike, rng: np.random.Generator, *, whole_days: bool = False
) -> tuple[FloatArray, FloatArray]:
    """Frequency and recency of customers of the given ages (``T``), from ``model``.

    Args:
        model: the true parameters (a :class:`BgNbd` or an ``MbgNbd``).
        ages: each customer's ``T``.
        rng: a seeded generator (``np.random.default_rng(seed)``).
        whole_days: floor recency to whole days, as purchase days in a workspace are.

    Returns:
        ``(frequency, recency)``.
    """
    T = np.asarray(ages, dtype=np.float64)
    rate = rng.gamma(model.r, 1.0 / model.alpha, size=T.shape)
    dropout = rng.beta(model.a, model.b, size=T.shape)
    events = rng.poisson(rate * T)
    last = rng.geometric(dropout) - model.shift
    x = np.minimum(events, last)
    share = rng.beta(np.maximum(x, 1), np.maximum(events - x + 1, 1))
    recency = np.where(x > 0, T * share, 0.0)
    if whole_days:
        recency = np.floor(recency)
    return x.astype(np.float64), recency


def simulate_spend(model: GammaGamma, transactions: ArrayLike, rng: np.random.Generator) -> FloatArray:
    """Average spend of ``transactions`` purchases per customer (at least one each).

    Each customer's scale ``ν ~ Gamma(q, gamma)``; a purchase is ``Gamma(p, ν)``, so
    the mean of ``x`` purchases is ``Gamma(p·x, x·ν)``.
    """
    x = np.asarray(transactions, dtype=np.float64)
    scale = rng.gamma(model.q, 1.0 / model.gamma, size=x.shape)
    return rng.gamma(model.p * x, 1.0 / (x * scale))
