"""Commands with a progress bar write only their output when stdout and stderr are no terminal.

``persona360 import ... > out.txt`` began with a blank line (Rich ends a bar off a
terminal with one): scripts and cron jobs that keep the output got stray lines. Run as a
real process, its stdout and stderr pipes, the way a script runs it.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from integration.cli.test_cli import run


def _command(name: str, db: Path) -> list[str]:
    """``name`` with what it needs: a small customers export for ``import``."""
    if name != "import":
        return [name]
    customers = db.parent / "customers.csv"
    customers.write_text("customer_id,email,first_name\n1,ann@example.com,Ann\n2,bob@example.com,Bob\n")
    return ["import", str(customers), "--source", "shop", "--kind", "customers", "--map", "customer_id=user_id"]


@pytest.mark.parametrize("name", ["import", "rebuild", "enrich"])
def test_a_command_with_a_bar_writes_no_stray_line_off_a_terminal(tmp_path: Path, name: str) -> None:
    db = tmp_path / "ws.duckdb"
    run(db, "init")
    told = run(db, *_command(name, db))
    assert told.stderr == ""
    assert told.stdout.strip() and not told.stdout.startswith("\n") and "\n\n" not in told.stdout
    document = run(db, *_command(name, db), "--json")
    assert document.stderr == ""
    assert document.stdout.count("\n") == 1
    assert isinstance(orjson.loads(document.stdout), dict)
