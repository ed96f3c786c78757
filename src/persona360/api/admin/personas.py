"""Admin endpoints for personas: the latest model's list, cards, members and drift.

Reading and building share one scope (``personas``): a card holds no personal data
beyond profile ids, and the members endpoint lists ids and distances only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from persona360.access.keys import Token
from persona360.api.deps import BigInt, WorkspaceDep, require
from persona360.api.openapi import error_responses
from persona360.errors import NotFoundError

router = APIRouter(prefix="/v1/personas", tags=["personas"], responses=error_responses(401, 403))
ManagePersonas = Annotated[Token, Depends(require("personas"))]


@router.get("", summary="The latest model's personas, with its version and age", responses=error_responses(404))
def list_personas(ws: WorkspaceDep, token: ManagePersonas) -> dict[str, Any]:
    stored = ws.personas.latest()
    if stored is None:
        raise NotFoundError("no personas yet: run `persona360 personas build` first")
    personas = ws.personas.list()
    return {"version": stored["version"], "built_at": stored["built_at"], **stored["age"], "personas": personas}


@router.get("/versions", summary="Every stored model version, newest first")
def list_versions(ws: WorkspaceDep, token: ManagePersonas) -> dict[str, Any]:
    return {"versions": ws.personas.versions()}


@router.get("/drift", summary="Drift of a model version against the one before it", responses=error_responses(404))
def drift(
    ws: WorkspaceDep, token: ManagePersonas, version: Annotated[BigInt | None, Query(ge=1)] = None
) -> dict[str, Any]:
    return {"version": version, "drift": ws.personas.drift(version)}


@router.post(
    "/refresh", summary="Score new or changed customers against the latest model", responses=error_responses(404)
)
def refresh(ws: WorkspaceDep, token: ManagePersonas) -> dict[str, Any]:
    counts = ws.personas.refresh()
    ws.privacy.audit(f"token:{token.name}", "persona.refresh", "profiles", counts)
    return counts


@router.get("/{persona}", summary="One persona card, by number, name or key", responses=error_responses(404))
def card(persona: str, ws: WorkspaceDep, token: ManagePersonas) -> dict[str, Any]:
    return ws.personas.card(persona)


@router.get(
    "/{persona}/members", summary="A persona's customers, closest to its centre first", responses=error_responses(404)
)
def members(
    persona: str,
    ws: WorkspaceDep,
    token: ManagePersonas,
    limit: Annotated[int, Query(ge=0, le=1000)] = 100,
    offset: Annotated[BigInt, Query(ge=0)] = 0,
) -> dict[str, Any]:
    page = ws.personas.members(persona, limit, offset)
    ws.privacy.audit(f"token:{token.name}", "persona.members", f"persona:{persona}", {"rows": len(page["members"])})
    return page
