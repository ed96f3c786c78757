"""A workspace the CLI opens shows a progress bar while its schema migrates, and only then.

A long migration of a large workspace showed nothing. The bar goes to stderr (``--json``
stays one document on stdout); an up-to-date or new workspace shows none.
"""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from rich.console import Console
from typer.testing import CliRunner

from integration.workspace.test_migrations import make_older
from persona360.cli import app, state


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the CLI's stderr console draws, as a terminal would get it."""
    drawn = io.StringIO()
    monkeypatch.setattr(state, "errors", Console(file=drawn, force_terminal=True, width=120))
    return drawn


def _settings_json(db: Path) -> list[dict[str, object]]:
    done = CliRunner().invoke(app, ["--db", str(db), "settings", "show", "--json"])
    assert done.exit_code == 0, done.output
    rows: list[dict[str, object]] = orjson.loads(done.stdout)
    return rows


def test_a_workspace_that_needs_migrations_shows_a_bar_while_they_run(tmp_path: Path, shown: io.StringIO) -> None:
    db = tmp_path / "ws.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "init"]).exit_code == 0
    assert shown.getvalue() == ""  # a new workspace is created, not migrated
    make_older(db)
    assert _settings_json(db)  # stdout is still the JSON alone
    drawn = shown.getvalue()
    for step, name in enumerate(("segments_3", "segments_4", "workspace_settings")):
        assert f"Migrating the workspace: {name}" in drawn
        assert f"{step}/3" in drawn
    shown.truncate(0)
    shown.seek(0)
    _settings_json(db)
    assert shown.getvalue() == ""  # up to date: no bar


def test_an_up_to_date_workspace_writes_nothing_to_a_stderr_that_is_no_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command wrote a blank line to a log or a cron job's stderr (cron mails any output)."""
    logged = io.StringIO()
    monkeypatch.setattr(state, "errors", Console(file=logged, force_terminal=False))
    db = tmp_path / "ws.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "init"]).exit_code == 0
    _settings_json(db)
    assert logged.getvalue() == ""
