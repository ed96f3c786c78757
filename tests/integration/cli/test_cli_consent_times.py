"""``consent show`` writes its moments as every command does (``2026-11-01 12:00 UTC``); ``--json`` stays exact.

It printed them with ``str``: ``2026-11-01 12:00:00.123456+00:00``. In-process through
Typer's runner on a real workspace file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import load_settings

NOW_WITH_MICROSECONDS = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)


def consent_show(db: Path, *args: str) -> str:
    done = CliRunner().invoke(app, ["--db", str(db), "consent", "show", "email:ann@example.org", *args])
    assert done.exit_code == 0, done.output
    return done.output


def test_consent_show_writes_moments_as_the_other_commands_and_json_keeps_them_exact(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=db), FixedClock(NOW_WITH_MICROSECONDS), create=True) as ws:
        ws.access.add_source("shop")
        ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": "ann@example.org"}}])
        ann = ws.profiles.find("user_id", "u1")
        ws.privacy.change(
            ann, "marketing", "email", granted=True, expires_at=NOW_WITH_MICROSECONDS + timedelta(days=30)
        )
    table = consent_show(db)  # however wide the console: in 80 columns the time goes under the date
    assert "2026-11-01" in table and "2026-12-01" in table and "12:00 UTC" in table, table
    assert "+00:00" not in table and "123456" not in table and "…" not in table
    (row,) = orjson.loads(consent_show(db, "--json"))["consent"]
    assert row["changed_at"] == "2026-11-01T12:00:00.123456+00:00"
    assert row["expires_at"] == "2026-12-01T12:00:00.123456+00:00"
