"""The overview's figures: counts and series no room offers a function for yet.

These are read-only aggregates over tables other rooms own (``events``, ``orders``,
``identifiers``, ``order_reports``), so by rule 2 they belong in those rooms. They live here, each a
function of the workspace, until ``ingest`` grows ``events_per_day`` and ``profiles``
grows ``revenue_by_source``/``identifier_count``; moving them then is a cut and paste.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from persona360.store.money import Money, by_currency, money_sum
from persona360.store.tables.orders import ORDER_ID_SQL

if TYPE_CHECKING:
    from persona360.workspace import Workspace


def start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def events_since(ws: Workspace, since: datetime) -> int:
    """Events whose own timestamp is at or after ``since``."""
    return int(ws.db.scalar('SELECT count(*) FROM events WHERE "timestamp" >= ?', [since]))


def identifier_count(ws: Workspace) -> int:
    return int(ws.db.scalar("SELECT count(*) FROM identifiers"))


def events_per_day(ws: Workspace, days: int) -> list[tuple[datetime, float]]:
    """(day, events) for the last ``days`` days up to today, days without events as 0."""
    today = start_of_day(ws.clock.now())
    first = today - timedelta(days=days - 1)
    rows = ws.db.query(
        "SELECT date_diff('day', $first::TIMESTAMPTZ, \"timestamp\")::INTEGER AS d, count(*) "
        'FROM events WHERE "timestamp" >= $first AND "timestamp" < $end GROUP BY d',
        {"first": first, "end": today + timedelta(days=1)},
    )
    by_day = {int(day): int(n) for day, n in rows}
    return [(first + timedelta(days=d), float(by_day.get(d, 0))) for d in range(days)]


def revenue_by_source(ws: Workspace) -> dict[str, list[tuple[str, float]]]:
    """Per currency, each source's revenue from the orders it reported, largest first.

    A shop's checkout page tracks an order and its order export sends it again: the
    ``orders`` table keeps the first report only, so counting orders by their stored
    source gave the export only the orders the page missed (314 of the demo's 4,460).
    Here each source counts every order it reported, at the order's stored amount, so
    an order two sources reported counts in both; :func:`order_revenue` counts each once.

    Keyed by :meth:`Money.label` of the currency, the reporting currency first: ``{'UAH': [('web', 1200.0)],
    'USD, not converted': [...]}``. Currencies are never added up unless the workspace has a rate for them.
    """
    money = Money.from_settings(ws.settings)
    rows = ws.db.query(
        f"WITH reported AS (SELECT DISTINCT source_id, {ORDER_ID_SQL} AS order_id FROM events "
        "  WHERE message_key IN (SELECT message_key FROM order_reports "
        "  UNION ALL SELECT message_key FROM order_echoes)) "
        f"SELECT s.name, o.report_currency, coalesce({money_sum('o.report_amount')}, 0) AS revenue "
        f"FROM {money.orders_sql()} o JOIN reported r USING (order_id) JOIN sources s ON s.source_id = r.source_id "
        "GROUP BY ALL ORDER BY revenue DESC, s.name"
    )
    grouped = by_currency((str(name), str(currency), round(float(revenue), 2)) for name, currency, revenue in rows)
    return money.labelled(grouped)


def order_revenue(ws: Workspace) -> dict[str, float]:
    """Revenue of all orders, each counted once, per currency label (as :func:`revenue_by_source` keys it)."""
    money = Money.from_settings(ws.settings)
    rows = ws.db.query(
        f"SELECT report_currency, coalesce({money_sum('report_amount')}, 0) FROM {money.orders_sql()} GROUP BY ALL"
    )
    return money.labelled({str(currency): round(float(amount), 2) for currency, amount in rows})


def overview(ws: Workspace) -> dict[str, Any]:
    """Every figure of the overview page in one dict."""
    now = ws.clock.now()
    profiles = ws.profiles.count()
    identifiers = identifier_count(ws)
    return {
        "now": now,
        "profiles": profiles,
        "identifiers": identifiers,
        "unification": 1 - profiles / identifiers if identifiers else 0.0,
        "events_today": events_since(ws, start_of_day(now)),
        "events_per_day": events_per_day(ws, 30),
        "revenue_by_source": revenue_by_source(ws),
        "order_revenue": order_revenue(ws),
        "sources": ws.access.sources(),
    }
