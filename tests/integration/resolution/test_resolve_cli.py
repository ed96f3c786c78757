"""``persona360 resolve`` and ``review`` against a real file.

In-process (Typer's runner) rather than one process per command: importing the
package takes tens of seconds on a loaded machine, and this test runs eight commands.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from integration.resolution.look_alikes import send_two_likely_pairs
from persona360 import Workspace
from persona360.cli import app


def run(db: Path, *args: str, ok: bool = True) -> Result:
    done = CliRunner().invoke(app, ["--db", str(db), *args], env={"COLUMNS": "200"})
    assert (done.exit_code == 0) is ok, done.output
    return done


def _two_likely_pairs(db: Path) -> None:
    with Workspace.open(db) as ws:
        ws.access.add_source("shop")
        send_two_likely_pairs(ws, "shop")


def test_resolve_then_accept_and_reject_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    _two_likely_pairs(db)
    assert "2 queued for review" in run(db, "resolve").stdout
    pending = json.loads(run(db, "review", "list", "--json").stdout)
    assert [p["status"] for p in pending] == ["pending", "pending"]
    assert all(p["explanation"]["match_weights"]["name"] > 0 for p in pending)  # each pair carries its evidence
    listed = run(db, "review", "list").stdout
    assert "pending" in listed and "shown" not in listed  # the whole queue: nothing to say
    assert "1 of 2 pending pairs shown" in run(db, "review", "list", "--limit", "1").stdout
    first, second = (str(p["pair_id"]) for p in pending)
    assert "Merged into profile" in run(db, "review", "accept", first).stdout
    assert f"Rejected pair {second}" in run(db, "review", "reject", second).stdout
    assert "already rejected" in run(db, "review", "accept", second, ok=False).output
    assert "no review pair 99" in run(db, "review", "reject", "99", ok=False).output
    later = json.loads(run(db, "resolve", "--json").stdout)
    assert (later["incremental"], later["records"], later["queued"]) == (True, 0, 0)
    again = json.loads(run(db, "resolve", "--retrain", "--json").stdout)
    assert (again["incremental"], again["records"], again["queued"], again["skipped"]) == (False, 3, 0, 1)
    decided = json.loads(run(db, "review", "list", "--status", "all", "--json").stdout)
    assert sorted(p["status"] for p in decided) == ["accepted", "rejected"]
