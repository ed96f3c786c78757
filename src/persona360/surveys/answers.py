"""Checking answers against a survey, and turning them into Segment-spec calls.

An answer becomes a ``Survey Answered`` track per question (the fact kept in the
``survey_answers`` table) and one ``identify`` carrying the mapped traits, so the
profile holds the answer at once and segments see it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from persona360.errors import SurveyError
from persona360.identity.normalise import normalise_email
from persona360.surveys.definitions import QuestionSpec, SurveySpec

ANSWERED = "Survey Answered"
IDENTIFIER_KINDS = ("user_id", "anonymous_id", "email")


def check_answers(survey: SurveySpec, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers, each checked against its question and put in its stored form.

    Raises:
        SurveyError: no answers, an unknown question or a bad answer; the message and
            ``field`` (``answers.QUESTION``) name the question.
    """
    if not isinstance(answers, dict) or not answers:
        raise SurveyError("answers must be a non-empty object of question -> answer", field="answers")
    return {name: check_answer(survey.question(name), value) for name, value in answers.items()}


def check_answer(question: QuestionSpec, value: Any) -> Any:
    """One answer in its stored form: a string, a list of strings or an integer."""
    if question.kind == "single_choice":
        return _choice(question, value)
    if question.kind == "multiple_choice":
        values = value if isinstance(value, list) else [value]
        if not values:
            _fail(question, "pick at least one choice")
        return sorted({_choice(question, item) for item in values}, key=question.choices.index)
    if question.kind == "free_text":
        return _text(question, value)
    return _number(question, value)


def _choice(question: QuestionSpec, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a CSV cell or CLI argument "41" arrives as a number
    if not isinstance(value, str) or value not in question.choices:
        _fail(question, f"{value!r} is not one of its choices: {', '.join(question.choices)}")
    return str(value)


def _text(question: QuestionSpec, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(question, "a free-text answer must be a non-empty string")
    if len(value) > question.max_length:
        _fail(question, f"the answer is {len(value)} characters; the limit is {question.max_length}")
    return str(value).strip()


def _number(question: QuestionSpec, value: Any) -> int:
    number = value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        _fail(question, f"{value!r} is not a whole number between {question.min} and {question.max}")
    assert question.min is not None and question.max is not None
    if not question.min <= number <= question.max:
        _fail(question, f"{number} is out of range: answer between {question.min} and {question.max}")
    return int(number)


def _fail(question: QuestionSpec, message: str) -> None:
    raise SurveyError(f"question {question.id!r}: {message}", field=f"answers.{question.id}")


def identity_fields(kind: str, value: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The message fields and person traits that name the respondent.

    An email alone is no Segment call: it travels as ``traits.email`` (which anchors
    the answers, since emails are trusted over anonymous ids) with a stable anonymous
    id derived from it, so answering twice lands on the same person.
    """
    value = (value or "").strip()
    if kind not in IDENTIFIER_KINDS or not value:
        raise SurveyError(
            f"the respondent must be one of {', '.join(IDENTIFIER_KINDS)} with a value, not {kind}:{value!r}",
            field="identifier",
        )
    if kind == "user_id":
        return {"userId": value}, {}
    if kind == "anonymous_id":
        return {"anonymousId": value}, {}
    if normalise_email(value) is None:
        raise SurveyError(f"the respondent's email {value!r} is not a valid email address", field="email")
    digest = hashlib.sha256(value.lower().encode()).hexdigest()[:24]
    return {"anonymousId": f"survey-{digest}"}, {"email": value}


def answer_messages(
    survey: SurveySpec,
    identifier: tuple[str, str],
    answers: dict[str, Any],
    timestamp: str,
    replaces: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Segment-spec calls for checked ``answers``: one track per question, one identify.

    ``replaces`` maps a question to the inferred value its answer replaces (value,
    source, confidence); its track keeps that as ``properties.replaces``.
    """
    replaces = replaces or {}
    ids, person = identity_fields(*identifier)
    context = {"traits": person} if person else {}
    tracks = [
        {
            "type": "track",
            "event": ANSWERED,
            **ids,
            "timestamp": timestamp,
            "properties": {
                "survey": survey.id,
                "question": name,
                "answer": value,
                **({"replaces": replaces[name]} if name in replaces else {}),
            },
            "context": context,
        }
        for name, value in answers.items()
    ]
    traits = {survey.question(name).trait: value for name, value in answers.items()}
    identify = {"type": "identify", **ids, "timestamp": timestamp, "traits": {**person, **traits}}
    return [*tracks, identify]
