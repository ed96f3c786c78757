"""Maximum likelihood on distinct data points, shared by the BG/NBD and Gamma-Gamma models.

Why our own and not pymc-marketing or ``lifetimes``: pymc-marketing needs Python 3.12
or later (we support 3.11) and brings PyMC and PyTensor; ``lifetimes`` is unmaintained
and evaluates its likelihood through ``autograd`` on every customer. Both models have
short closed-form log-likelihoods, so we write each once in vectorised NumPy/SciPy with
its analytic gradient and hand them to L-BFGS-B.

Two choices make fitting fast and stable:

- **Distinct points with counts.** In whole days, a million customers share a few
  hundred thousand (frequency, recency, T) combinations at most; the likelihood is a
  weighted sum over those, so it is evaluated once per combination.
- **Log-parameters.** Every parameter is positive; optimising ``log θ`` removes the
  bounds at zero and evens out the scales (``alpha`` in days is hundreds, ``r`` is
  below one). Standard errors come from the inverse Hessian of the log-likelihood in
  log-space (by central differences of the analytic gradient) and the delta method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from persona360.predict.guardrails import ModelFitError

FloatArray = NDArray[np.float64]
# (log-parameters) -> (total log-likelihood, its gradient with respect to log-parameters)
LogLikelihood = Callable[[FloatArray], tuple[float, FloatArray]]

# exp(±12) spans 6e-6 .. 1.6e5 in natural units: wide enough for days or weeks, narrow
# enough that a model which wants an infinite parameter (nobody ever drops out) stops at
# a finite value instead of overflowing.
LOG_BOUND = 12.0
# L-BFGS-B's iteration cap: a fit that needs more is reported as not converged.
MAX_ITERATIONS = 2000
# A fit stopped where no parameter can move the total log-likelihood by this much is at
# its optimum, whatever L-BFGS-B's message (_stalled_at_optimum).
FLAT_TOTAL = 0.1


@dataclass(frozen=True)
class Fit:
    """A maximum-likelihood fit.

    Attributes:
        params: the estimates in natural units, in the model's parameter order.
        standard_errors: their standard errors (NaN when the Hessian is not invertible).
        log_likelihood: the maximised total log-likelihood.
        iterations: L-BFGS-B iterations used.
        at_bound: names of parameters that stopped at the search bound.
    """

    params: FloatArray
    standard_errors: FloatArray
    log_likelihood: float
    iterations: int
    at_bound: tuple[str, ...]


@dataclass(frozen=True)
class Points:
    """Distinct rows of a data matrix, their counts, and how to map back to the rows."""

    values: FloatArray  # (n_distinct, n_columns)
    counts: FloatArray  # (n_distinct,)
    inverse: NDArray[np.intp]  # row i of the input is values[inverse[i]]


def distinct_points(*columns: ArrayLike) -> Points:
    """Group equal rows of ``columns`` (equal-length 1-D arrays) and count them.

    Whole-number columns (days) are packed into one integer key, which sorts several
    times faster than ``np.unique(axis=0)``; anything else falls back to that.
    """
    matrix = np.column_stack([np.asarray(column, dtype=np.float64) for column in columns])
    key = _packed_key(matrix)
    if key is None:
        values, inverse, counts = np.unique(matrix, axis=0, return_inverse=True, return_counts=True)
    else:
        _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
        values = matrix[first]
    return Points(values, counts.astype(np.float64), inverse.reshape(-1))


@dataclass(frozen=True)
class Frequencies:
    """The distinct values of a whole-number column (purchase counts) and their weights.

    Terms of a likelihood that depend on the frequency alone (log-gamma, digamma) are
    evaluated once per distinct frequency, a few dozen values, instead of once per point.
    """

    values: FloatArray
    weights: FloatArray  # total count of the points holding each value
    index: NDArray[np.intp]  # point i holds values[index[i]]


def frequencies(x: FloatArray, counts: FloatArray) -> Frequencies:
    """Group the points' frequencies ``x`` (with weights ``counts``)."""
    values, index = np.unique(x, return_inverse=True)
    weights = np.bincount(index, weights=counts).astype(np.float64)
    return Frequencies(values, weights, index.reshape(-1))


