"""Names in any alphabet through the command line: a real process, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from integration.cli.test_cli import run


def test_a_segment_named_in_ukrainian_is_created_shown_and_used_by_name(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    run(db, "init")
    created = json.loads(run(db, "segments", "create", "Постійні клієнти", "event_count >= 0", "--json").stdout)
    assert created["name"] == "Постійні клієнти"
    assert "Постійні клієнти" in run(db, "segments", "show", "Постійні клієнти").stdout
    run(db, "segments", "preview", 'in_segment("Постійні клієнти")')
