"""Refusals: too few repeat customers and options out of range, each with its message."""

from __future__ import annotations

import math

import pytest

from persona360.errors import Persona360Error
from persona360.predict.guardrails import (
    PredictionError,
    PredictionOptions,
    TooFewRepeatCustomersError,
    require_repeat_customers,
)


@pytest.mark.parametrize(
    ("found", "needed", "what", "message"),
    [
        (
            0,
            30,
            "purchase",
            "cannot fit the purchase model: 0 customers have bought again on a "
            "later day than their first order, and at least 30 are needed",
        ),
        (
            1,
            30,
            "purchase",
            "1 customer has bought again on a later day than their first order, and at least 30 are needed",
        ),
        (29, 30, "purchase", "29 customers have bought again"),
        (
            12,
            50,
            "spend",
            "cannot fit the spend model: 12 customers have made a repeat purchase "
            "with a positive revenue, and at least 50 are needed",
        ),
    ],
)
def test_too_few_repeat_customers(found: int, needed: int, what: str, message: str) -> None:
    with pytest.raises(TooFewRepeatCustomersError, match=message) as caught:
        require_repeat_customers(found, needed, what)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, Persona360Error)
    assert (caught.value.found, caught.value.needed) == (found, needed)
    assert "import more order history" in str(caught.value)


def test_enough_repeat_customers_pass() -> None:
    require_repeat_customers(30, 30)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("horizon_months", 0, "horizon_months is 0; it must be a whole number of months from 1"),
        ("horizon_months", 601, "horizon_months is 601"),
        ("monthly_discount", -0.01, "monthly_discount is -0.01; it must be a rate from 0"),
        ("monthly_discount", 1.0, "monthly_discount is 1.0"),
        ("monthly_discount", math.nan, "monthly_discount is nan"),
        ("holdout_days", 0, "holdout_days is 0; it must be a number of days from 1 to 3650"),
        ("min_repeat_customers", 1, "min_repeat_customers is 1; it must be at least 2"),
        ("purchase_model", "BG/NBD", "purchase_model is 'BG/NBD'; it must be one of mbgnbd, bgnbd"),
    ],
)
def test_options_out_of_range(option: str, value: float, message: str) -> None:
    with pytest.raises(PredictionError, match=message) as caught:
        PredictionOptions(**{option: value})
    assert caught.value.field == option
    assert isinstance(caught.value, ValueError)
