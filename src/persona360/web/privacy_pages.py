"""Privacy: consent changes from a profile's card, and the audit log with filters.

Consent lives in ``ws.privacy`` (a ledger per person, purpose and channel); a change
made here is stored through it like a CLI or API change, with the viewer as the actor,
and so lands in the audit log this module also shows.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
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
    ws.privacy.change(
        live, form.get("purpose", ""), channel, granted=decision == "grant", actor=f"web:{viewer.token.name}"
    )
    return RedirectResponse(f"/profiles/{live}?done=consent#consent-title", status_code=303)


@router.get("/audit")
def audit(
    request: Request,
    viewer: PrivacyViewer,
    actor: str = Query("", max_length=200),
    action: str = Query("", max_length=200),
    target: str = Query("", max_length=200),
) -> HTMLResponse:
    filters = {"actor": actor.strip(), "action": action.strip(), "target": target.strip()}
    rows = request.app.state.workspace.privacy.audit_log(
        AUDIT_PAGE, filters["target"] or None, actor=filters["actor"] or None, action=filters["action"] or None
    )
    return page(request, "audit.html", title="Audit log", rows=rows, filters=filters, limit=AUDIT_PAGE)
