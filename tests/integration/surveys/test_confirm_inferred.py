"""Infer, then ask to confirm: a low-confidence inferred trait replaced by the person's answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.errors import SurveyError
from persona360.settings import load_settings


@pytest.fixture
def inferred(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    """Taylor (gender guessed male at 0.75) and Olena (female at 0.99), both enriched."""
    settings = load_settings(db=tmp_path / "ws.duckdb", consent_default_allow=["transactional", "enrichment"])
    with Workspace(settings, clock, create=True) as ws:
        ws.access.add_source("shop")
        ws.ingest.send(
            "shop",
            [
                {"type": "identify", "userId": "taylor", "traits": {"firstName": "Taylor"}},
                {"type": "identify", "userId": "olena", "traits": {"firstName": "Olena"}},
            ],
        )
        ws.enrichment.run("name")
        yield ws


def test_a_confirmed_answer_replaces_the_inference(inferred: Workspace) -> None:
    ws = inferred
    taylor = ws.profiles.find("user_id", "taylor")
    assert [row["profile_id"] for row in ws.surveys.unsure("gender", below=0.9)] == [taylor]
    asked = ws.surveys.confirm_links(taylor, "gender")
    assert asked["survey"] == "confirm-gender" and set(asked["tokens"]) == {"female", "male"}
    assert asked["inferred"] == {"value": "male", "source": "enrich.name", "confidence": pytest.approx(0.75)}
    ws.surveys.answer_link("confirm-gender", asked["tokens"]["female"])
    gender = ws.profiles.traits(taylor, now=ws.clock.now())["gender"]
    assert (gender["value"], gender["source"], gender["inferred"]) == ("female", "surveys", False)
    assert {value["value"] for value in gender["values"]} == {"female", "male"}  # the inference stays visible
    answered = ws.profiles.timeline(taylor, event_type="Survey Answered")["events"][0]["properties"]
    assert answered["replaces"] == {"value": "male", "source": "enrich.name", "confidence": pytest.approx(0.75)}
    assert ws.enrichment.run("name").kept_observed == 1  # enrichment never overwrites the answer
    assert ws.surveys.unsure("gender", below=0.9) == []


def test_a_confirmation_that_agrees_also_makes_the_value_observed(inferred: Workspace) -> None:
    olena = inferred.profiles.find("user_id", "olena")
    asked = inferred.surveys.confirm_links(olena, "gender")
    result = inferred.surveys.answer_link("confirm-gender", asked["tokens"]["female"])
    assert result["replaces"]["gender"]["value"] == "female"
    assert not inferred.profiles.traits(olena, now=inferred.clock.now())["gender"]["inferred"]


def test_other_traits_offer_given_choices_plus_the_inferred_value(inferred: Workspace) -> None:
    taylor = inferred.profiles.find("user_id", "taylor")
    asked = inferred.surveys.confirm_links(taylor, "gender", choices=["female", "non-binary"])
    assert list(asked["tokens"]) == ["female", "non-binary", "male"]
    assert inferred.surveys.get("confirm-gender").questions[0].choices == ["female", "non-binary", "male"]


@pytest.mark.parametrize(
    ("trait", "says"),
    [
        ("city", "has no 'city' trait to confirm"),
        ("firstName", "'firstName' was observed (source 'shop'), not inferred"),
    ],
)
def test_only_inferred_traits_can_be_confirmed(inferred: Workspace, trait: str, says: str) -> None:
    with pytest.raises(SurveyError, match=re.escape(says)) as error:
        inferred.surveys.confirm_links(inferred.profiles.find("user_id", "taylor"), trait)
    assert error.value.field == "trait"


def test_an_imported_answer_records_the_inference_it_replaces(inferred: Workspace, tmp_path: Path) -> None:
    inferred.surveys.create(
        {
            "id": "about-you",
            "name": "About you",
            "questions": [
                {"id": "gender", "text": "Gender?", "kind": "single_choice", "choices": ["female", "male"],
                 "trait": "gender"},
            ],
        }
    )  # fmt: skip
    file = tmp_path / "answers.csv"
    file.write_text("user_id,response,gender\ntaylor,r-1,female\n", encoding="utf-8")
    report = inferred.surveys.import_file(file, "about-you", ["response=message_id"])
    assert (report.records, report.rejected) == (1, 0)
    taylor = inferred.profiles.find("user_id", "taylor")
    gender = inferred.profiles.traits(taylor, now=inferred.clock.now())["gender"]
    assert (gender["value"], gender["source"], gender["inferred"]) == ("female", "surveys", False)
    rows = inferred.db.query_dicts(
        "SELECT message_id, json_extract(properties, '$.replaces') AS replaces FROM events "
        "WHERE event = 'Survey Answered' ORDER BY message_id"
    )
    # the calls are keyed by the response id the survey tool gave, and keep what the answer replaced
    assert [row["message_id"] for row in rows] == ["r-1:gender"]
    replaces = json.loads(rows[0]["replaces"])
    assert (replaces["value"], replaces["source"]) == ("male", "enrich.name")


def test_an_inferred_city_is_confirmed_and_replaced(tmp_path: Path, clock: FixedClock) -> None:
    """The IP provider guesses Lviv; the person says Kyiv through a one-click link."""
    settings = load_settings(db=tmp_path / "ws.duckdb", consent_default_allow=["transactional", "enrichment"])
    with Workspace(settings, clock, create=True) as ws:
        ws.access.add_source("shop")
        ws.ingest.send("shop", [{"type": "track", "userId": "ira", "event": "Page Viewed",
                                 "context": {"ip": "194.44.0.1"}}])  # fmt: skip
        ws.enrichment.run("ip")
        ira = ws.profiles.find("user_id", "ira")
        assert ws.profiles.traits(ira, now=ws.clock.now())["ip_city"]["value"] == "Lviv"
        asked = ws.surveys.confirm_links(ira, "ip_city", choices=["Kyiv", "Lviv", "Odesa"])
        assert ws.surveys.get(asked["survey"]).questions[0].text == "Please confirm your city"
        ws.surveys.answer_link(asked["survey"], asked["tokens"]["Kyiv"])
        city = ws.profiles.traits(ira, now=ws.clock.now())["ip_city"]
        assert (city["value"], city["source"], city["inferred"]) == ("Kyiv", "surveys", False)
        assert ws.enrichment.run("ip").kept_observed == 1  # the answer is never overwritten
