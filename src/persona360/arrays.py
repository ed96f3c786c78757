"""NumPy helpers more than one room needs."""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct ``values`` and where each first occurs.

    Asked for the first positions, NumPy 2.4's ``np.unique`` sorts; asked for the values
    alone it hashes, which took 0.2 s instead of 0.03 s for a third of a million message
    keys and 1.79 s instead of 0.12 s for two million edge pairs. The values are the same.

    Example:
        >>> values, first = distinct(np.array([3, 1, 3, 2]))
        >>> values.tolist(), first.tolist()
        ([1, 2, 3], [1, 3, 0])
    """
    values, first = np.unique(values, return_index=True)
    return values, first
