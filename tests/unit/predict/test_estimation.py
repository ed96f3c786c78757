"""When a fit that L-BFGS-B ended abnormally is accepted as at its optimum."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from persona360.predict.estimation import LOG_BOUND, _stalled_at_optimum


@pytest.mark.parametrize(
    ("x", "jac", "stalled"),
    [
        ([0.0, 1.0], [1e-7, -1e-7], True),
        ([0.0, 1.0], [1e-7, 1e-3], False),
        # at the upper bound, pushing further up: at its optimum within the box
        ([0.0, LOG_BOUND], [1e-7, -1e-3], True),
        # at the upper bound but pulling back in: not an optimum
        ([0.0, LOG_BOUND], [1e-7, 1e-3], False),
        ([-LOG_BOUND, 0.0], [1e-3, 1e-7], True),
        ([-LOG_BOUND, 0.0], [-1e-3, 1e-7], False),
    ],
)
def test_stalled_at_optimum_looks_at_the_gradient_inside_the_bounds(
    x: list[float], jac: list[float], stalled: bool
) -> None:
    assert _stalled_at_optimum(SimpleNamespace(x=np.array(x), jac=np.array(jac)), weight=1e6) is stalled


# The demo shop after identity resolution: L-BFGS-B stopped on a ridge (r and alpha, a
# and b each grown together) with this gradient of the mean log-likelihood.
RIDGE_X = [8.66, LOG_BOUND - 3.4e-4, 10.44, LOG_BOUND]
RIDGE_JAC = [2.5e-6, 8.7e-6, -1.06e-5, 1.04e-5]


@pytest.mark.parametrize(
    ("customers", "stalled"),
    [
        (1_500, True),  # a factor of e in any parameter moves the total by < 0.02: flat
        (100_000, False),  # the same mean slope over 100,000 customers is ~1 unit of log-likelihood
    ],
)
def test_a_slope_too_small_to_move_the_total_log_likelihood_is_an_optimum(customers: int, stalled: bool) -> None:
    result = SimpleNamespace(x=np.array(RIDGE_X), jac=np.array(RIDGE_JAC))
    assert _stalled_at_optimum(result, weight=customers) is stalled
