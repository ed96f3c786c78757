"""Money is summed exactly, per currency, then handed out as a float.

A DOUBLE ``sum`` depends on the order DuckDB's threads add the rows in, so two runs
over the same orders could differ in the last digits, and 10.1 + 20.2 showed as
30.299999999999997 in a report. Summing as DECIMAL(38, 6) is exact for every
currency's cents (and a thousandth of them) up to 10^32, and gives the same figure
whatever the order; the result is cast back to DOUBLE because every reader
(reports, charts, models) works in floats.

A shop may sell in several currencies (the demo shop sells in UAH, PLN and USD), and
a sum across them means nothing. Every report that totals orders therefore reads them
through :meth:`Money.orders_sql`, which gives each order the currency it is reported in
(``report_currency``) and its amount in that currency (``report_amount``), and groups by
the currency. By default each currency stays on its own. With a reporting currency and
a rate table the user wrote (``reporting_currency`` and ``exchange_rates``, kept in the
workspace by ``persona360 settings set`` or given as ``PERSONA360_*`` variables; never
fetched from the network), an order is converted
at the rate in force on its day; one whose currency has no rate that day stays in its
own currency, and :meth:`Money.label` marks that figure "not converted".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from persona360.settings import Settings

MONEY = "DECIMAL(38, 6)"
T = TypeVar("T")
_CODE = re.compile(r"[A-Z]{3}")


def money_sum(amount: str, *, where: str | None = None) -> str:
    """SQL for the exact sum of the ``amount`` expression (only rows meeting ``where``)."""
    only = f" FILTER (WHERE {where})" if where else ""
    return f"(sum(({amount})::{MONEY}){only})::DOUBLE"


def currency_code(text: str, what: str = "currency", *, known: bool = False) -> str:
    """``text`` as an ISO 4217 code (three letters, upper case), or a ValueError naming ``what``.

    ``known`` also requires a currency that exists (babel's list of ISO 4217 codes): for
    the shop's own currencies (settings), where a typo such as ``XYZ`` would relabel every
    amount. Codes read from orders are only checked for shape: a shop may sell in a
    currency no list knows, and its orders are kept apart, not refused.
    """
    code = text.strip().upper()
    if not _CODE.fullmatch(code):
        raise ValueError(f"{what} {text!r} is not a three-letter currency code such as UAH, PLN or USD")
    if known:
        from babel.numbers import list_currencies  # noqa: PLC0415 - only settings ask; the CLI has babel loaded

        if code not in list_currencies():
            raise ValueError(f"{what} {text!r} is not an ISO 4217 currency: give one such as UAH, PLN or USD")
    return code


@dataclass(frozen=True)
class Rate:
    """From ``since`` on (until a later rate of the same currency), 1 ``currency`` = ``rate`` reporting units."""

    currency: str
    since: date
    rate: Decimal


def parse_rate(text: str) -> Rate:
    """``'PLN 2026-01-01 10.45'`` -> Rate: 1 PLN is worth 10.45 of the reporting currency from 1 January 2026.

    Example:
        >>> parse_rate("pln 2026-01-01 10.45")
        Rate(currency='PLN', since=datetime.date(2026, 1, 1), rate=Decimal('10.45'))
    """
    parts = text.split()
    hint = "write 'CUR YYYY-MM-DD RATE', e.g. 'PLN 2026-01-01 10.45'"
    if len(parts) != 3:
        raise ValueError(f"exchange rate {text!r} has {len(parts)} parts, not 3: {hint}")
    currency = currency_code(parts[0], f"exchange rate {text!r}: currency")
    try:
        since = date.fromisoformat(parts[1])
    except ValueError:
        raise ValueError(f"exchange rate {text!r}: {parts[1]!r} is not a date: {hint}") from None
    try:
        rate = Decimal(parts[2])
    except InvalidOperation:
        raise ValueError(f"exchange rate {text!r}: {parts[2]!r} is not a number: {hint}") from None
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"exchange rate {text!r}: the rate must be a positive number: {hint}")
    return Rate(currency, since, rate)


@dataclass(frozen=True)
class Money:
    """How a workspace totals its orders: the currency an order without one is in, and any conversion.

    Args:
        default_currency: the currency of an order that names none.
        reporting_currency: the currency totals are converted into; None keeps each currency apart.
        rates: the dated rates into ``reporting_currency`` (needs one).
    """

    default_currency: str
    reporting_currency: str | None = None
    rates: Sequence[Rate] = ()

    def __post_init__(self) -> None:
        currency_code(self.default_currency, "the default currency")
        if self.reporting_currency is not None:
            currency_code(self.reporting_currency, "the reporting currency")
        elif self.rates:
            raise ValueError("exchange rates are given but no reporting currency to convert into: set one")
        seen = {(r.currency, r.since) for r in self.rates}
        if len(seen) < len(self.rates):
            raise ValueError("exchange rates name the same currency and day twice: keep one")
        if any(r.currency == self.reporting_currency for r in self.rates):
            raise ValueError(f"an exchange rate converts {self.reporting_currency} into itself: drop it")

    @classmethod
    def from_settings(cls, settings: Settings) -> Money:
        """The workspace's ``revenue_currency``, ``reporting_currency`` and ``exchange_rates``."""
        reporting = settings.reporting_currency or None
        return cls(settings.revenue_currency, reporting, tuple(parse_rate(r) for r in settings.exchange_rates))

    def key(self) -> str:
        """These settings as one canonical text: equal keys convert every order the same way.

        Example:
            >>> Money("UAH", "UAH", (parse_rate("PLN 2026-01-01 10.25"),)).key()
            'UAH|UAH|PLN 2026-01-01 10.25'
        """
        rates = sorted(f"{r.currency} {r.since.isoformat()} {r.rate:f}" for r in self.rates)
        return "|".join([self.default_currency, self.reporting_currency or "", *rates])

    def orders_sql(self, orders: str = "orders") -> str:
        """``orders`` with two more columns: ``report_currency`` and ``report_amount``.

        ``orders`` is a table or a parenthesised query with ``revenue``, ``currency`` and ``ordered_at``.
        """
        code = f"upper(trim(coalesce(nullif(trim(currency), ''), '{self.default_currency}')))"
        coded = f"(SELECT *, {code} AS order_currency FROM {orders})"
        if self.reporting_currency is None:
            return f"(SELECT *, order_currency AS report_currency, revenue AS report_amount FROM {coded})"
        if not self.rates:
            return self._converted(coded, "NULL::DECIMAL(38, 12)", "")
        rows = ", ".join(
            f"('{r.currency}', TIMESTAMPTZ '{r.since.isoformat()} 00:00:00+00', {r.rate:f}::DECIMAL(38, 12))"
            for r in self.rates
        )
        join = (
            f"ASOF LEFT JOIN (VALUES {rows}) AS p360_rates(currency, since, rate) "
            "ON p360_rates.currency = p360_o.order_currency AND p360_o.ordered_at >= p360_rates.since"
        )
        return self._converted(coded, "p360_rates.rate", join)

    def _converted(self, coded: str, rate: str, join: str) -> str:
        factor = f"CASE WHEN p360_o.order_currency = '{self.reporting_currency}' THEN 1 ELSE {rate} END"
        return (
            f"(SELECT p360_o.*, CASE WHEN ({factor}) IS NULL THEN p360_o.order_currency "
            f"ELSE '{self.reporting_currency}' END AS report_currency, "
            f"p360_o.revenue * coalesce({factor}, 1) AS report_amount FROM {coded} AS p360_o {join})"
        )

    @property
    def main_currency(self) -> str:
        """The currency the workspace reads its totals in: the reporting one, else the default one.

        A total of no orders is shown in it ("0.00 UAH"), beside the others.
        """
        return self.reporting_currency or self.default_currency

    def label(self, currency: str) -> str:
        """How a total in ``currency`` is named: ``'USD'``, or ``'USD, not converted'`` beside a reporting currency."""
        if self.reporting_currency is None or currency == self.reporting_currency:
            return currency
        return f"{currency}, not converted"

    def labelled(self, totals: Mapping[str, T]) -> dict[str, T]:
        """``{currency: total}`` keyed by :meth:`label`, the reporting currency first, then the others by name."""
        ordered = sorted(totals, key=lambda c: (c != self.reporting_currency, c))
        return {self.label(currency): totals[currency] for currency in ordered}


def by_currency(rows: Iterable[tuple[str, str, float]]) -> dict[str, list[tuple[str, float]]]:
    """(key, currency, amount) rows -> for each currency, its (key, amount) pairs in the rows' order.

    Example:
        >>> by_currency([("web", "UAH", 10.0), ("shop", "USD", 2.5), ("shop", "UAH", 1.0)])
        {'UAH': [('web', 10.0), ('shop', 1.0)], 'USD': [('shop', 2.5)]}
    """
    grouped: dict[str, list[tuple[str, float]]] = {}
    for key, currency, amount in rows:
        grouped.setdefault(currency, []).append((key, amount))
    return grouped


def amounts_text(totals: Mapping[str, float], zero_in: str) -> str:
    """``{'UAH': 2500.1, 'USD, not converted': 12.0}`` -> ``'2,500.10 UAH; 12.00 USD, not converted'``.

    The one way money is written for people (web pages and the CLI's text; JSON keeps
    plain numbers). No totals at all (no orders) is a zero in ``zero_in``, the workspace's
    :attr:`Money.main_currency`: a bare "0" beside "6,446.84 UAH" read as another unit.

    Example:
        >>> amounts_text({"UAH": 2500.1, "USD, not converted": 12.0}, "UAH")
        '2,500.10 UAH; 12.00 USD, not converted'
        >>> amounts_text({}, "UAH")
        '0.00 UAH'
    """
    return "; ".join(f"{amount:,.2f} {label}" for label, amount in (totals or {zero_in: 0.0}).items())


def shares_text(shares: Mapping[str, float]) -> str:
    """``{'PLN': 0.347, 'UAH': 0.237}`` -> ``'34.7 % of PLN · 23.7 % of UAH'`` (shares of each currency's revenue).

    Example:
        >>> shares_text({"PLN": 0.347, "UAH": 0.237})
        '34.7 % of PLN · 23.7 % of UAH'
        >>> shares_text({})
        '—'
    """
    return " · ".join(f"{share * 100:.1f} % of {label}" for label, share in shares.items()) or "—"
