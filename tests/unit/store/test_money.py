"""Money totals per currency, and conversion only with rates the user wrote (store/money.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from persona360.store.money import Money, Rate, amounts_text, by_currency, money_sum, parse_rate

ORDERS = [
    (100.0, "UAH", "2026-01-05"),
    (2.0, "pln", "2026-01-05"),  # lower case: the same currency
    (3.0, "PLN", "2025-12-31"),  # before PLN's first rate
    (4.0, "USD", "2026-02-02"),  # no rate at all
    (5.0, None, "2026-03-01"),  # names none: the default currency
    (1.0, " PLN ", "2026-03-01"),  # after the second rate
]


@pytest.fixture
def orders() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE orders (revenue DOUBLE, currency VARCHAR, ordered_at TIMESTAMPTZ)")
    con.executemany("INSERT INTO orders VALUES (?, ?, ?::TIMESTAMPTZ)", ORDERS)
    yield con
    con.close()


def totals(con: duckdb.DuckDBPyConnection, money: Money) -> dict[str, float]:
    rows = con.execute(
        f"SELECT report_currency, {money_sum('report_amount')} FROM {money.orders_sql()} GROUP BY 1"
    ).fetchall()
    return dict(rows)


def test_each_currency_is_totalled_apart_without_a_reporting_currency(orders: duckdb.DuckDBPyConnection) -> None:
    assert totals(orders, Money("UAH")) == {"UAH": 105.0, "PLN": 6.0, "USD": 4.0}


def test_orders_are_converted_at_the_rate_of_their_day(orders: duckdb.DuckDBPyConnection) -> None:
    rates = (parse_rate("PLN 2026-01-01 10"), parse_rate("PLN 2026-02-01 11"))
    money = Money("UAH", "UAH", rates)
    # 100 + 5 UAH, 2 PLN at 10 and 1 PLN at 11; the PLN order before the first rate and USD stay apart
    assert totals(orders, money) == {"UAH": 136.0, "PLN": 3.0, "USD": 4.0}
    assert money.labelled({"USD": 4.0, "PLN": 3.0, "UAH": 136.0}) == {
        "UAH": 136.0,
        "PLN, not converted": 3.0,
        "USD, not converted": 4.0,
    }


def test_a_rate_written_with_an_exponent_is_used_as_the_number_it_is(orders: duckdb.DuckDBPyConnection) -> None:
    money = Money("UAH", "UAH", (parse_rate("PLN 2025-01-01 1E+1"),))
    assert totals(orders, money) == {"UAH": 165.0, "USD": 4.0}


def test_a_reporting_currency_without_rates_converts_nothing_else(orders: duckdb.DuckDBPyConnection) -> None:
    money = Money("UAH", "USD")
    assert totals(orders, money) == {"UAH": 105.0, "PLN": 6.0, "USD": 4.0}
    assert money.label("UAH") == "UAH, not converted" and money.label("USD") == "USD"


def test_rates_are_read_as_written() -> None:
    assert parse_rate(" usd  2026-11-01 41.25 ") == Rate("USD", date(2026, 11, 1), Decimal("41.25"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PLN 2026-01-01", "has 2 parts, not 3"),
        ("PLN 2026-01-01 10 11", "has 4 parts, not 3"),
        ("złoty 2026-01-01 10", "not a three-letter currency code"),
        ("PLN 01.01.2026 10", "'01.01.2026' is not a date"),
        ("PLN 2026-01-01 ten", "'ten' is not a number"),
        ("PLN 2026-01-01 0", "must be a positive number"),
        ("PLN 2026-01-01 -3", "must be a positive number"),
        ("PLN 2026-01-01 NaN", "must be a positive number"),
    ],
)
def test_a_bad_rate_is_refused_with_the_fix(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        parse_rate(text)
    assert "e.g. 'PLN 2026-01-01 10.45'" in str(error.value) or "such as UAH, PLN or USD" in str(error.value)


@pytest.mark.parametrize(
    ("money", "message"),
    [
        (lambda: Money("hryvnia"), "the default currency 'hryvnia' is not a three-letter"),
        (lambda: Money("UAH", "US$"), "the reporting currency 'US\\$' is not a three-letter"),
        (lambda: Money("UAH", None, (parse_rate("PLN 2026-01-01 10"),)), "no reporting currency"),
        (
            lambda: Money("UAH", "UAH", (parse_rate("PLN 2026-01-01 10"), parse_rate("PLN 2026-01-01 11"))),
            "same currency and day twice",
        ),
        (lambda: Money("UAH", "UAH", (parse_rate("UAH 2026-01-01 2"),)), "converts UAH into itself"),
    ],
)
def test_a_bad_money_setup_is_refused(money: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        money()  # type: ignore[operator]


def test_totals_are_grouped_by_currency_in_row_order() -> None:
    rows = [("web", "UAH", 10.0), ("shop", "USD", 2.5), ("shop", "UAH", 1.0)]
    assert by_currency(rows) == {"UAH": [("web", 10.0), ("shop", 1.0)], "USD": [("shop", 2.5)]}


@pytest.mark.parametrize(
    ("totals", "text"),
    [
        ({}, "0.00 UAH"),  # no orders: a zero in the main currency, not a bare "0"
        ({"UAH": 0.0}, "0.00 UAH"),
        ({"UAH": 13375.0}, "13,375.00 UAH"),
        ({"UAH": 6446.84, "USD, not converted": 12.5}, "6,446.84 UAH; 12.50 USD, not converted"),
    ],
)
def test_money_is_written_with_its_currency_zero_too(totals: dict[str, float], text: str) -> None:
    assert amounts_text(totals, "UAH") == text


def test_the_main_currency_is_the_reporting_one_else_the_default() -> None:
    assert Money("PLN").main_currency == "PLN"
    assert Money("PLN", "UAH").main_currency == "UAH"
