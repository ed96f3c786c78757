"""Surveys: questions whose answers become profile traits, NPS and free-text themes.

See README.md. The public entry point is ``ws.surveys`` (:class:`SurveysAPI`).
"""

from __future__ import annotations

from persona360.surveys.answers import ANSWERED, IDENTIFIER_KINDS, check_answer, check_answers
from persona360.surveys.definitions import QuestionSpec, SurveySpec, load_survey, parse_survey
from persona360.surveys.links import LinkAnswer, sign_answer, verify_answer
from persona360.surveys.namespace import NO_PERSONA, SurveysAPI
from persona360.surveys.report import group_themes, nps_summary

__all__ = [
    "ANSWERED",
    "IDENTIFIER_KINDS",
    "NO_PERSONA",
    "LinkAnswer",
    "QuestionSpec",
    "SurveySpec",
    "SurveysAPI",
    "check_answer",
    "check_answers",
    "group_themes",
    "load_survey",
    "nps_summary",
    "parse_survey",
    "sign_answer",
    "verify_answer",
]
