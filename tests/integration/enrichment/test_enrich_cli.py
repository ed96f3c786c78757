"""``persona360 enrich`` on a real workspace file."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import app


def _workspace(path: Path) -> None:
    with Workspace.open(path) as ws:
        ws.access.add_source("shop")
        ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"firstName": "Mykola"}}])
        ws.privacy.grant(ws.profiles.find("user_id", "u1"), "enrichment")


def test_enrich_json(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    _workspace(db)
    result = CliRunner().invoke(app, ["--db", str(db), "enrich", "--provider", "name", "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["by_trait"] == {"gender": 1}
    assert report["consent_checked"] is True


def test_enrich_table_and_unknown_provider(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    _workspace(db)
    result = CliRunner().invoke(app, ["--db", str(db), "enrich"])
    assert result.exit_code == 0, result.output
    assert "Enriched 1 of 1 profiles" in result.output
    assert "gender" in result.output
    bad = CliRunner().invoke(app, ["--db", str(db), "enrich", "--provider", "nope"])
    assert bad.exit_code != 0
    assert "use one of phone, email" in bad.output
