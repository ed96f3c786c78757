"""Answers are checked against their question; a bad one names the question."""

from __future__ import annotations

from typing import Any

import pytest

from persona360.errors import SurveyError
from persona360.surveys import check_answers, parse_survey
from persona360.surveys.answers import answer_messages

SURVEY = parse_survey(
    {
        "id": "checkout",
        "name": "Checkout",
        "questions": [
            {
                "id": "size",
                "text": "Size?",
                "kind": "single_choice",
                "choices": ["40", "41", "42"],
                "trait": "shoe_size",
            },
            {
                "id": "why",
                "text": "Why not?",
                "kind": "multiple_choice",
                "choices": ["price", "delivery", "size"],
                "trait": "cart_abandon_reason",
            },
            {"id": "rating", "text": "Delivery?", "kind": "scale", "min": 1, "max": 5, "trait": "delivery_rating"},
            {"id": "recommend", "text": "Recommend us?", "kind": "nps", "trait": "nps_score"},
            {"id": "comment", "text": "Anything else?", "kind": "free_text", "max_length": 10, "trait": "comment"},
        ],
    }
)


def test_good_answers_take_their_stored_form() -> None:
    checked = check_answers(
        SURVEY, {"size": "41", "why": ["size", "price", "size"], "rating": "4", "recommend": 10, "comment": " late "}
    )
    assert checked == {"size": "41", "why": ["price", "size"], "rating": 4, "recommend": 10, "comment": "late"}


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({}, "answers", "non-empty object"),
        ({"colour": "red"}, "answers.colour", "has no question 'colour'; its questions are: size, why"),
        ({"size": 39}, "answers.size", "'39' is not one of its choices"),
        ({"size": "39"}, "answers.size", "question 'size': '39' is not one of its choices: 40, 41, 42"),
        ({"why": []}, "answers.why", "question 'why': pick at least one choice"),
        ({"why": ["price", "weather"]}, "answers.why", "'weather' is not one of its choices"),
        ({"rating": 6}, "answers.rating", "question 'rating': 6 is out of range: answer between 1 and 5"),
        ({"rating": 2.5}, "answers.rating", "2.5 is not a whole number between 1 and 5"),
        ({"rating": True}, "answers.rating", "not a whole number"),
        ({"recommend": 11}, "answers.recommend", "11 is out of range: answer between 0 and 10"),
        ({"recommend": -1}, "answers.recommend", "out of range"),
        ({"comment": "   "}, "answers.comment", "non-empty string"),
        ({"comment": "x" * 11}, "answers.comment", "the answer is 11 characters; the limit is 10"),
    ],
)
def test_a_bad_answer_names_the_question(answers: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(SurveyError, match=message) as caught:
        check_answers(SURVEY, answers)
    assert caught.value.field == field


def test_messages_are_one_track_per_question_and_one_identify_with_traits() -> None:
    messages = answer_messages(
        SURVEY, ("email", "jane@example.org"), {"rating": 2, "size": "41"}, "2026-01-01T00:00:00+00:00"
    )
    tracks, identify = messages[:-1], messages[-1]
    assert [m["properties"] for m in tracks] == [
        {"survey": "checkout", "question": "rating", "answer": 2},
        {"survey": "checkout", "question": "size", "answer": "41"},
    ]
    assert identify["traits"] == {"email": "jane@example.org", "delivery_rating": 2, "shoe_size": "41"}
    assert identify["anonymousId"].startswith("survey-")
    assert all(m["anonymousId"] == identify["anonymousId"] for m in tracks)


def test_an_unknown_identifier_kind_is_refused() -> None:
    with pytest.raises(SurveyError, match="must be one of user_id, anonymous_id, email") as caught:
        answer_messages(SURVEY, ("phone", "+380"), {"rating": 2}, "2026-01-01T00:00:00+00:00")
    assert caught.value.field == "identifier"


def test_an_invalid_email_is_refused() -> None:
    with pytest.raises(SurveyError, match="email 'jane-at-example' is not a valid email address") as caught:
        answer_messages(SURVEY, ("email", "jane-at-example"), {"rating": 2}, "2026-01-01T00:00:00+00:00")
    assert caught.value.field == "email"


def test_a_replaced_inference_is_kept_on_the_answer_event() -> None:
    replaces = {"size": {"value": "40", "source": "enrich.x", "confidence": 0.5}}
    tracks = answer_messages(SURVEY, ("user_id", "u1"), {"rating": 2, "size": "41"}, "2026-01-01T00:00:00Z", replaces)
    assert "replaces" not in tracks[0]["properties"] and tracks[1]["properties"]["replaces"] == replaces["size"]
