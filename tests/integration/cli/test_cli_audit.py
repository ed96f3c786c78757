"""``persona360 audit`` filters by actor and action as the web's audit page does, with the same query.

The web had actor and action filters; the CLI had only ``--target``. In-process through
Typer's runner on a real workspace file; the web page through the real app over ASGI.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from integration.web.pages import fetch
from persona360 import Workspace
from persona360.cli import app

ENTRIES = [
    ("web:shop-owner", "consent.grant", "profile:1"),
    ("web:shop-owner", "consent.withdraw", "profile:2"),
    ("web:shop-owner", "profile.read", "profile:1"),
    ("cli", "consent.grant", "profile:3"),
]


def run(db: Path, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, ["--db", str(db), "audit", *args], env={"COLUMNS": "160"})
    return done.exit_code, done.output


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-audit") / "ws.duckdb"
    with Workspace.open(path) as ws:
        for actor, action, target in ENTRIES:
            ws.privacy.audit(actor, action, target, {"purpose": "marketing", "granted": action.endswith("grant")})
    return path


def targets(db: Path, *args: str) -> list[tuple[str, str, str]]:
    code, output = run(db, "--json", *args)
    assert code == 0, output
    rows = orjson.loads(output)
    return [(r["actor"], r["action"], r["target"]) for r in rows if r["action"] != "access.token_create"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--actor", "web:shop-owner", "--action", "consent"], [ENTRIES[1], ENTRIES[0]]),
        (["--action", "consent.grant"], [ENTRIES[3], ENTRIES[0]]),
        (["--actor", "cli"], [ENTRIES[3]]),
        (["--actor", "web:shop"], []),  # an actor matches whole, an action by its start
        (["--actor", " ", "--action", ""], ENTRIES[::-1]),  # a blank filter filters nothing, as in the web form
    ],
)
def test_actor_and_action_filter_the_trail(db: Path, args: list[str], expected: list[tuple[str, str, str]]) -> None:
    assert targets(db, *args) == expected


def test_the_web_page_lists_what_the_cli_lists_for_the_same_filters(db: Path) -> None:
    with Workspace.open(db) as ws:
        (page,) = fetch(ws, "/audit?actor=web%3Ashop-owner&action=consent&target=")
    listed = re.findall(r"<td>(web:shop-owner|cli)</td><td>([a-z._]+)</td>", page)
    listed_by_cli = targets(db, "--actor", "web:shop-owner", "--action", "consent")
    assert listed == [(actor, action) for actor, action, _ in listed_by_cli]


def test_the_table_reads_as_text_and_says_when_nothing_matches(db: Path) -> None:
    code, output = run(db, "--actor", "web:shop-owner", "--action", "consent.withdraw")
    assert code == 0 and "profile:2" in output and "purpose:" in output and "marketing," in output
    assert "{'" not in output and "False" not in output and "…" not in output  # folded in 80 columns, never cut
    code, output = run(db, "--actor", "nobody")
    assert code == 0 and "No entries match the filters." in output


def test_a_limit_below_one_is_refused(db: Path) -> None:
    code, output = run(db, "--limit", "0")
    assert code == 2 and "--limit" in output
