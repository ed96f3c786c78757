"""CDNOW: the data the BG/NBD and Gamma-Gamma models were published on.

The files ship inside the ``lifetimes`` package (a dev dependency); they are read
directly, without importing ``lifetimes``, which is not used at run time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def cdnow_dir() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        pytest.fail("the CDNOW files come with the `lifetimes` dev dependency: `uv sync --group dev`")
    return Path(spec.origin).parent / "datasets"


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_dir: Path) -> np.ndarray:
    """2,357 customers: ID, x, t_x, T (weeks), zbar (mean repeat spend), 39-week calibration."""
    return np.genfromtxt(cdnow_dir / "cdnow_customers_summary_with_transactions.csv", delimiter=",", names=True)


@pytest.fixture(scope="session")
def cdnow_orders(cdnow_dir: Path) -> np.ndarray:
    """6,919 records: master id, sample id (1..2357), yyyymmdd, CDs, dollars; 1997-01-01..1998-06-30."""
    return np.loadtxt(cdnow_dir / "CDNOW_sample.txt", dtype=np.float64)
