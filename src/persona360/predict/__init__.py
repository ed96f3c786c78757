"""Predictive traits: purchases to expect, P(alive), churn risk and customer lifetime value.

The MBG/NBD model (or, as an option, BG/NBD: repeat purchases and dropout) and the
Gamma-Gamma model (spend per purchase), fitted by maximum likelihood on the workspace's own orders. See README.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names are loaded on first use (PEP 562): the models import scipy, about 0.4 s that
# every CLI start and every server worker would otherwise pay before doing anything.
_HOMES = {
    "BgNbd": "bgnbd",
    "conditional_expected_purchases": "bgnbd",
    "expected_purchases": "bgnbd",
    "fit_bgnbd": "bgnbd",
    "probability_alive": "bgnbd",
    "probability_purchase": "bgnbd",
    "EligibleProfiles": "eligibility",
    "eligible_profiles": "eligibility",
    "GammaGamma": "gamma_gamma",
    "conditional_expected_spend": "gamma_gamma",
    "fit_gamma_gamma": "gamma_gamma",
    "MbgNbd": "mbgnbd",
    "fit_mbgnbd": "mbgnbd",
    "ModelFitError": "guardrails",
    "PredictionError": "guardrails",
    "PredictionOptions": "guardrails",
    "TooFewRepeatCustomersError": "guardrails",
    "PredictAPI": "namespace",
    "MODEL_VERSION": "run",
    "run_predictions": "run",
}

if TYPE_CHECKING:
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
    from persona360.predict.mbgnbd import MbgNbd, fit_mbgnbd
    from persona360.predict.namespace import PredictAPI
    from persona360.predict.run import MODEL_VERSION, run_predictions


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__all__ = [
    "BgNbd",
    "EligibleProfiles",
    "GammaGamma",
    "MODEL_VERSION",
    "MbgNbd",
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
    "fit_mbgnbd",
    "probability_alive",
    "probability_purchase",
    "run_predictions",
]
