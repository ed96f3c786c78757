"""A shop sets its reporting currency once, in the workspace, and every front end reads it.

The reporting currency lived only in environment variables: the web (served with them)
and the CLI (run without them) showed one person's revenue as "9,180.72 UAH" and
"223.92 USD". ``persona360 settings set`` keeps it in the workspace file; an argument wins
over the environment, which wins over the workspace, which wins over the default.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from integration.web.pages import fetch
from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import SettingValueError, load_settings

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MONEY = ("PERSONA360_REPORTING_CURRENCY", "PERSONA360_EXCHANGE_RATES", "PERSONA360_REVENUE_CURRENCY")


@pytest.fixture(autouse=True)
def no_money_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*MONEY, "PERSONA360_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """One person who paid 100 UAH and 10 USD."""
    path = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=path), FixedClock(NOW), create=True) as ws:
        ws.access.add_source("web")
        for order_id, revenue, currency in (("o1", 100.0, "UAH"), ("o2", 10.0, "USD")):
            properties = {"order_id": order_id, "revenue": revenue, "currency": currency}
            ws.ingest.send("web", [{"type": "track", "userId": "ann", "event": "Order Completed",
                                    "properties": properties, "timestamp": "2026-10-20T12:00:00Z"}])  # fmt: skip
    return path


def cli(db: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def web_revenue(db: Path) -> str:
    with Workspace(load_settings(db=db)) as ws:
        page = fetch(ws, f"/profiles/{ws.profiles.find('user_id', 'ann')}")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", page.split("<dt>Revenue</dt>")[1].split("</dd>")[0]).split())


def cli_revenue(db: Path) -> dict[str, float]:
    shown = CliRunner().invoke(app, ["--db", str(db), "profile", "show", "user_id:ann", "--json"]).output
    return dict(orjson.loads(shown)["revenue_by_currency"])


def test_the_cli_and_the_web_report_the_currency_the_workspace_keeps(db: Path) -> None:
    assert "USD" in web_revenue(db)  # nothing kept: each currency apart
    cli(db, "settings", "set", "reporting_currency", "uah")
    cli(db, "settings", "set", "exchange_rates", "USD 2026-01-01 41")
    assert web_revenue(db) == "510.00 UAH"  # 100 UAH + 10 USD at 41
    assert cli_revenue(db) == {"UAH": 510.0}
    assert "revenue 510.00 UAH" in cli(db, "profile", "show", "user_id:ann")


def test_show_says_where_each_value_comes_from(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli(db, "settings", "set", "reporting_currency", "UAH")
    rows = {row["name"]: row for row in orjson.loads(cli(db, "settings", "show", "--json"))}
    assert (rows["reporting_currency"]["value"], rows["reporting_currency"]["source"]) == ("UAH", "workspace")
    assert (rows["default_region"]["value"], rows["default_region"]["source"]) == ("UA", "default")
    monkeypatch.setenv("PERSONA360_REPORTING_CURRENCY", "PLN")
    rows = {row["name"]: row for row in orjson.loads(cli(db, "settings", "show", "--json"))}
    assert rows["reporting_currency"] == {
        "name": "reporting_currency", "variable": "PERSONA360_REPORTING_CURRENCY", "value": "PLN",
        "source": "environment", "stored": "UAH",
    }  # fmt: skip


def test_an_argument_wins_over_the_environment_which_wins_over_the_workspace(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(db, "settings", "set", "reporting_currency", "UAH")
    cli(db, "settings", "set", "exchange_rates", "USD 2026-01-01 41")
    cli(db, "settings", "set", "default_region", "pl")
    with Workspace.open(db) as ws:
        assert (ws.settings.reporting_currency, ws.settings.exchange_rates) == ("UAH", ["USD 2026-01-01 41"])
        assert ws.settings.default_region == "PL"
    monkeypatch.setenv("PERSONA360_DEFAULT_REGION", "DE")
    monkeypatch.setenv("PERSONA360_REPORTING_CURRENCY", "USD")
    with Workspace.open(db) as ws:
        # the rates into UAH do not follow the environment's USD: the two come from one place
        assert (ws.settings.reporting_currency, ws.settings.exchange_rates) == ("USD", [])
        assert ws.settings.default_region == "DE"
        assert ws.profiles.show(ws.profiles.find("user_id", "ann"))["revenue_by_currency"] == {
            "USD": 10,
            "UAH, not converted": 100,
        }
    with Workspace.open(db, default_region="FR", reporting_currency="") as ws:
        assert (ws.settings.default_region, ws.settings.reporting_currency) == ("FR", "")
    assert "not used while PERSONA360_REPORTING_CURRENCY is given by the environment" in cli(
        db, "settings", "set", "exchange_rates", "PLN 2026-01-01 10"
    )


def test_unset_gives_the_default_back_and_both_are_audited(db: Path) -> None:
    cli(db, "settings", "set", "revenue_currency", "PLN")
    with Workspace.open(db) as ws:
        assert ws.settings.revenue_currency == "PLN"
    assert "no longer keeps revenue_currency" in cli(db, "settings", "unset", "revenue_currency")
    assert "keeps no revenue_currency" in cli(db, "settings", "unset", "revenue_currency")
    with Workspace.open(db) as ws:
        assert ws.settings.revenue_currency == "UAH"
        entries = ws.privacy.audit_log(2, action="settings")
    trail = [(e["actor"], e["action"], e["target"], e["detail"]) for e in entries]
    assert trail == [
        ("cli", "settings.unset", "setting:revenue_currency", {"previous": "PLN"}),
        ("cli", "settings.set", "setting:revenue_currency", {"value": "PLN", "previous": None}),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["db", "x.duckdb"], "db is a setting of the machine or a secret, not of the shop's data"),
        (["memory_limit", "4GB"], "set PERSONA360_MEMORY_LIMIT in the environment instead"),
        (["smtp_password", "x"], "the workspace does not keep it"),
        (["colour", "blue"], "there is no setting 'colour': the workspace keeps reporting_currency, exchange_rates"),
        (["reporting_currency", "€"], "reporting_currency '€' is not a three-letter currency code such as UAH"),
        (["reporting_currency", "XYZ"], "reporting_currency 'XYZ' is not an ISO 4217 currency"),
        (["reporting_currency", "UAH", "PLN"], "reporting_currency takes one value, not 2"),
        (["revenue_currency", "euro"], "revenue_currency 'euro' is not a three-letter currency code"),
        (["default_region", "Ukraine"], "default_region 'Ukraine' is not a region code phone numbers are read in"),
        (["exchange_rates", "PLN 10"], "exchange rate 'PLN 10' has 2 parts, not 3"),
        (["exchange_rates", '["PLN 2026-01-01 10"'], "exchange_rates: '[\"PLN 2026-01-01 10\"' is not a JSON list"),
        (["exchange_rates", "PLN 2026-01-01 10"], "exchange rates are given but no reporting currency"),
    ],
)
def test_bad_names_and_values_are_refused_by_name(db: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["--db", str(db), "settings", "set", *args])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    with Workspace.open(db) as ws:
        assert ws.configuration.show()[0]["stored"] is None and not ws.privacy.audit_log(1, action="settings")


def test_a_bad_value_gets_the_error_its_environment_variable_gets(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = cli(db, "settings", "set", "reporting_currency", "€", code=1)
    monkeypatch.setenv("PERSONA360_REPORTING_CURRENCY", "€")
    assert cli(db, "settings", "show", code=1) == stored  # one clear line, no traceback


def test_a_value_that_is_no_longer_valid_stops_the_workspace_opening_by_name(db: Path) -> None:
    with Workspace.open(db) as ws:
        ws.configuration.set("reporting_currency", "UAH")
        ws.configuration.set("exchange_rates", ["USD 2026-01-01 41"])
        with pytest.raises(SettingValueError, match="exchange rates are given but no reporting currency"):
            ws.configuration.unset("reporting_currency")  # the rates would be left converting into nothing
        with ws.db.transaction() as tx:  # as an older version or a hand edit could leave it
            tx.execute("UPDATE workspace_settings SET value = '\"€\"' WHERE name = 'reporting_currency'")
    with pytest.raises(SettingValueError, match="a setting kept in the workspace: reporting_currency '€'"):
        Workspace.open(db)
    assert "reporting_currency '€'" in cli(db, "settings", "show", code=1)
