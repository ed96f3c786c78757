"""The settings page: what the server runs with, what the workspace keeps, and a form for admins.

A served workspace is held by the server, so ``persona360 settings`` cannot read it; the page
must show what the command shows (for the next start) beside what this server runs with,
keep a change through the same checks and audit, and name a bad value without keeping it.
The real app over ASGI on a real workspace file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integration.web.pages import browse, fetch
from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import load_settings


def row(html: str, name: str) -> str:
    found = re.search(rf'<tr id="setting-{name}">(.*?)</tr>', html, re.S)
    assert found, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=path), clock, create=True) as ws:
        ws.configuration.set("reporting_currency", "UAH")
        ws.configuration.set("exchange_rates", ["PLN 2026-01-01 10.45"])
    return path


def test_the_page_shows_what_the_command_shows_and_what_the_server_runs_with(db: Path, clock: FixedClock) -> None:
    shown = CliRunner().invoke(app, ["--db", str(db), "settings", "show", "--json"])
    assert shown.exit_code == 0, shown.output
    cli = {entry["name"]: entry for entry in json.loads(shown.output)}
    with Workspace(load_settings(db=db), clock) as ws:
        (html,) = fetch(ws, "/settings")
    assert "UAH" in row(html, "reporting_currency") and cli["reporting_currency"]["value"] == "UAH"
    assert "PLN 2026-01-01 10.45" in row(html, "exchange_rates")
    assert "from the workspace" in row(html, "reporting_currency")
    assert "from the default" in row(html, "default_region") and cli["default_region"]["source"] == "default"
    assert "waiting for a restart" not in html
    assert '<a href="/settings"' in html  # in the header's menu


def test_an_admin_keeps_a_value_which_waits_for_a_restart_and_is_audited(db: Path, clock: FixedClock) -> None:
    with Workspace(load_settings(db=db), clock) as ws:
        answers = browse(
            ws,
            [
                ("POST", "/settings/default_region", {"value": " pl "}),
                ("POST", "/settings/exchange_rates", {"value": "PLN 2026-01-01 10.45\n\nUSD 2026-01-01 41.2\n"}),
                ("GET", "/settings?changed=exchange_rates", None),
            ],
        )
        assert [status for status, _ in answers] == [303, 303, 200]  # each POST sends the browser back to the page
        html = answers[-1][1]
        assert "exchange_rates is changed in the workspace" in html
        assert "waiting for a restart" in row(html, "default_region")
        assert ws.settings.default_region == "UA"  # this server still runs with the old one
        entries = ws.db.query("SELECT action, target FROM audit_log WHERE action LIKE 'settings.%' ORDER BY audit_id")
        assert [(action, target) for action, target in entries][-2:] == [
            ("settings.set", "setting:default_region"),
            ("settings.set", "setting:exchange_rates"),
        ]
    with Workspace(load_settings(db=db), clock) as ws:  # the next start takes them
        assert ws.settings.default_region == "PL"
        assert ws.settings.exchange_rates == ["PLN 2026-01-01 10.45", "USD 2026-01-01 41.2"]


def test_a_bad_value_is_named_and_nothing_kept_changes(db: Path, clock: FixedClock) -> None:
    with Workspace(load_settings(db=db), clock) as ws:
        before = ws.configuration.show()
        (status, html), (gone, _) = browse(
            ws,
            [
                ("POST", "/settings/reporting_currency", {"value": "XYZ"}),
                ("POST", "/settings/no_such_setting", {"value": "1"}),
            ],
        )
        assert status == 400 and gone == 404
        alert = re.search(r'<p class="alert error" role="alert">(.*?)</p>', html, re.S)
        assert alert and "reporting_currency" in alert.group(1) and "XYZ" in alert.group(1)
        assert 'value="XYZ"' in html  # the form keeps what was sent, to be corrected
        assert ws.configuration.show() == before


def test_stopping_keeping_a_value_and_who_may_change(db: Path, clock: FixedClock) -> None:
    with Workspace(load_settings(db=db), clock) as ws:
        (html,) = fetch(ws, "/settings", scopes=("profiles:read",))
        assert '<form method="post" action="/settings/' not in html  # a reader sees the values, no forms
        assert "UAH" in row(html, "reporting_currency")
        [(refused, _)] = browse(ws, [("POST", "/settings/revenue_currency", {"value": "EUR"})], ("profiles:read",))
        assert refused == 403
        [(status, _)] = browse(ws, [("POST", "/settings/exchange_rates", {"action": "unset"})])
        assert status == 303
        kept = {entry["name"]: entry["stored"] for entry in ws.configuration.show()}
        assert kept["exchange_rates"] is None and kept["reporting_currency"] == "UAH"
