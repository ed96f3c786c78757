"""What predictions refuse to do, and the errors that say so.

A BG/NBD fit on a handful of repeat customers returns parameters, but they are noise
that would be stored on every profile as if they meant something. We refuse instead,
with a message that says how many repeat customers there are and how many are needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from persona360.errors import Persona360Error

# Below about 30 repeat customers the standard errors of r and alpha are of the order
# of the estimates themselves (tested on simulated shops); a shop reaches this within
# weeks of launch.
MIN_REPEAT_CUSTOMERS = 30
# The purchase models ``purchase_model`` may name, the default first. MBG/NBD because
# it answers what churn risk is asked: in BG/NBD a one-time buyer never drops out.
PURCHASE_MODELS = ("mbgnbd", "bgnbd")


class PredictionError(ValueError, Persona360Error):
    """Predictions cannot be made from this input or with these options.

    Attributes:
        field: the option or data the problem is with (``""`` when it is the whole input).
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class TooFewRepeatCustomersError(PredictionError):
    """Too few customers bought twice or more for the models to mean anything.

    Attributes:
        found: how many there are.
        needed: how many the fit requires.
    """

    def __init__(self, message: str, *, found: int, needed: int, field: str) -> None:
        super().__init__(message, field=field)
        self.found = found
        self.needed = needed


class ModelFitError(Persona360Error):
    """The optimiser failed on data that passed the guardrails (please report it)."""


@dataclass(frozen=True)
class PredictionOptions:
    """How predictions are made; the defaults suit a shop that sells every few months.

    Attributes:
        horizon_months: months of future purchases the CLV adds up.
        monthly_discount: discount rate per month for CLV (0.01 is about 12.7% a year).
        holdout_days: length of the holdout period of the report's diagnostics.
        min_repeat_customers: fewer repeat customers than this is refused.
        purchase_model: ``"mbgnbd"`` (MBG/NBD: a customer may drop out right after any
            purchase, the first included) or ``"bgnbd"`` (BG/NBD: only after a repeat
            purchase, so one-time buyers always have P(alive) = 1).
    """

    horizon_months: int = 12
    monthly_discount: float = 0.01
    holdout_days: int = 90
    min_repeat_customers: int = MIN_REPEAT_CUSTOMERS
    purchase_model: str = PURCHASE_MODELS[0]

    def __post_init__(self) -> None:
        check_options(self)


def check_options(options: PredictionOptions) -> None:
    """Raise :class:`PredictionError` naming the first option out of range."""
    checks = (
        (
            "horizon_months",
            options.horizon_months,
            1 <= options.horizon_months <= 600,
            "a whole number of months from 1 to 600",
        ),
        (
            "monthly_discount",
            options.monthly_discount,
            math.isfinite(options.monthly_discount) and 0 <= options.monthly_discount < 1,
            "a rate from 0 to below 1 (0.01 is 1% a month)",
        ),
        ("holdout_days", options.holdout_days, 1 <= options.holdout_days <= 3650, "a number of days from 1 to 3650"),
        ("min_repeat_customers", options.min_repeat_customers, options.min_repeat_customers >= 2, "at least 2"),
        (
            "purchase_model",
            options.purchase_model,
            options.purchase_model in PURCHASE_MODELS,
            f"one of {', '.join(PURCHASE_MODELS)}",
        ),
    )
    for name, value, good, expected in checks:
        if not good:
            raise PredictionError(f"{name} is {value!r}; it must be {expected}", field=name)


def require_repeat_customers(found: int, needed: int, what: str = "purchase") -> None:
    """Raise :class:`TooFewRepeatCustomersError` unless ``found >= needed``.

    Args:
        found: customers with a repeat purchase (or, for spend, with repeat spend).
        needed: the minimum.
        what: ``"purchase"`` for the (M)BG/NBD model, ``"spend"`` for Gamma-Gamma.
    """
    if found >= needed:
        return
    detail = {
        "purchase": "bought again on a later day than their first order",
        "spend": "made a repeat purchase with a positive revenue",
    }[what]
    raise TooFewRepeatCustomersError(
        f"cannot fit the {what} model: {found} customer{'s' if found != 1 else ''} "
        f"{'have' if found != 1 else 'has'} {detail}, and at least {needed} are needed; "
        "import more order history or wait for more repeat purchases",
        found=found,
        needed=needed,
        field="orders",
    )
