"""Fit, score and store: the job behind ``persona360 predict`` and the daily schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from persona360.clock import to_utc
from persona360.predict import bgnbd, gamma_gamma
from persona360.predict.bgnbd import BgNbd
from persona360.predict.diagnostics import holdout_diagnostics
from persona360.predict.eligibility import EligibleProfiles, eligible_profiles
from persona360.predict.estimation import Fit
from persona360.predict.guardrails import PURCHASE_MODELS, PredictionOptions, require_repeat_customers
from persona360.predict.mbgnbd import MbgNbd
from persona360.predict.persistence import save_predictions
from persona360.predict.purchases import PurchaseHistory, read_history, spend_currencies
from persona360.predict.scoring import CHURN_CUTOFFS, QUIET_CUTOFFS, Scores, score
from persona360.store.money import Money

if TYPE_CHECKING:
    from persona360.workspace import Workspace

# the purchase models by their name in PredictionOptions.purchase_model
KINDS: dict[str, type[BgNbd]] = {kind.name: kind for kind in (MbgNbd, BgNbd)}


def model_version(purchase_model: str) -> str:
    """The ``model_version`` stored with predictions made with ``purchase_model``."""
    return f"{purchase_model}+gamma-gamma/1"


# the version of the default models
MODEL_VERSION = model_version(PURCHASE_MODELS[0])
# (what is happening, steps done, steps in all)
Progress = Callable[[str, int, int], None]
STEPS = ("reading orders", "fitting purchases", "fitting spend", "scoring", "holdout check", "saving")


def run_predictions(
    ws: Workspace,
    *,
    as_of: datetime | None = None,
    options: PredictionOptions | None = None,
    eligible: EligibleProfiles = eligible_profiles,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fit both models on the workspace's orders, score every customer, store the results.

    Args:
        ws: the workspace.
        as_of: the end of observation; the workspace clock's now when omitted.
        options: horizon, discount rate, holdout length, minimum repeat customers, and
            the purchase model (MBG/NBD unless ``purchase_model="bgnbd"``).
        eligible: which profiles may be used (see :mod:`persona360.predict.eligibility`).
        progress: called as each step starts.

    Returns:
        The fit report (as :func:`prediction_report` returns it later).

    Raises:
        TooFewRepeatCustomersError: too few customers bought twice to fit.
        PredictionError: an option is out of range.

    Example:
        >>> from persona360 import Workspace
        >>> run_predictions(Workspace.open(":memory:"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        persona360.predict.guardrails.TooFewRepeatCustomersError: cannot fit the purchase ...
    """
    options = options or PredictionOptions()
    tell = progress or (lambda step, done, total: None)
    fitted_at = ws.clock.now()
    as_of = to_utc(as_of) if as_of is not None else fitted_at
    tell(STEPS[0], 0, len(STEPS))
    money = Money.from_settings(ws.settings)
    history = _eligible(ws, read_history(ws.db, as_of, money), eligible)
    require_repeat_customers(history.repeat_customers, options.min_repeat_customers)
    require_repeat_customers(history.spend_customers, options.min_repeat_customers, "spend")
    tell(STEPS[1], 1, len(STEPS))
    kind = KINDS[options.purchase_model]
    purchase_model, purchase_fit = bgnbd.fit_purchase_model(kind, history.frequency, history.recency, history.age)
    tell(STEPS[2], 2, len(STEPS))
    spenders = history.select(history.spend_days > 0)
    spend_model, spend_fit = gamma_gamma.fit_gamma_gamma(spenders.spend_days, spenders.average_spend)
    tell(STEPS[3], 3, len(STEPS))
    scores = score(
        history,
        purchase_model,
        spend_model,
        horizon_months=options.horizon_months,
        monthly_discount=options.monthly_discount,
    )
    tell(STEPS[4], 4, len(STEPS))
    holdout_days = _holdout_days(history, options.holdout_days)
    calibration_end = as_of.date() - timedelta(days=holdout_days)
    calibration = _eligible(ws, read_history(ws.db, as_of, money, calibration_end), eligible)
    currencies = spend_currencies(ws.db, as_of, money)
    report = {
        "model_version": model_version(kind.name),
        "fitted_at": fitted_at.isoformat(),
        "as_of": as_of.isoformat(),
        "time_unit": "day",
        "customers": len(history),
        "repeat_customers": history.repeat_customers,
        "spend_customers": history.spend_customers,
        "spend_currencies": currencies,
        "warnings": _currency_warnings(currencies)
        + _bound_warnings(kind.name, purchase_fit)
        + _bound_warnings("gamma_gamma", spend_fit),
        "purchase_model": kind.name,
        kind.name: _model_report(bgnbd.PARAMETERS, purchase_fit),
        "gamma_gamma": {
            **_model_report(gamma_gamma.PARAMETERS, spend_fit),
            "frequency_spend_correlation": _correlation(spenders),
        },
        "options": vars(options).copy(),
        "churn_cutoffs": {
            "low_below": CHURN_CUTOFFS[0],
            "high_from": CHURN_CUTOFFS[1],
            "low_quiet_from": QUIET_CUTOFFS[1],
            "high_quiet_below": QUIET_CUTOFFS[0],
        },
        "diagnostics": {
            "calibration_end": calibration_end.isoformat(),
            **holdout_diagnostics(calibration, holdout_days, options.min_repeat_customers, kind),
            **({"holdout_days_asked": options.holdout_days} if holdout_days != options.holdout_days else {}),
        },
    }
    tell(STEPS[5], 5, len(STEPS))
    save_predictions(ws.db, _rows(history, scores, options), report)
    tell("done", len(STEPS), len(STEPS))
    return report


