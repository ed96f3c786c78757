"""Named migrations: applied once, and workspaces from before names still open."""

from __future__ import annotations

from pathlib import Path

from persona360 import Workspace
from persona360.store.schema import MIGRATIONS


def _applied(ws: Workspace) -> list[str]:
    return sorted(str(r[0]) for r in ws.db.query("SELECT key FROM meta WHERE starts_with(key, 'migration:')"))


def test_each_migration_is_recorded_once(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        first = _applied(ws)
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        assert _applied(ws) == first == sorted(f"migration:{name}" for name, _ in MIGRATIONS)


def test_a_workspace_counted_by_version_number_opens_and_keeps_its_data(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        ws.access.add_source("web")
        with ws.db.transaction() as tx:  # what the first three migrations left behind before names
            tx.execute("DELETE FROM meta WHERE key IN ('migration:core', 'migration:segments', 'migration:predict')")
            tx.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        assert ws.access.source("web").name == "web"
        assert len(_applied(ws)) == len(MIGRATIONS)
        assert ws.db.scalar("SELECT count(*) FROM meta WHERE key = 'schema_version'") == 0
