"""The overview's figures: counts and series no room offers a function for yet.

These are read-only aggregates over tables other rooms own (``events``, ``orders``,
``identifiers``), so by rule 2 they belong in those rooms. They live here, each a
function of the workspace, until ``ingest`` grows ``events_per_day`` and ``profiles``
grows ``revenue_by_source``/``identifier_count``; moving them then is a cut and paste.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from persona360.store.money import Money, by_currency, money_sum

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
    """Order revenue per source that sent the orders, per currency (store/money.py), largest first.

    Keyed by :meth:`Money.label` of the currency, the reporting currency first: ``{'UAH': [('web', 1200.0)],
    'USD, not converted': [...]}``. Currencies are never added up unless the workspace has a rate for them.
    """
    money = Money.from_settings(ws.settings)
    rows = ws.db.query(
        f"SELECT s.name, o.report_currency, coalesce({money_sum('o.report_amount')}, 0) AS revenue "
        f"FROM {money.orders_sql()} o JOIN sources s USING (source_id) GROUP BY ALL ORDER BY revenue DESC, s.name"
    )
    grouped = by_currency((str(name), str(currency), round(float(revenue), 2)) for name, currency, revenue in rows)
    return money.labelled(grouped)


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
        "sources": ws.access.sources(),
    }
