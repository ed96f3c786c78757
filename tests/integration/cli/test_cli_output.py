"""What ``profile show``, ``profiles timeline`` and ``surveys report`` print: text a person reads, no Python values.

In-process through Typer's runner, on a real workspace file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integration.surveys.conftest import DELIVERY
from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import load_settings

# What Python, not a person, writes: None, True/False, a dict or list, a microsecond time.
PYTHONIC = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|\{'|\['|\d{2}:\d{2}:\d{2}\.\d{6}|\+00:00")


def show(db: Path, *args: str) -> str:
    done = CliRunner().invoke(app, ["--db", str(db), *args], env={"COLUMNS": "160"})
    assert done.exit_code == 0, done.output
    return done.output


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Path:
    """A customer with a nested consent trait, sent at a time with microseconds, and one imported with no time."""
    path = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=path), clock, create=True) as ws:
        ws.access.add_source("shop")
        traits = {"email": "ivan.p@example.com", "consent": {"marketing": {"email": False}}, "vip": True}
        ws.ingest.send(
            "shop", [{"type": "identify", "userId": "u1", "traits": traits, "timestamp": "2026-09-07T00:59:13.097Z"}]
        )
        ws.ingest.send(
            "shop", [{"type": "identify", "userId": "u1", "traits": {"firstName": "Іван", "lastName": "Петренко"}}]
        )
        ws.ingest.send(
            "shop", [{"type": "identify", "userId": "u2", "traits": {"firstName": "Іван", "lastName": "Коваль"}}]
        )
        ws.surveys.create(DELIVERY)
        for user, score in (("u1", 10), ("u2", 3), ("u3", 8)):
            ws.surveys.answer("post-delivery", ("user_id", user), {"recommend": score, "size": "41", "rating": 4})
    csv = tmp_path / "customers.csv"
    csv.write_text("email,name\nolga@example.com,Olga\n")
    show(path, "import", str(csv), "--source", "shop", "--kind", "customers", "--map", "email=email")
    return path


def test_profile_show_prints_dates_and_values_as_text(db: Path) -> None:
    card = show(db, "profile", "show", "ivan.p@example.com")
    assert not PYTHONIC.findall(card), card
    assert "2026-09-07 00:59 UTC" in card
    assert re.search(r"consent\.marketing\s+email: no", card) and re.search(r"vip\s+yes", card)


def test_a_profile_never_seen_in_time_says_so_plainly(db: Path) -> None:
    card = show(db, "profile", "show", "olga@example.com")
    assert not PYTHONIC.findall(card), card
    assert re.search(r"first seen\s+-\s", card) and re.search(r"last seen\s+-\s", card)  # a record with no time


def test_timeline_and_list_times_are_to_the_minute(db: Path) -> None:
    timeline = show(db, "profiles", "timeline", "email:ivan.p@example.com")
    assert "2026-09-07 00:59 UTC" in timeline and not PYTHONIC.findall(timeline)
    listed = show(db, "profiles", "list")
    squashed = re.sub(r"[\s│]+", "", listed)  # a narrow terminal wraps the column
    assert "2026-11-0112:00UTC" in squashed and not PYTHONIC.findall(listed)  # the survey answers' time


def test_survey_report_by_persona_is_tables_not_a_dict(db: Path) -> None:
    report = show(db, "surveys", "report", "post-delivery", "--by-persona")
    assert not PYTHONIC.findall(report) and "{" not in report, report
    assert "NPS 0: 1 promoters, 1 passives, 1 detractors" in report
    assert re.search(r"\(no persona\)\s*│\s*3\s*│\s*0\s*│", report)
    assert re.search(r"41\s*│\s*3", report) and "mean 4" in report


def test_profile_show_takes_a_name_one_person_has_and_lists_several(db: Path) -> None:
    assert "ivan.p@example.com" in show(db, "profile", "show", "іван петренко")
    several = CliRunner().invoke(app, ["--db", str(db), "profile", "show", "Іван"], env={"COLUMNS": "200"})
    assert several.exit_code == 1 and "2 profiles are named like 'Іван'" in several.output
    nobody = CliRunner().invoke(app, ["--db", str(db), "profile", "show", "Nobody"])
    assert nobody.exit_code == 1 and "as an identifier or in its name" in nobody.output
