"""The embeddable survey: a self-contained script, the public definition it reads, a form page.

``static/widget.js`` renders a survey into any page and posts the answers to
``POST /v1/surveys/{id}/responses`` with the write key, across origins; it loads no
code from elsewhere (no CDN), so a shop's content security policy needs to allow only
persona360's own origin. The definition it reads leaves out the trait each question
writes: visitors see questions, not how the shop files them.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files
from typing import Any

from persona360.surveys.definitions import SurveySpec

IDENTITY_PARAMETERS = {"userId": "user-id", "anonymousId": "anonymous-id", "email": "email"}


@cache
def widget_script() -> str:
    """The widget's JavaScript, read once from the package."""
    return (files("persona360.surveys") / "static" / "widget.js").read_text(encoding="utf-8")


def public_definition(survey: SurveySpec) -> dict[str, Any]:
    """What a respondent's browser may read of a survey: its questions without their traits."""
    return {
        "id": survey.id,
        "name": survey.name,
        "description": survey.description,
        "questions": [question.model_dump(exclude={"trait"}) for question in survey.questions],
    }


def form_page(survey: SurveySpec, write_key: str, identity: dict[str, str]) -> str:
    """A page holding only the survey (to link to, or to put in an iframe).

    Args:
        survey: the survey shown.
        write_key: the source's write key the answers are sent with.
        identity: ``userId``, ``anonymousId`` or ``email`` of the respondent, if known.
    """
    attributes = {"survey": survey.id, "write-key": write_key, "target": "#p360-survey"}
    for name, attribute in IDENTITY_PARAMETERS.items():
        if identity.get(name):
            attributes[attribute] = identity[name]
    data = " ".join(f'data-{name}="{html.escape(value)}"' for name, value in attributes.items())
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(survey.name)}</title>"
        "<style>body{font-family:sans-serif;margin:2em auto;max-width:34em;padding:0 1em}"
        "fieldset{border:0;margin:0 0 1em;padding:0}legend{font-weight:bold;margin-bottom:.3em}"
        ".p360-option{margin-right:.8em;white-space:nowrap}textarea{width:100%}</style>"
        '<main><div id="p360-survey"><noscript>This survey needs JavaScript.</noscript></div></main>'
        f'<script src="/v1/surveys/widget.js" {data}></script></html>'
    )
