"""Predictive traits: purchases to expect, P(alive), churn risk and customer lifetime value.

The BG/NBD model (repeat purchases and dropout) and the Gamma-Gamma model (spend per
purchase), fitted by maximum likelihood on the workspace's own orders. See README.md.
"""

from __future__ import annotations

from persona360.predict.bgnbd import (
    BgNbd,
    conditional_expected_purchases,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
    probability_purchase,
)
from persona360.predict.eligibility import EligibleProfiles, eligible_profiles
from persona360.predict.gamma_gamma import GammaGamma, conditional_expected_spend, fit_gamma_gamma
from persona360.predict.guardrails import (
    ModelFitError,
    PredictionError,
    PredictionOptions,
    TooFewRepeatCustomersError,
)
from persona360.predict.namespace import PredictAPI
from persona360.predict.run import (
    MODEL_VERSION,
    prediction_report,
    profile_predictions,
    run_predictions,
)

__all__ = [
    "MODEL_VERSION",
    "BgNbd",
    "EligibleProfiles",
    "GammaGamma",
    "ModelFitError",
    "PredictAPI",
    "PredictionError",
    "PredictionOptions",
    "TooFewRepeatCustomersError",
    "conditional_expected_purchases",
    "conditional_expected_spend",
    "eligible_profiles",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "prediction_report",
    "probability_alive",
    "probability_purchase",
    "profile_predictions",
    "run_predictions",
]
