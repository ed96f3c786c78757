"""Admin endpoints for surveys: list, create, show and report (scope segments or profiles:write)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from persona360.access.keys import Token
from persona360.api.deps import ADMIN_TOKEN, WorkspaceDep, require
from persona360.api.openapi import error_responses
from persona360.errors import PermissionDeniedError

router = APIRouter(prefix="/admin/surveys", tags=["surveys"], responses=error_responses(401, 403))


def manage_surveys(
    request: Request, _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(ADMIN_TOKEN)] = None
) -> Token:
    """Let through a token with the scope ``segments`` or ``profiles:write``."""
    try:
        return require("segments")(request)
    except PermissionDeniedError:
        try:
            return require("profiles:write")(request)
        except PermissionDeniedError:
            raise PermissionDeniedError("the token needs the scope 'segments' or 'profiles:write'") from None


ManageSurveys = Annotated[Token, Depends(manage_surveys)]


@router.get("", summary="List surveys")
def list_surveys(ws: WorkspaceDep, token: ManageSurveys) -> dict[str, Any]:
    return {"surveys": ws.surveys.list()}


@router.post("", summary="Create or replace a survey", status_code=201)
def create(ws: WorkspaceDep, token: ManageSurveys, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    created = ws.surveys.create(body)
    ws.privacy.audit(f"token:{token.name}", "survey.create", f"survey:{created['id']}")
    return created


@router.get("/{survey_id}", summary="One survey with its respondent count", responses=error_responses(404))
def show(survey_id: str, ws: WorkspaceDep, token: ManageSurveys) -> dict[str, Any]:
    return ws.surveys.show(survey_id)


@router.get(
    "/{survey_id}/report",
    summary="NPS, choice counts, scale means and free-text themes",
    responses=error_responses(404),
)
def report(
    survey_id: str, ws: WorkspaceDep, token: ManageSurveys, segment: str | None = None, by_persona: bool = False
) -> dict[str, Any]:
    return ws.surveys.report(survey_id, segment, by_persona=by_persona)