def _holdout_days(history: PurchaseHistory, asked: int) -> int:
    """The holdout the check can use: ``asked``, but at most half of the order history.

    A holdout as long as the history leaves the calibration period with no repeat
    purchases to learn from: a shop with 90 days of orders (the demo's) and the default
    90-day holdout never got its check, only "skipped".
    """
    span = float(history.age.max()) if len(history) else 0.0
    return max(1, min(asked, int(span // 2)))


def _eligible(ws: Workspace, history: PurchaseHistory, eligible: EligibleProfiles) -> PurchaseHistory:
    mask = np.asarray(eligible(ws, history.profile_id), dtype=bool)
    return history if mask.all() else history.select(mask)


def _model_report(names: tuple[str, ...], fit: Fit) -> dict[str, Any]:
    return {
        "params": dict(zip(names, fit.params.tolist(), strict=True)),
        "standard_errors": {
            name: (None if np.isnan(error) else error)
            for name, error in zip(names, fit.standard_errors.tolist(), strict=True)
        },
        "log_likelihood": fit.log_likelihood,
        "iterations": fit.iterations,
        "at_bound": list(fit.at_bound),
    }


def _bound_warnings(model: str, fit: Fit) -> list[str]:
    """Why a fit's parameters are no figures to read on their own, when some stopped at the search bound.

    A purchase model whose r and alpha (or a and b) both run to the bound has found
    purchase rates (or drop-out chances) nearly alike across customers: the likelihood is
    flat along their ratio, which the predictions use, and the standard errors are none.
    Gamma-Gamma's q and gamma do the same when spend per order hardly varies by customer.
    """
    if not fit.at_bound:
        return []
    return [
        f"{model}: {', '.join(fit.at_bound)} stopped at the search bound: customers look too alike for the data "
        f"to pin {'them' if len(fit.at_bound) > 1 else 'it'} down; predictions rest on combinations that are "
        "fitted, but do not read the parameters or their standard errors alone"
    ]


def _currency_warnings(currencies: list[str]) -> list[str]:
    """Why CLV is not one currency's money, when spend came in several and not all were converted."""
    if len(currencies) < 2:
        return []
    return [
        f"spend is in {len(currencies)} currencies ({', '.join(currencies)}): the spend model and CLV add "
        "them up as one; set reporting_currency and exchange_rates to convert them"
    ]


def _correlation(spenders: PurchaseHistory) -> float | None:
    # The Gamma-Gamma model assumes spend does not depend on frequency; a strong
    # correlation here says its CLV figures should be read with care.
    if len(spenders) < 3 or spenders.spend_days.std() == 0 or spenders.average_spend.std() == 0:
        return None
    return float(np.corrcoef(spenders.spend_days, spenders.average_spend)[0, 1])


def _rows(history: PurchaseHistory, scores: Scores, options: PredictionOptions) -> pa.Table:
    size = len(history)
    return pa.table(
        {
            "profile_id": pa.array(history.profile_id, pa.int64()),
            "model_version": pa.array(np.full(size, model_version(options.purchase_model), dtype=object), pa.string()),
            "frequency": history.frequency.astype(np.int32),
            "recency_days": history.recency.astype(np.int32),
            "age_days": history.age.astype(np.int32),
            "average_spend": pa.array(history.average_spend, from_pandas=True),
            **{f"expected_purchases_{days}d": values for days, values in scores.expected_purchases.items()},
            "p_alive": scores.p_alive,
            "churn_risk": scores.churn_risk,
            "churn_bucket": pa.array(scores.churn_bucket, pa.string()),
            "p_purchase_30d": scores.p_purchase_30d,
            "expected_spend": scores.expected_spend,
            "clv": scores.clv,
            "clv_horizon_months": np.full(size, options.horizon_months, dtype=np.int32),
            "monthly_discount": np.full(size, options.monthly_discount),
        }
    )
