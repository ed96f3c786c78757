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
    assert _stalled_at_optimum(SimpleNamespace(x=np.array(x), jac=np.array(jac))) is stalled
