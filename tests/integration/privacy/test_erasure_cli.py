"""``erase``, ``export-person``, ``retention run`` and ``suppression lift`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from persona360 import Workspace

BIN = Path(sys.executable).parent / "persona360"
EMAIL = "mariia.clierase@cli-probe.org"
RULES = '{"type:page": 30, "identifiers:orders": 30}'


def run(db: Path, *args: str, ok: bool = True, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PERSONA360_DB": str(db), "COLUMNS": "160", "PERSONA360_RETENTION_DAYS": RULES}
    done = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, input=stdin, timeout=300)
    assert (done.returncode == 0) is ok, done.stderr
    return done


@pytest.mark.slow
@pytest.mark.timeout(1200)  # six CLI processes, each importing the whole app (~30 s on a loaded machine)
def test_export_then_erase_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    with Workspace.open(db) as ws:
        ws.access.add_source("shop")
        ws.ingest.send("shop", [{"type": "identify", "userId": "u1", "traits": {"email": EMAIL}}])
        ws.ingest.send("shop", [{"type": "page", "userId": "u1", "timestamp": "2020-01-01T00:00:00Z"}])
        ws.access.add_source("orders")
        delivered = {"type": "track", "userId": "u2", "event": "Order Delivered", "timestamp": "2020-01-02T00:00:00Z"}
        ws.ingest.send("orders", [{**delivered, "context": {"traits": {"phone": "+380671230000"}}}])
    out = tmp_path / "mariia.json"
    run(db, "export-person", EMAIL, "--out", str(out))
    assert json.loads(out.read_text())["identifiers"][0]["value"] in (EMAIL, "u1")

    plan = json.loads(run(db, "retention", "run", "--dry-run", "--json").stdout)
    assert (plan["dry_run"], plan["events"], plan["by_rule"]) == (True, 1, {"type:page": 1, "identifiers:orders": 1})
    listing = run(db, "retention", "run", "--dry-run").stdout
    assert "identifiers:orders: 1 identifiers" in listing and " phone (last record 2020-01-02" in listing

    refused = run(db, "erase", f"email:{EMAIL}", ok=False, stdin="n\n")
    assert "nothing erased" in refused.stderr
    done = json.loads(run(db, "erase", f"email:{EMAIL}", "--yes", "--json").stdout)
    assert done["rewritten"] and done["kinds"] == {"email": 1, "user_id": 1}
    assert EMAIL.encode() not in db.read_bytes()
    assert "Suppression lifted" in run(db, "suppression", "lift", EMAIL).stdout
    with Workspace.open(db) as ws:
        actions = [row["action"] for row in ws.privacy.audit_log(10)]
    assert actions[:3] == ["suppression.lifted", "erasure.completed", "export.person"]
