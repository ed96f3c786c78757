"""Every list of a new workspace says what there is none of and the command that makes one.

``segments list`` and ``review list`` printed a bare header, where the web UI's empty
states say what to do next. ``--json`` stays an empty list, for scripts.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from persona360.cli import app

EMPTY_LISTS = [
    (["sources", "list"], "No sources yet: add one with `persona360 sources add NAME`"),
    (["tokens", "list"], "No admin tokens yet: create one with `persona360 tokens create --scope SCOPE`."),
    (["campaigns", "list"], "No campaigns yet: create one with `persona360 campaigns create NAME --template FILE`."),
    (["segments", "list"], "No segments yet: create one with `persona360 segments create NAME CONDITION`."),
    (["segments", "triggers"], "No triggers yet: add one with `persona360 segments trigger SEGMENT --url URL`."),
    (["segments", "deliveries"], "No deliveries yet: a trigger delivers as profiles enter or exit."),
    (["segments", "deliveries", "--status", "dead"], "No dead deliveries."),
    (["traits", "list"], "No computed traits yet: define one with `persona360 traits define NAME DEFINITION`."),
    (["surveys", "list"], "No surveys yet: define one with `persona360 surveys create FILE.yaml`."),
    (["profiles", "list"], "No profiles yet: import an export with `persona360 import`, or send events"),
    (["profiles", "list", "--currency", "PLN"], "No profiles with revenue in PLN."),
    (["review", "list"], "Nothing to review: run `persona360 resolve` to look for pairs."),
    (["review", "list", "--status", "all"], "No pairs yet: run `persona360 resolve` to look for them."),
    (["review", "list", "--status", "rejected"], "No rejected pairs."),
    (["personas", "list"], "No personas yet: build them with `persona360 personas build`."),
]


def _cli(db: Path, *args: str) -> str:
    done = CliRunner().invoke(app, ["--db", str(db), *args], env={"COLUMNS": "80"})
    assert done.exit_code == 0, done.output
    return done.stdout


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("empty") / "ws.duckdb"
    _cli(path, "init")
    return path


@pytest.mark.parametrize(
    ("args", "said"), EMPTY_LISTS, ids=lambda value: "-".join(value) if isinstance(value, list) else ""
)
def test_an_empty_list_says_what_to_do_and_json_stays_an_empty_list(db: Path, args: list[str], said: str) -> None:
    shown = _cli(db, *args)
    assert said in shown
    assert "┏" not in shown  # no bare header
    assert orjson.loads(_cli(db, *args, "--json")) == []


def test_a_list_with_rows_shows_them_and_no_hint(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    _cli(db, "init")
    _cli(db, "sources", "add", "shop-web")
    shown = _cli(db, "sources", "list")
    assert "shop-web" in shown
    assert "No sources" not in shown
