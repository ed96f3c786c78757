"""Infer, then ask to confirm: a one-question survey per inferred trait.

An enrichment provider guesses a trait (``gender`` from a first name, a country from
an IP) with a confidence. Where that confidence is low, the person can be asked: an
email carries one signed one-click link per choice of the survey ``confirm-TRAIT``.
The answer is an ordinary survey answer: an observed value (source ``surveys``),
newer than the inference, so the merge policy shows it, and enrichment never writes
a trait a non-enrichment source observed. The answer's ``Survey Answered`` event
records what it replaced (``properties.replaces``: value, source, confidence), so the
profile keeps both and says why the shown value changed.
"""

from __future__ import annotations

from typing import Any

from persona360.errors import SurveyError
from persona360.surveys.definitions import SurveySpec, parse_survey

PREFIX = "confirm-"
# Choices of the traits a built-in provider infers; other traits need explicit choices.
DEFAULT_CHOICES: dict[str, list[str]] = {"gender": ["female", "male"]}
# What a person is asked about, for traits whose names say where the guess came from.
ASKED_AS = {"ip_city": "city", "ip_region": "region", "ip_country": "country", "ip_timezone": "time zone"}
# The respondent of a link: an identifier kind a survey answer accepts, most stable first.
RESPONDENT_KINDS = ("user_id", "email", "anonymous_id")


def survey_id_for(trait: str) -> str:
    """The id of the confirmation survey of ``trait`` (``confirm-gender``)."""
    return PREFIX + trait.replace("_", "-")


def confirmation_spec(trait: str, choices: list[str]) -> SurveySpec:
    """A one-question survey whose single-choice answer writes ``trait``."""
    return parse_survey(
        {
            "id": survey_id_for(trait),
            "name": f"Confirm {trait}",
            "description": "Asks a person to confirm or correct a trait that was inferred.",
            "questions": [
                {
                    "id": trait,
                    "text": f"Please confirm your {ASKED_AS.get(trait, trait.replace('_', ' '))}",
                    "kind": "single_choice",
                    "trait": trait,
                    "choices": choices,
                }
            ],
        }
    )


def choices_for(trait: str, inferred: Any, given: list[str] | None, existing: list[str]) -> list[str]:
    """The choices to offer: given or default ones, then those asked before, and the inferred value."""
    choices = list(given or DEFAULT_CHOICES.get(trait) or [])
    for value in [*existing, str(inferred)]:
        if value not in choices:
            choices.append(value)
    return choices


def respondent(identifiers: list[dict[str, Any]], profile_id: int) -> tuple[str, str]:
    """The identifier a link answers as; :class:`SurveyError` when the profile has none usable."""
    for kind in RESPONDENT_KINDS:
        for row in identifiers:
            if row["kind"] == kind:
                return kind, str(row["value"])
    raise SurveyError(
        f"profile {profile_id} has no user id, email or anonymous id to answer a survey as", field="profile_id"
    )


def inferred_value(traits: dict[str, dict[str, Any]], trait: str, profile_id: int) -> dict[str, Any]:
    """The shown, inferred value of ``trait``; :class:`SurveyError` if it is missing or observed."""
    if trait not in traits:
        raise SurveyError(f"profile {profile_id} has no {trait!r} trait to confirm", field="trait")
    found = replaced(traits, [trait]).get(trait)
    if found is None:
        raise SurveyError(
            f"profile {profile_id}'s {trait!r} was observed (source {traits[trait]['source']!r}), not inferred: "
            "nothing to confirm",
            field="trait",
        )
    return found


def replaced(traits: dict[str, dict[str, Any]], names: list[str]) -> dict[str, dict[str, Any]]:
    """For each of ``names`` shown as an inferred value: that value, its source and confidence."""
    return {
        name: {
            "value": traits[name]["value"],
            "source": traits[name]["source"],
            "confidence": traits[name]["confidence"],
        }
        for name in names
        if name in traits and traits[name]["inferred"]
    }
