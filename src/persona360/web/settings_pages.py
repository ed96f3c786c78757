"""The settings of the shop's data (currencies, exchange rates, phone region) on the web.

A running server holds the workspace file, so ``persona360 settings`` cannot open it
while it serves; this page reads and keeps them through the same room the command uses
(``ws.configuration``), with the same checks and audit. A kept value takes effect when
the workspace next opens, as for the command: the page shows the value this server runs
with beside the one it will open with, so a change waiting for a restart is visible.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from persona360.settings import WORKSPACE_SETTINGS, Settings, parse_setting
from persona360.web.auth import FormDep, ViewerDep, check_csrf
from persona360.web.rendering import WebRoute, error_page, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
SOURCES = {
    "argument": "an argument of the server's command",
    "environment": "the server's environment (PERSONA360_*)",
    "workspace": "the workspace",
    "default": "the default",
}


@router.get("/settings")
def settings_page(request: Request, viewer: ViewerDep, changed: str | None = Query(None)) -> HTMLResponse:
    return _render(request, viewer, changed=changed if changed in WORKSPACE_SETTINGS else None)


@router.post("/settings/{name}")
def change(request: Request, name: str, viewer: ViewerDep, form: FormDep) -> Response:
    """Keep (``value``) or stop keeping (``action=unset``) one setting; a bad value re-renders the page naming it."""
    viewer.require("admin")
    check_csrf(viewer, form.get("csrf"))
    if name not in WORKSPACE_SETTINGS:
        return error_page(request, 404, "No such setting", f"The workspace keeps no setting named {name!r}.")
    ws = request.app.state.workspace
    try:
        if form.get("action") == "unset":
            ws.configuration.unset(name, actor=viewer.actor)
        else:
            ws.configuration.set(name, parse_setting(name, _values(name, form.get("value") or "")), actor=viewer.actor)
    except ValueError as error:  # SettingNameError and SettingValueError are ValueErrors
        return _render(request, viewer, status=400, failed=name, error=str(error), sent=form.get("value") or "")
    return RedirectResponse(f"/settings?changed={name}", status_code=303)


def _values(name: str, text: str) -> list[str]:
    """The form's text as the command's arguments: a list setting takes one item a line."""
    if Settings.model_fields[name].annotation == list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]
    return [text.strip()]


def _render(request: Request, viewer: Any, status: int = 200, **context: Any) -> HTMLResponse:
    ws = request.app.state.workspace
    rows = [setting_view(row, getattr(ws.settings, row["name"])) for row in ws.configuration.show()]
    return page(
        request,
        "settings.html",
        status=status,
        title="Settings",
        rows=rows,
        can_change=viewer.can("admin"),
        **{"changed": None, "failed": None, "error": None, "sent": "", **context},
    )


def setting_view(row: dict[str, Any], running: Any) -> dict[str, Any]:
    """One setting as the page words it: the value running now, the one the next start takes, and why."""
    field = Settings.model_fields[row["name"]]
    return {
        **row,
        "running": running,
        "waiting": row["value"] != running,  # kept or dropped since this server started
        "from": SOURCES.get(row["source"], row["source"]),
        "description": field.description or "",
        "is_list": field.annotation == list[str],
        "text": "\n".join(row["stored"]) if isinstance(row["stored"], list) else (row["stored"] or ""),
    }
