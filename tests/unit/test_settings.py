from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from persona360.settings import Settings, load_settings, settings_markdown


def test_every_setting_is_documented() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == []


def test_docs_settings_page_is_current() -> None:
    page = Path(__file__).parents[2] / "docs" / "settings.md"
    assert page.read_text() == settings_markdown(), "run `make docs`"


def test_environment_is_read_when_settings_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONA360_DEFAULT_REGION", "PL")
    assert load_settings().default_region == "PL"
    assert load_settings(default_region="DE").default_region == "DE"


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        load_settings(colour="blue")


@pytest.mark.parametrize("value", [0, -5])
def test_a_derive_bound_that_is_not_positive_is_refused_by_name(value: int) -> None:
    with pytest.raises(ValidationError, match="batch_derive_within_ms") as error:
        load_settings(batch_derive_within_ms=value)
    assert "greater than 0" in str(error.value)


@pytest.mark.parametrize("value", ["lots", "30", "-1GB", "0%", "110%", "4 GiG"])
def test_a_memory_limit_that_is_no_size_or_share_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValidationError, match="memory_limit") as error:
        load_settings(memory_limit=value)
    assert "4GB" in str(error.value)  # says what would do


@pytest.mark.parametrize("value", ["30%", "4GB", "512MiB", "1.5 GB", " 100% "])
def test_sizes_and_shares_are_memory_limits(value: str) -> None:
    assert load_settings(memory_limit=value).memory_limit == value.strip()


def test_a_relaxed_derive_bound_below_the_live_one_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="batch_derive_relaxed_ms") as error:
        load_settings(batch_derive_within_ms=500, batch_derive_relaxed_ms=300)
    assert "below batch_derive_within_ms (500)" in str(error.value)


@pytest.mark.parametrize("value", [0, -5])
def test_a_relaxed_derive_bound_that_is_not_positive_is_refused_by_name(value: int) -> None:
    with pytest.raises(ValidationError, match="batch_derive_relaxed_ms"):
        load_settings(batch_derive_relaxed_ms=value)


def test_a_live_derive_bound_above_the_relaxed_default_raises_the_relaxed_one_with_it() -> None:
    # the demo's bulk feed sets the live bound to 5 s and leaves the relaxed one at its default
    settings = load_settings(batch_derive_within_ms=5000)
    assert (settings.batch_derive_within_ms, settings.batch_derive_relaxed_ms) == (5000, 5000)
    assert load_settings(batch_derive_within_ms=500).batch_derive_relaxed_ms == 2000


def test_currencies_are_read_in_upper_case_and_rates_are_kept_as_written() -> None:
    settings = load_settings(revenue_currency="pln", reporting_currency="uah", exchange_rates=["PLN 2026-01-01 10.45"])
    assert (settings.revenue_currency, settings.reporting_currency) == ("PLN", "UAH")
    assert settings.exchange_rates == ["PLN 2026-01-01 10.45"]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"revenue_currency": "hryvnia"}, "revenue_currency 'hryvnia' is not a three-letter currency code"),
        ({"reporting_currency": "€"}, "reporting_currency '€' is not a three-letter currency code"),
        ({"revenue_currency": "ABC"}, "revenue_currency 'ABC' is not an ISO 4217 currency"),
        ({"exchange_rates": ["PLN 2026-01-01 10.45"]}, "no reporting currency to convert into"),
        ({"reporting_currency": "UAH", "exchange_rates": ["PLN 10.45"]}, "has 2 parts, not 3"),
        ({"reporting_currency": "UAH", "exchange_rates": ["PLN 2026-01-01 -1"]}, "must be a positive number"),
    ],
)
def test_bad_money_settings_are_refused_by_name(given: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        load_settings(**given)


def test_exchange_rates_are_read_from_the_environment_as_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONA360_REPORTING_CURRENCY", "UAH")
    monkeypatch.setenv("PERSONA360_EXCHANGE_RATES", '["PLN 2026-01-01 10.45", "USD 2026-01-01 41.5"]')
    assert load_settings().exchange_rates == ["PLN 2026-01-01 10.45", "USD 2026-01-01 41.5"]
