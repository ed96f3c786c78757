"""``profile show`` and ``review list`` name a resolver's rule as the profile card does.

The CLI printed the edge's stored code, ``probabilistic``, for a home network or device
handover merge, where the web said "home network rule"; and ``manual_merge`` where the
web said "manual merge". In-process through Typer's runner on a workspace the real
rules resolved.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from integration.resolution.test_home_networks import HOME, _customer, _laptop
from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import load_settings


def cli(db: Path, *args: str) -> str:
    done = CliRunner().invoke(app, ["--db", str(db), *args])
    assert done.exit_code == 0, done.output
    return " ".join(done.output.replace("│", " ").split())


def test_a_home_network_merge_is_named_by_its_rule_in_the_cli_as_on_the_web(tmp_path: Path, clock: FixedClock) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=db), clock, create=True) as ws:
        ws.access.add_source("web")
        ws.ingest.send("web", _customer("u1", 0) + _laptop(50))
        ws.ingest.send("web", [{"type": "identify", "userId": "u9", "traits": {"email": "u9@example.org"}}])
        assert ws.resolution.resolve().homes == 1
        ws.identity.merge(("user_id", "u1"), ("user_id", "u9"))
    shown = cli(db, "profile", "show", "user_id:u1")
    assert "home network rule" in shown and "manual merge" in shown
    assert "probabilistic" not in shown and "manual_merge" not in shown
    pairs = cli(db, "review", "list", "--status", "merged")
    assert "home network rule" in pairs and f"network {HOME}::/64" in pairs and "home_network" not in pairs
