"""The CLI writes money as the web does: ``segments preview`` showed "13375.00" where the web showed UAH.

``--json`` keeps plain numbers, for scripts.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from integration.web.test_money_shown import money_workspace
from persona360.cli import app


def _cli(db: Path, *args: str) -> str:
    done = CliRunner().invoke(app, ["--db", str(db), *args], env={"COLUMNS": "160"})
    assert done.exit_code == 0, done.output
    return done.stdout


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-money") / "ws.duckdb"
    money_workspace(path).close()
    return path


def test_a_preview_shows_revenue_with_its_currency_and_a_zero_in_it(db: Path) -> None:
    shown = _cli(db, "segments", "preview", "event_count >= 1")
    assert "13,375.00 UAH" in shown
    assert "0.00 UAH" in shown
    assert "13375.00" not in shown


def test_a_previews_json_keeps_plain_numbers(db: Path) -> None:
    sample = orjson.loads(_cli(db, "segments", "preview", "event_count >= 1", "--json"))["sample"]
    assert sorted(row["revenue"] for row in sample) == [0, 13375]


def test_the_profiles_list_and_card_write_no_revenue_as_a_zero_in_the_currency(db: Path) -> None:
    assert "0.00 UAH" in _cli(db, "profiles", "list")
    assert "0.00 UAH" in _cli(db, "profile", "show", "browser@example.org")


def test_an_amount_stays_on_one_line_in_an_80_column_profiles_list(db: Path) -> None:
    done = CliRunner().invoke(app, ["--db", str(db), "profiles", "list"], env={"COLUMNS": "80"})
    assert done.exit_code == 0, done.output
    assert "13,375.00 UAH" in done.stdout  # split over two lines, neither half would match
