"""Every DuckDB database persona360 opens is bounded by ``memory_limit`` and spills to a known folder.

Unbounded, each would cache up to 80% of the machine's memory; a million-person demo
held two of them beside its identity graph and was killed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from persona360 import Workspace
from persona360.errors import WorkspaceError
from persona360.resolution.backend import database_api
from persona360.settings import Settings
from persona360.store.database import Database
from persona360.store.files import ExportFile

MIB = 1024 * 1024


def _limits(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    size, folder = con.execute(
        "SELECT (SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'), current_setting('temp_directory')"
    ).fetchone()  # type: ignore[misc]
    return _bytes(size), folder


def _bytes(text: str) -> int:
    number, unit = text.split()
    return int(float(number) * {"MiB": MIB, "GiB": 1024 * MIB, "KiB": 1024}[unit])


def test_the_workspace_holds_at_most_its_memory_limit_and_spills_beside_its_file(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace(Settings(db=db, memory_limit="256MB"), create=True) as ws:
        size, folder = _limits(ws.db._reader())
    assert 240 * MIB <= size <= 256 * MIB
    assert folder == f"{db}.tmp"


def test_the_default_is_a_share_of_memory_not_duckdbs_eighty_percent(tmp_path: Path) -> None:
    with Workspace(Settings(db=tmp_path / "ws.duckdb"), create=True) as ws:
        ours, _ = _limits(ws.db._reader())
    theirs, _ = _limits(duckdb.connect())
    assert ours == pytest.approx(theirs * 30 / 80, rel=0.02)


def test_splinks_database_and_the_file_reader_are_bounded_too(tmp_path: Path) -> None:
    csv = tmp_path / "contacts.csv"
    csv.write_text("email\njane@example.org\n")
    splink = database_api("duckdb", "300MB")
    reader = ExportFile(csv, memory_limit="200MB")
    (splink_size, splink_folder), (reader_size, _) = _limits(splink._con), _limits(reader._con)
    assert 280 * MIB <= splink_size <= 300 * MIB and 180 * MIB <= reader_size <= 200 * MIB
    assert Path(splink_folder).name.startswith("persona360-spill-")  # not ./.tmp wherever the user stands


def test_a_memory_limit_duckdb_cannot_read_is_refused_by_name_and_the_file_kept(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace(Settings(db=db), create=True) as ws:
        ws.access.ensure_source("web")
        ws.ingest.send("web", [{"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org"}}])
    with pytest.raises(WorkspaceError, match="memory_limit 'lots'"):
        Database(db, create=False, memory_limit="lots")
    with Workspace(Settings(db=db)) as ws:
        assert ws.profiles.count() == 1
