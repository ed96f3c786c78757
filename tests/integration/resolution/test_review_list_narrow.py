"""``review list`` in 80 columns (piped, no terminal) shows the whole of both identifiers a reviewer compares.

Side by side, Rich cut both to "email:grzesk… (#1225)" and "email:grzesko… (#10852)":
exactly the part that tells the two apart was gone.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import app

# look-alike people whose ids differ only at their ends, longer than any column of 80
IDS = [f"customer-olena.shevchuk-kyiv-{n}-registered-2019-via-the-old-shop-{n}" for n in ("0001", "0002")]


def test_the_two_identifiers_of_a_pair_are_never_cut_short(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace.open(db) as ws:
        ws.access.add_source("shop")
        traits = {"name": "Olena Shevchuk", "address": {"city": "Kyiv"}}
        ws.ingest.send("shop", [{"type": "identify", "userId": user, "traits": traits} for user in IDS])
        assert ws.resolution.resolve().queued == 1
    listed = CliRunner().invoke(app, ["--db", str(db), "review", "list"], env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in listed.output
    # the column, read down: folded lines join up again (Rich breaks at a space, or mid-word when it must)
    compared = "".join(line.split("│")[2].replace(" ", "") for line in lines if line.count("│") == 4)
    assert f"a#1user_id:{IDS[0]}" in compared and f"b#2user_id:{IDS[1]}" in compared
