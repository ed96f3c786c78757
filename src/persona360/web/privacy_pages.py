"""Privacy: consent changes, erasure and access export from a profile's card; the audit log.

Everything goes through ``ws.privacy`` like a CLI or API call, with the viewer as the
actor, and so lands in the audit log this module also shows. Erasing cannot be undone,
so it takes two steps: a page saying what will go, then a form on which the viewer
types the profile's number (a stray click or a replayed link erases nobody).
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from persona360.web.auth import FormDep, Viewer, ViewerDep, check_csrf
from persona360.web.rendering import WebRoute, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AUDIT_PAGE = 100


def privacy_viewer(viewer: ViewerDep) -> Viewer:
    viewer.require("privacy")
    return viewer


PrivacyViewer = Annotated[Viewer, Depends(privacy_viewer)]


@router.post("/profiles/{profile_id}/consent")
def change_consent(request: Request, viewer: PrivacyViewer, profile_id: int, form: FormDep) -> Response:
    check_csrf(viewer, form.get("csrf"))
    decision = form.get("decision", "")
    if decision not in ("grant", "withdraw"):
        raise ValueError(f"decision {decision!r}: use grant or withdraw")
    channel = form.get("channel", "") or None
    ws = request.app.state.workspace
    live = ws.profiles.resolve(profile_id)
    ws.privacy.change(live, form.get("purpose", ""), channel, granted=decision == "grant", actor=viewer.actor)
    return RedirectResponse(f"/profiles/{live}?done=consent#consent-title", status_code=303)


@router.get("/profiles/{profile_id}/export")
def export(request: Request, viewer: PrivacyViewer, profile_id: int) -> Response:
    """Everything held about the person as a JSON download (the access export; audited)."""
    ws = request.app.state.workspace
    live = ws.profiles.resolve(profile_id)
    document = ws.privacy.export(live, actor=viewer.actor)
    return Response(
        orjson.dumps(jsonable_encoder(document), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="profile-{live}-export.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/profiles/{profile_id}/erase")
def erase_form(request: Request, viewer: PrivacyViewer, profile_id: int) -> Response:
    """The confirmation step: what erasing this person removes, and the form that does it."""
    ws = request.app.state.workspace
    live = ws.profiles.resolve(profile_id)
    if live != profile_id:
        return RedirectResponse(f"/profiles/{live}/erase", status_code=303)
    return erase_page(request, live, None)


def erase_page(request: Request, profile_id: int, error: str | None, status: int = 200) -> HTMLResponse:
    profile = request.app.state.workspace.profiles.show(profile_id)
    return page(request, "erase.html", status=status, title="Erase a person", profile=profile, error=error)


@router.post("/profiles/{profile_id}/erase")
def erase(request: Request, viewer: PrivacyViewer, profile_id: int, form: FormDep) -> Response:
    check_csrf(viewer, form.get("csrf"))
    ws = request.app.state.workspace
    live = ws.profiles.resolve(profile_id)
    typed = form.get("confirm", "").strip()
    if typed != str(live):
        message = f"type the profile number {live} to confirm the erasure (you typed {typed!r})"
        return erase_page(request, live, message, status=400)
    report = ws.privacy.erase(live, actor=viewer.actor)
    return page(request, "erased.html", title="Person erased", report=report)


@router.get("/audit")
def audit(
    request: Request,
    viewer: PrivacyViewer,
    actor: str = Query("", max_length=200),
    action: str = Query("", max_length=200),
    target: str = Query("", max_length=200),
) -> HTMLResponse:
    filters = {"actor": actor.strip(), "action": action.strip(), "target": target.strip()}
    rows = request.app.state.workspace.privacy.audit_log(AUDIT_PAGE, target, actor=actor, action=action)
    return page(request, "audit.html", title="Audit log", rows=rows, filters=filters, limit=AUDIT_PAGE)