def _packed_key(matrix: FloatArray) -> NDArray[np.int64] | None:
    if matrix.size == 0 or not np.all(np.isfinite(matrix)):
        return None
    if np.any(matrix < 0) or np.any(matrix != np.floor(matrix)):
        return None
    spans = matrix.max(axis=0).astype(np.int64) + 1
    if float(np.prod(spans.astype(np.float64))) >= 2.0**62:
        return None
    key = np.zeros(len(matrix), dtype=np.int64)
    for column, span in zip(matrix.T, spans, strict=True):
        key = key * span + column.astype(np.int64)
    return key


def weighted_sum(weights: FloatArray, values: FloatArray) -> float:
    """``weights @ values`` without BLAS.

    ``@`` on vectors goes to a multithreaded BLAS ``ddot``; on a busy two-core server the
    threads contend and a 100,000-customer fit took ten times longer than this.
    """
    return float(np.sum(weights * values))


def maximise(log_likelihood: LogLikelihood, start: FloatArray, names: tuple[str, ...], weight: float) -> Fit:
    """Maximise ``log_likelihood`` over log-parameters from ``start`` (natural units).

    ``weight`` (the number of observations) scales the objective to a mean so that the
    optimiser's tolerances mean the same on 2,000 customers as on a million.

    Raises:
        ModelFitError: when L-BFGS-B does not converge or the optimum is not finite.
    """

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = log_likelihood(log_params)
        return -value / weight, -gradient / weight

    # L-BFGS-B calls BLAS on vectors of four numbers; OpenBLAS's worker threads then
    # cost more than the work (a third of a 100,000-customer fit on a busy server).
    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(
            objective,
            np.log(start),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
            options={"maxiter": MAX_ITERATIONS, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 20},
        )
    if not np.isfinite(result.fun) or not (result.success or _stalled_at_optimum(result, weight)):
        raise ModelFitError(f"the {'/'.join(names)} fit did not converge: {result.message}")
    log_params = np.asarray(result.x, dtype=np.float64)
    params = np.exp(log_params)
    covariance = _covariance(log_likelihood, log_params)
    errors = params * np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    at_bound = tuple(n for n, v in zip(names, log_params, strict=True) if abs(v) >= LOG_BOUND - 1e-6)
    return Fit(params, errors, -float(result.fun) * weight, int(result.nit), at_bound)


def _stalled_at_optimum(result: object, weight: float) -> bool:
    # L-BFGS-B sometimes stops with ABNORMAL_TERMINATION_IN_LNSRCH when it is already at
    # the optimum and the line search cannot improve on rounding noise. A parameter at
    # its bound whose gradient still points out of the box is at its optimum too (an
    # MBG/NBD fit of a shop whose returning customers all came back once stopped so,
    # with alpha at the bound and every other gradient below 1e-5).
    # The gradient is of the mean log-likelihood (maximise's objective): below
    # ``FLAT_TOTAL / weight`` in every log-parameter, moving any parameter by a factor of
    # e would change the total log-likelihood by less than FLAT_TOTAL, far inside its
    # sampling noise (a 95 % likelihood interval spans 1.92). The demo shop after identity
    # resolution stopped so on a ridge (r and alpha, a and b, each growing together:
    # purchase rates nearly alike), its largest gradient 1.06e-5 on ~1,500 customers.
    gradient = np.asarray(getattr(result, "jac", [np.inf]), dtype=np.float64)
    at = np.asarray(getattr(result, "x", np.zeros_like(gradient)), dtype=np.float64)
    outward = ((at >= LOG_BOUND - 1e-6) & (gradient < 0)) | ((at <= -LOG_BOUND + 1e-6) & (gradient > 0))
    flat = max(1e-5, FLAT_TOTAL / max(weight, 1.0))
    return bool(np.max(np.abs(np.where(outward, 0.0, gradient))) < flat)


def _covariance(log_likelihood: LogLikelihood, log_params: FloatArray) -> FloatArray:
    """Inverse of the observed information in log-space; NaN where it is singular."""
    size = len(log_params)
    hessian = np.empty((size, size))
    for i in range(size):
        step = np.zeros(size)
        step[i] = 1e-5
        ahead = log_likelihood(log_params + step)[1]
        behind = log_likelihood(log_params - step)[1]
        hessian[i] = (ahead - behind) / 2e-5
    information = -(hessian + hessian.T) / 2
    try:
        covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return np.full((size, size), np.nan)
    if np.any(np.diag(covariance) < 0):
        return np.full((size, size), np.nan)
    return np.asarray(covariance, dtype=np.float64)
