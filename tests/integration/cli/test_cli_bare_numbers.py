"""A bare number is a profile id or a phone typed without its ``+``; one that is both is asked about.

``persona360 profile show 380501234567`` read the number as a profile id only and
answered "no profile with id 380501234567". In-process through Typer's runner on a
real workspace file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import load_settings


def invoke(db: Path, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, ["--db", str(db), *args])
    return done.exit_code, " ".join(done.output.split())


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=path), clock, create=True) as ws:  # default region UA
        ws.access.add_source("shop")
        ws.ingest.send(
            "shop",
            [
                {"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org", "phone": "+380671234567"}},
                {"type": "identify", "userId": "u2", "traits": {"email": "bob@example.org"}},
            ],
        )
    return path


def shown_id(db: Path, person: str) -> int:
    code, output = invoke(db, "profile", "show", person, "--json")
    assert code == 0, output
    return int(json.loads(output)["profile_id"])


def test_a_phone_typed_as_digits_finds_its_holder_and_ids_still_work(db: Path) -> None:
    with Workspace(load_settings(db=db)) as ws:
        jane = ws.profiles.find("user_id", "u1")
    for person in ("380671234567", "0671234567", "671234567", str(jane), f"#{jane}", f"profile:{jane}"):
        assert shown_id(db, person) == jane, person
    assert shown_id(db, "phone:+380671234567") == jane


def test_an_unknown_phone_typed_as_digits_is_reported_as_a_phone_not_as_an_id(db: Path) -> None:
    code, output = invoke(db, "profile", "show", "380501234567")
    assert code == 1
    assert "no profile holds the phone +380501234567 (read from 380501234567" in output
    assert "no profile with id" not in output
    assert invoke(db, "profile", "show", "99") == (
        1,
        "error: no profile with id 99, nor one holding it as an identifier",
    )


def test_a_number_that_is_one_profile_s_id_and_another_s_phone_says_how_to_ask_for_each(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Workspace(load_settings(db=db)) as ws:
        bob = ws.profiles.find("user_id", "u2")
        jane = ws.profiles.find("user_id", "u1")
        # a test workspace's ids never reach nine digits: let Bob's id read as Jane's phone
        monkeypatch.setattr(ws.profiles, "_live_id", lambda number: bob if number == "671234567" else None)
        with pytest.raises(ValueError, match="write profile:671234567 or phone:\\+380671234567") as raised:
            ws.profiles.find_number("671234567")
        assert f"the id of profile {bob} and the phone +380671234567 of profile {jane}" in str(raised.value)
