"""Public survey endpoints: answers sent with a write key, and one-click email links.

``POST /v1/surveys/{id}/responses`` authenticates like the tracking API (the write key
as HTTP Basic user, or ``writeKey`` in the body); ``GET /v1/surveys/{id}/a?token=``
needs no key because the token itself is signed (see ``surveys/links.py``). The
embeddable widget (``/v1/surveys/widget.js``) reads ``/{id}/definition`` and posts the
answers with the write key in the body; ``/{id}/form?writeKey=`` is a page holding it.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from persona360.api.body import read_json
from persona360.api.deps import WRITE_KEY_SECURITY, get_workspace, source_for
from persona360.api.openapi import error_responses
from persona360.errors import SurveyError
from persona360.surveys.widget import IDENTITY_PARAMETERS, form_page, public_definition, widget_script

router = APIRouter(prefix="/v1/surveys", tags=["surveys"])
IDENTIFIER_FIELDS = (("userId", "user_id"), ("anonymousId", "anonymous_id"), ("email", "email"))


def respondent(body: Any) -> tuple[str, str]:
    """The identifier a response body names: ``userId``, then ``anonymousId``, then ``email``."""
    if not isinstance(body, dict):
        raise SurveyError("the body must be a JSON object with an identifier and 'answers'", field="")
    for field, kind in IDENTIFIER_FIELDS:
        value = body.get(field)
        if isinstance(value, str) and value.strip():
            return kind, value
    raise SurveyError("one of 'userId', 'anonymousId' or 'email' is required", field="userId")


@router.get("/widget.js", summary="The embeddable survey widget (JavaScript, no dependencies)")
def widget() -> Response:
    return Response(widget_script(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"})


@router.get(
    "/{survey_id}/definition", summary="A survey's questions, for the widget (public)", responses=error_responses(404)
)
def definition(survey_id: str, request: Request) -> dict[str, Any]:
    return public_definition(get_workspace(request).surveys.get(survey_id))


@router.get(
    "/{survey_id}/form",
    summary="A page with the survey form (write key in the query)",
    response_class=HTMLResponse,
    responses=error_responses(401, 404),
)
def form(survey_id: str, request: Request, writeKey: str | None = None) -> HTMLResponse:  # noqa: N803 - Segment's spelling
    workspace = get_workspace(request)
    source_for(request, {"writeKey": writeKey})  # a wrong key fails here, not at the first answer
    identity = {name: request.query_params.get(name, "") for name in IDENTITY_PARAMETERS}
    return HTMLResponse(form_page(workspace.surveys.get(survey_id), writeKey or "", identity))


@router.post(
    "/{survey_id}/responses",
    summary="Record one person's answers (write key)",
    dependencies=WRITE_KEY_SECURITY,
    responses=error_responses(400, 401, 404, 413),
)
async def respond(survey_id: str, request: Request) -> dict[str, Any]:
    workspace = get_workspace(request)
    body = await read_json(request, workspace.settings.max_event_bytes)
    source = source_for(request, body)
    identifier = respondent(body)
    # the write takes the writer's lock: keep it off the event loop
    result = await run_in_threadpool(
        workspace.surveys.answer, survey_id, identifier, body.get("answers"), source=source.name
    )
    return {"success": True, **result}


@router.get(
    "/{survey_id}/a",
    summary="One-click answer from a signed email link",
    response_class=HTMLResponse,
    responses=error_responses(404),
)
def answer_link(survey_id: str, request: Request, token: str | None = None) -> HTMLResponse:
    result = get_workspace(request).surveys.answer_link(survey_id, token)
    answered = ", ".join(f"{name}: {value}" for name, value in result["answers"].items())
    page = (
        "<!doctype html><meta charset=utf-8><title>Thank you</title>"
        f"<main style='font-family:sans-serif;margin:3em auto;max-width:30em'><h1>Thank you!</h1>"
        f"<p>Your answer was recorded ({html.escape(answered)}).</p></main>"
    )
    return HTMLResponse(page)
