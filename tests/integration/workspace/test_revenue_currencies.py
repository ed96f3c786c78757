"""A profile's revenue is told per currency: what it paid in UAH and in USD is never one figure.

The stored ``revenue`` and ``avg_order_value`` are in one currency per profile (see
test_profile_currency.py); ``revenue_by_currency`` and ``average_order_by_currency``,
every currency the profile paid in, are what the API, the CLI and the pages show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import typer
from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import profile_cmds
from persona360.cli.state import STATE
from persona360.clock import FixedClock
from persona360.settings import load_settings

ORDERS = [("o1", 1000.0, "UAH"), ("o2", 500.0, "UAH"), ("o3", 20.0, "usd")]


def buyer(ws: Workspace, orders: list[tuple[str, float, str]]) -> int:
    ws.access.ensure_source("web")
    ws.ingest.send(
        "web",
        [
            {"type": "track", "userId": "u1", "event": "Order Completed", "timestamp": "2026-10-20T12:00:00Z",
             "properties": {"order_id": order_id, "revenue": revenue, "currency": currency}}
            for order_id, revenue, currency in orders
        ],
    )  # fmt: skip
    return ws.profiles.find("user_id", "u1")


def test_show_and_list_tell_revenue_per_currency(workspace: Workspace) -> None:
    profile_id = buyer(workspace, ORDERS)
    shown = workspace.profiles.show(profile_id)
    assert shown["revenue_by_currency"] == {"UAH": 1500.0, "USD": 20.0}
    assert shown["average_order_by_currency"] == {"UAH": 750.0, "USD": 20.0}
    listed = workspace.profiles.list(limit=5)
    assert [row["revenue_by_currency"] for row in listed] == [{"UAH": 1500.0, "USD": 20.0}]


def test_with_rates_revenue_is_converted_and_the_rest_marked(tmp_path: Path, clock: FixedClock) -> None:
    settings = load_settings(db=tmp_path / "ws.duckdb", reporting_currency="UAH", exchange_rates=["USD 2026-10-01 41"])
    with Workspace(settings, clock, create=True) as ws:
        profile_id = buyer(ws, [*ORDERS, ("o4", 10.0, "PLN")])
        shown = ws.profiles.show(profile_id)
    assert shown["revenue_by_currency"] == {"UAH": 1500.0 + 20 * 41, "PLN, not converted": 10.0}
    assert shown["average_order_by_currency"] == {"UAH": round((1500.0 + 20 * 41) / 3, 2), "PLN, not converted": 10.0}


def test_a_profile_without_orders_has_no_revenue_by_currency(workspace: Workspace) -> None:
    workspace.access.ensure_source("web")
    workspace.ingest.send("web", [{"type": "identify", "userId": "u2", "traits": {"email": "a@example.org"}}])
    assert workspace.profiles.show(workspace.profiles.find("user_id", "u2"))["revenue_by_currency"] == {}


def cli(db: Path, *args: str) -> Any:
    app = typer.Typer()
    app.callback()(lambda: None)
    profile_cmds.register(app)
    STATE.db = db
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        STATE.db = None


def test_the_cli_lists_revenue_per_currency(workspace: Workspace) -> None:
    buyer(workspace, ORDERS)
    db = Path(workspace.settings.db)
    workspace.close()
    listed = cli(db, "profiles", "list")
    assert listed.exit_code == 0, listed.output
    assert "1,500.00 UAH;" in listed.stdout and "20.00 USD" in listed.stdout  # the table may wrap the cell
    answer = orjson.loads(cli(db, "profiles", "list", "--json").stdout)
    assert answer[0]["revenue_by_currency"] == {"UAH": 1500.0, "USD": 20.0}
