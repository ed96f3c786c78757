"""The demo's summary prints the figures a user then finds in the web UI, in words that say what they count.

It printed "3,186 profiles" and segment sizes read before probabilistic resolution merged
profiles, so the UI's 2,781 profiles and its segment sizes were nowhere in it, and a
source table where a survey had "169 records, 767 stored" without saying that a
respondent is stored as one event per answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import app
from persona360.demo.stages import DEMO_NOT_SENT
from persona360.settings import load_settings
from persona360.web.figures import overview

pytestmark = [pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("demo") / "shop"
    args = ["demo", "--customers", "200", "--days", "20", "--seed", "3", "--end", "2026-11-01"]
    result = CliRunner().invoke(app, [*args, "--feed", "direct", "--no-serve", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.output, out / "persona360.duckdb"


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_profile_count_is_the_one_the_overview_shows(summary: tuple[str, Path]) -> None:
    output, db = summary
    with Workspace(load_settings(db=db)) as ws:
        profiles = overview(ws)["profiles"]
    assert f"The workspace now holds {profiles:,} profiles (the web UI's overview shows this figure" in words(output)
    became = re.search(r"resolution: ([\d,]+) profiles became ([\d,]+):", words(output))
    assert became is not None and int(became[2].replace(",", "")) == profiles < int(became[1].replace(",", ""))


def test_the_segment_sizes_are_the_ones_the_ui_lists(summary: tuple[str, Path]) -> None:
    output, db = summary
    table = output.split("members now")[1].split("RFM")[0]
    rows = re.findall(r"│ ([^│]+?)\s*│\s*([\d,]+)\s*│", table)
    printed = {name: int(size.replace(",", "")) for name, size in rows}
    with Workspace(load_settings(db=db)) as ws:
        listed = {row["name"]: row["members"] for row in ws.segments.list()}
    assert printed == listed and len(listed) == 8


def test_the_sources_table_says_what_it_counts(summary: tuple[str, Path]) -> None:
    output, db = summary
    header = next(line for line in output.splitlines() if "source" in line and "via" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == [
        "source", "rows read", "records", "rejected", "events stored", "via",
    ]  # fmt: skip
    row = next(line for line in output.splitlines() if line.startswith("│ survey"))
    _, rows, records, _, stored, _ = (cell.strip() for cell in row.strip("│ ").split("│"))
    assert int(stored.replace(",", "")) > int(records.replace(",", "")) == int(rows.replace(",", ""))
    assert "a survey respondent is one record stored as an event per answer and an identify" in words(output)
    with Workspace(load_settings(db=db)) as ws:
        events = {row["name"]: row["events"] for row in ws.access.sources()}
    assert events["survey"] == int(stored.replace(",", ""))  # the UI's sources table counts the same


def test_without_a_sink_no_campaign_message_is_left_for_a_server_to_send(summary: tuple[str, Path]) -> None:
    """The made-up addresses are at real mail domains: a served demo must find nothing to hand to SMTP."""
    output, db = summary
    with Workspace(load_settings(db=db)) as ws:
        statuses = dict(ws.db.query("SELECT status, count(*) FROM activation_messages GROUP BY ALL"))
        errors = {error for (error,) in ws.db.query("SELECT DISTINCT error FROM activation_messages")}
        assert ws.activation.deliver_due() == {"sent": 0, "retried": 0, "dead": 0, "cancelled": 0}
    assert statuses.get("cancelled", 0) > 0 and set(statuses) == {"cancelled"}
    assert errors == {DEMO_NOT_SENT}
    assert "the demo cancelled the queued messages" in words(output)
