"""Tracked links in messages: ``/t/c/{token}`` records a click and redirects; ``/t/o/{token}`` an open.

No authentication: the token is signed by the workspace (see ``activation/links.py``),
so only links the workspace put in a message are accepted and redirected.
"""

from __future__ import annotations

import base64

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from persona360.api.deps import WorkspaceDep

router = APIRouter(prefix="/t", tags=["activation"])
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@router.get("/c/{token}", summary="Record a click and redirect to its target")
def click(token: str, ws: WorkspaceDep) -> RedirectResponse:
    url = ws.activation.track(token, "click")
    return RedirectResponse(url or ws.settings.tracking_base_url, status_code=302)


@router.get("/o/{token}", summary="Record an open (1x1 GIF)")
def opened(token: str, ws: WorkspaceDep) -> Response:
    ws.activation.track(token, "open")
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})
