"""The demo shop sells in UAH, PLN and USD, and compares its customers' revenue in UAH.

``persona360 demo`` keeps the reporting currency and the catalogue's own rates in the
workspace, as a shop selling abroad would set them once (``persona360 settings set``),
unless the environment sets either; a command run later without any environment variable
then reports in UAH too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from persona360.cli import app
from persona360.demo.catalogue import exchange_rates


def run_demo_cli(out: Path) -> tuple[str, list[tuple[str, int]]]:
    result = CliRunner().invoke(
        app, ["demo", "--customers", "20", "--days", "5", "--feed", "direct", "--no-serve", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(out / "persona360.duckdb"), read_only=True) as db:
        currencies = db.execute(
            "SELECT currency, count(*) FROM profiles WHERE currency IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()
    return result.output, currencies


def test_the_demo_compares_revenue_in_uah_at_the_catalogues_rates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PERSONA360_REPORTING_CURRENCY", "PERSONA360_EXCHANGE_RATES"):
        monkeypatch.delenv(name, raising=False)
    output, currencies = run_demo_cli(tmp_path / "shop")
    assert [currency for currency, _ in currencies] == ["UAH"]
    assert "revenue is compared in UAH at the catalogue's rates" in " ".join(output.split())
    assert "export" not in output, "nothing to export: the workspace keeps its currency"
    shown = CliRunner().invoke(app, ["--db", str(tmp_path / "shop" / "persona360.duckdb"), "settings", "show"])
    assert "UAH" in shown.output and "workspace" in shown.output
    revenue = CliRunner().invoke(
        app, ["--db", str(tmp_path / "shop" / "persona360.duckdb"), "profiles", "list", "--sort", "revenue"]
    )
    assert revenue.exit_code == 0, revenue.output
    assert " UAH" in revenue.output and " USD" not in revenue.output and " PLN" not in revenue.output


def test_the_environment_decides_the_demos_currency_when_it_sets_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERSONA360_REPORTING_CURRENCY", "")  # set, and empty: keep each currency apart
    monkeypatch.delenv("PERSONA360_EXCHANGE_RATES", raising=False)
    output, currencies = run_demo_cli(tmp_path / "shop")
    assert len(currencies) > 1
    assert "revenue is compared in" not in output


def test_the_rates_are_the_ones_the_prices_were_made_with() -> None:
    assert exchange_rates(date(2026, 8, 3)) == ["PLN 2026-08-03 10.25", "USD 2026-08-03 41"]
