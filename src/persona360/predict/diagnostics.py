"""Calibration/holdout check: whether the model would have predicted the last period.

The models are fitted on the history up to a calibration end, then each customer's
expected purchases in the holdout period (until ``as_of``) are compared with what
they actually bought, per number of repeat purchases in calibration (0, 1, …, 6, 7+),
as in figure 4 of Fader, Hardie & Lee (2005). A model that fits the shop predicts
close to the actual mean in every bucket and correlates with the actual counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from persona360.predict.bgnbd import PARAMETERS, BgNbd, conditional_expected_purchases, fit_purchase_model
from persona360.predict.estimation import FloatArray
from persona360.predict.guardrails import TooFewRepeatCustomersError, require_repeat_customers
from persona360.predict.purchases import PurchaseHistory

TOP_BUCKET = 7  # customers with 7 or more calibration repeat purchases share a bucket


def compare_holdout(predicted: FloatArray, actual: FloatArray, frequency: FloatArray) -> dict[str, Any]:
    """Totals, correlation and per-frequency means of predicted vs actual holdout purchases."""
    total_predicted, total_actual = float(predicted.sum()), float(actual.sum())
    spread = predicted.std() > 0 and actual.std() > 0
    return {
        "customers": len(predicted),
        "predicted": total_predicted,
        "actual": total_actual,
        "error_percent": (100.0 * (total_predicted - total_actual) / total_actual if total_actual else None),
        "correlation": float(np.corrcoef(predicted, actual)[0, 1]) if spread else None,
        "by_frequency": _by_frequency(predicted, actual, frequency),
    }


def _by_frequency(predicted: FloatArray, actual: FloatArray, frequency: FloatArray) -> list[dict[str, Any]]:
    bucket = np.minimum(frequency, TOP_BUCKET).astype(np.int64)
    rows = []
    for value in range(TOP_BUCKET + 1):
        members = bucket == value
        if not np.any(members):
            continue
        rows.append(
            {
                "frequency": f"{value}+" if value == TOP_BUCKET else str(value),
                "customers": int(members.sum()),
                "predicted_mean": float(predicted[members].mean()),
                "actual_mean": float(actual[members].mean()),
            }
        )
    return rows


def holdout_diagnostics(
    calibration: PurchaseHistory, holdout_days: int, min_repeat_customers: int, kind: type[BgNbd] = BgNbd
) -> dict[str, Any]:
    """Fit the purchase model ``kind`` on ``calibration`` and compare with its ``holdout_purchases``.

    Returns ``{"skipped": reason}`` instead of raising when the calibration period is
    too short to fit: the predictions themselves can still be made.
    """
    try:
        require_repeat_customers(calibration.repeat_customers, min_repeat_customers)
    except TooFewRepeatCustomersError as error:
        return {"holdout_days": holdout_days, "skipped": f"calibration period: {error}"}
    model, fit = fit_purchase_model(kind, calibration.frequency, calibration.recency, calibration.age)
    predicted = conditional_expected_purchases(
        model, float(holdout_days), calibration.frequency, calibration.recency, calibration.age
    )
    comparison = compare_holdout(predicted, calibration.holdout_purchases, calibration.frequency)
    return {
        "holdout_days": holdout_days,
        "calibration_params": dict(zip(PARAMETERS, fit.params.tolist(), strict=True)),
        **comparison,
    }
