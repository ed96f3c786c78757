"""CLV's spend model never silently pools currencies: converted with the user's rates, or marked.

The demo shop sells in UAH, PLN and USD; the Gamma-Gamma fit took their amounts as one
currency. With a reporting currency and rates, spend is converted (store/money.py); without,
the fit report says which currencies it added up.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from integration.predict.test_run import shop_orders
from persona360 import Workspace
from persona360.cli import predict_cmds
from persona360.cli.state import STATE
from persona360.clock import FixedClock
from persona360.ingest.importers.mapping import parse_mapping
from persona360.predict import run_predictions
from persona360.settings import load_settings

MAPPING = ["order_id=order_id", "ordered_at=timestamp", "customer=id:shop", "currency=prop:currency"]
RATE = 10  # 1 PLN = 10 UAH, from long before the first order


def import_orders(ws: Workspace, tmp_path: Path, in_pln: bool) -> None:
    """The same orders; with ``in_pln`` every other customer pays a tenth of the amount in PLN."""
    path = tmp_path / "orders.csv"
    now = ws.clock.now()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "ordered_at", "customer", "revenue", "currency"])
        for index, (customer, ago, revenue) in enumerate(shop_orders()):
            moment = (now - timedelta(days=ago, hours=3)).strftime("%Y-%m-%d %H:%M:%S")
            pln = in_pln and int(customer[1:]) % 2 == 0
            amount = f"{revenue / RATE:.3f}" if pln else revenue
            writer.writerow([f"o{index}", moment, customer, amount, "PLN" if pln else "UAH"])
    assert ws.ingest.import_file(path, source="shop", kind="orders", mapping=parse_mapping(MAPPING)).rejected == 0


def predictions(tmp_path: Path, clock: FixedClock, in_pln: bool, **settings: Any) -> tuple[dict[str, Any], list[Any]]:
    tmp_path.mkdir(exist_ok=True)
    with Workspace(load_settings(db=tmp_path / "ws.duckdb", **settings), clock, create=True) as ws:
        import_orders(ws, tmp_path, in_pln)
        report = run_predictions(ws)
        rows = sorted(
            (ws.profiles.find("id:shop", f"c{n}"), ws.predict.get(ws.profiles.find("id:shop", f"c{n}")))
            for n in range(0, 400, 7)
        )
    return report, [prediction for _, prediction in rows]


def currency_warnings(report: dict[str, Any]) -> list[str]:
    return [warning for warning in report["warnings"] if "currencies" in warning]


def test_spend_in_two_currencies_is_marked_in_the_fit_report(tmp_path: Path, clock: FixedClock) -> None:
    report, _ = predictions(tmp_path, clock, in_pln=True)
    assert report["spend_currencies"] == ["PLN", "UAH"]
    assert currency_warnings(report) == [
        "spend is in 2 currencies (PLN, UAH): the spend model and CLV add them up as one; "
        "set reporting_currency and exchange_rates to convert them"
    ]


def test_with_a_rate_the_model_sees_the_same_money_as_a_one_currency_shop(tmp_path: Path, clock: FixedClock) -> None:
    plain, expected = predictions(tmp_path / "uah", clock, in_pln=False)
    report, converted = predictions(
        tmp_path / "pln", clock, in_pln=True, reporting_currency="UAH", exchange_rates=[f"PLN 2000-01-01 {RATE}"]
    )
    # (a warning that a spend parameter stopped at its search bound may come with both)
    assert (plain["spend_currencies"], currency_warnings(plain)) == (["UAH"], [])
    assert (report["spend_currencies"], currency_warnings(report)) == (["UAH"], [])
    # the same amounts up to the last bit of a mean; Gamma-Gamma's q and gamma are weakly
    # identified (they move together), so compare what they give: expected spend and CLV
    assert [p["clv"] for p in converted] == pytest.approx([p["clv"] for p in expected], rel=1e-3)
    assert [p["expected_spend"] for p in converted] == pytest.approx([p["expected_spend"] for p in expected], rel=1e-3)


def test_the_cli_report_prints_the_warning(tmp_path: Path, clock: FixedClock) -> None:
    predictions(tmp_path, clock, in_pln=True)
    app = typer.Typer()
    app.callback()(lambda: None)
    predict_cmds.register(app)
    STATE.db = tmp_path / "ws.duckdb"
    try:
        shown = CliRunner().invoke(app, ["predict", "report"])
    finally:
        STATE.db = None
    assert shown.exit_code == 0, shown.output
    assert "Warning: spend is in 2 currencies (PLN, UAH)" in " ".join(shown.stdout.split())
