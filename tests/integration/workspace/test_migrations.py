"""Named migrations: applied once, workspaces from before names still open, and each one told.

A long migration showed nothing: the store now tells a caller (the CLI's progress bar)
of each migration an existing workspace still needs, and otherwise only logs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.settings import load_settings
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


# Migrations a workspace from an older version still needs, made by undoing real ones
# (the two view rewrites run again as they were; the settings table is created again).
OLDER = ("segments_3", "segments_4", "workspace_settings")


def make_older(path: Path) -> None:
    """Turn the workspace at ``path`` into one that still needs the migrations of OLDER."""
    with Workspace.open(path) as ws, ws.db.transaction() as tx:
        tx.execute("DROP TABLE workspace_settings")
        tx.execute("DELETE FROM meta WHERE key IN (SELECT 'migration:' || unnest(?))", [list(OLDER)])


def test_an_existing_workspace_tells_of_each_migration_it_still_needs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    make_older(tmp_path / "ws.duckdb")
    told: list[tuple[int, int, str]] = []
    with caplog.at_level(logging.INFO, logger="persona360.store.database"):
        Workspace(load_settings(db=tmp_path / "ws.duckdb"), on_migration=lambda *step: told.append(step)).close()
    assert told == [(0, 3, "segments_3"), (1, 3, "segments_4"), (2, 3, "workspace_settings")]
    assert [r.getMessage().rsplit(": ", 1)[1] for r in caplog.records] == [
        "segments_3 (1 of 3)",
        "segments_4 (2 of 3)",
        "workspace_settings (3 of 3)",
    ]
    assert capsys.readouterr() == ("", "")  # the library only logs
    Workspace(load_settings(db=tmp_path / "ws.duckdb"), on_migration=lambda *step: told.append(step)).close()
    assert len(told) == 3  # up to date: nothing more to tell


def test_a_new_workspace_is_created_not_migrated(tmp_path: Path) -> None:
    told: list[tuple[int, int, str]] = []
    Workspace(load_settings(db=tmp_path / "ws.duckdb"), create=True, on_migration=lambda *s: told.append(s)).close()
    assert told == []
