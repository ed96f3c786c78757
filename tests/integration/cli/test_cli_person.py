"""Every command that takes a person reads it the same way: ``profile:ID``, ``KIND:VALUE`` or a bare email/phone.

In-process through Typer's runner, on a real workspace file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integration.surveys.conftest import DELIVERY
from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.settings import load_settings

JANE = {"email": "jane@example.org", "phone": "+380671234567"}
FORMS = ["profile:{id}", "email:jane@example.org", "jane@example.org", "user_id:u1", "+380671234567"]
# (the words before the person, the words after it) of each command that takes one and reads nothing else
TAKES_A_PERSON = [
    (["consent", "grant"], ["--purpose", "marketing"]),
    (["consent", "withdraw"], ["--purpose", "marketing"]),
    (["consent", "show"], []),
    (["erase"], ["--yes"]),
    (["export-person"], []),
    (["merge", "email:bob@example.org"], []),
    (["surveys", "answer", "post-delivery", '{"rating": 4}', "--identifier"], []),
    (["surveys", "link", "post-delivery", "rating", "4", "--identifier"], []),
]


def invoke(db: Path, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, ["--db", str(db), *args], env={"COLUMNS": "200"})
    return done.exit_code, " ".join(done.output.split())


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Path:
    """Jane (user u1, an email and a phone) and Bob, and a survey."""
    path = tmp_path / "ws.duckdb"
    with Workspace(load_settings(db=path), clock, create=True) as ws:
        ws.access.add_source("shop")
        ws.ingest.send(
            "shop",
            [
                {"type": "identify", "userId": "u1", "traits": JANE},
                {"type": "identify", "userId": "u2", "traits": {"email": "bob@example.org"}},
            ],
        )
        ws.surveys.create(DELIVERY)
    return path


def jane(db: Path) -> int:
    with Workspace(load_settings(db=db)) as ws:
        return ws.profiles.find("user_id", "u1")


@pytest.mark.parametrize("form", FORMS)
def test_consent_takes_each_form_of_a_person(db: Path, form: str) -> None:
    person = form.format(id=jane(db))
    assert invoke(db, "consent", "grant", person, "--purpose", "marketing") == (
        0,
        f"marketing (all channels) granted for profile {jane(db)}.",
    )
    code, shown = invoke(db, "consent", "show", person, "--json")
    assert code == 0 and json.loads(shown)["profile_id"] == jane(db)
    assert invoke(db, "consent", "withdraw", person, "--purpose", "marketing")[0] == 0


@pytest.mark.parametrize("form", FORMS)
def test_export_and_erase_take_each_form_of_a_person(db: Path, form: str) -> None:
    person, profile_id = form.format(id=jane(db)), jane(db)
    code, exported = invoke(db, "export-person", person)
    assert code == 0 and json.loads(exported)["profile_id"] == profile_id
    code, erased = invoke(db, "erase", person, "--yes", "--json")
    assert code == 0 and json.loads(erased)["profile_id"] == profile_id


@pytest.mark.parametrize("form", [*FORMS, "{id}", "u1"])
def test_profile_show_and_timeline_take_each_form_and_a_bare_id(db: Path, form: str) -> None:
    person = form.format(id=jane(db))
    code, shown = invoke(db, "profile", "show", person, "--json")
    assert code == 0 and json.loads(shown)["profile_id"] == jane(db)
    assert invoke(db, "profiles", "timeline", person)[0] == 0


@pytest.mark.parametrize("form", FORMS)
def test_merge_and_unmerge_take_each_form_of_a_person(db: Path, form: str) -> None:
    code, merged = invoke(db, "merge", form.format(id=jane(db)), "email:bob@example.org", "--json")
    assert code == 0
    profile_id = json.loads(merged)["profile_id"]
    code, split = invoke(db, "unmerge", f"profile:{profile_id}", "email:bob@example.org", "--json")
    assert code == 0 and len(set(json.loads(split)["profiles"])) == 2


def test_merging_one_person_written_two_ways_says_they_are_one_profile(db: Path) -> None:
    person = jane(db)
    code, said = invoke(db, "merge", f"profile:{person}", "user_id:u1")
    assert code == 1 and f"profile:{person} and user_id:u1 are one profile already (#{person})" in said


@pytest.mark.parametrize("form", FORMS)
def test_a_survey_answer_and_link_take_each_form_of_a_person(db: Path, form: str) -> None:
    person = form.format(id=jane(db))
    code, answered = invoke(db, "surveys", "answer", "post-delivery", '{"rating": 4}', "--identifier", person, "--json")
    assert code == 0 and json.loads(answered)["profile_id"] == jane(db)
    assert invoke(db, "surveys", "link", "post-delivery", "rating", "4", "--identifier", person)[0] == 0


@pytest.mark.parametrize(("before", "after"), TAKES_A_PERSON)
@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("jane", "cannot tell who 'jane' is: write profile:ID (profile:42), KIND:VALUE (email:jane@example.org, "),
        ("nickname:jane", "cannot tell who 'nickname:jane' is: write profile:ID"),
        ("profile:jane", "'profile:jane': write profile:ID with a number, e.g. profile:42"),
    ],
)
def test_a_person_in_no_known_form_is_refused_naming_the_forms(
    db: Path, before: list[str], after: list[str], written: str, message: str
) -> None:
    code, said = invoke(db, *before, written, *after)
    assert code == 1 and message in said, said


@pytest.mark.parametrize(("before", "after"), TAKES_A_PERSON)
def test_a_profile_id_nobody_has_is_not_found(db: Path, before: list[str], after: list[str]) -> None:
    code, said = invoke(db, *before, "profile:4242", *after)
    assert code == 1 and "no profile with id 4242" in said, said
