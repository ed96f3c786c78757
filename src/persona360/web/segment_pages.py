"""Segments: the list, the builder with its live preview, and one segment's page."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from persona360.segments.catalogue import PROFILE_COLUMNS
from persona360.segments.definitions import SegmentSpec
from persona360.segments.errors import ConditionError
from persona360.store.money import amounts_text
from persona360.web.auth import FormDep, Viewer, ViewerDep, check_csrf
from persona360.web.charts import Series, bar_chart, line_chart
from persona360.web.rendering import WebRoute, main_currency, page, page_count

router = APIRouter(route_class=WebRoute, include_in_schema=False)
SAMPLE = 8
MEMBERS_PAGE = 25
MAX_CONDITION = 10_000


def segment_viewer(viewer: ViewerDep) -> Viewer:
    viewer.require("segments")
    return viewer


SegmentViewer = Annotated[Viewer, Depends(segment_viewer)]


async def read_json(request: Request) -> dict[str, Any]:
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("send a JSON object")
    return body


@router.get("/segments")
def segments(request: Request, viewer: SegmentViewer) -> HTMLResponse:
    rows = request.app.state.workspace.segments.list()
    chart = bar_chart("Members per segment", [(r["name"], r["members"]) for r in rows])
    return page(request, "segments.html", title="Segments", rows=rows, chart=chart)


@router.get("/segments/new")
def builder(request: Request, viewer: SegmentViewer) -> HTMLResponse:
    return builder_page(request, {"name": "", "condition": "", "description": ""}, None)


def builder_page(
    request: Request,
    form: dict[str, str],
    error: dict[str, Any] | None,
    status: int = 200,
    save_error: str | None = None,
) -> HTMLResponse:
    catalogue = request.app.state.workspace.segments.recent_catalogue()
    return page(
        request,
        "segment_new.html",
        status=status,
        title="New segment",
        form=form,
        error=error,
        save_error=save_error,
        columns=sorted(PROFILE_COLUMNS),
        # a trait named like a column is read with trait("NAME") (the bare name is the column)
        traits=[f'trait("{name}")' if name in PROFILE_COLUMNS else name for name in sorted(catalogue.traits)],
        events=sorted(catalogue.events),
    )


@router.post("/segments/preview")
def preview(
    request: Request, viewer: SegmentViewer, body: Annotated[dict[str, Any], Depends(read_json)]
) -> JSONResponse:
    """Size and sample of a condition as JSON, or the error with its position."""
    check_csrf(viewer, request.headers.get("x-csrf-token"))
    condition = str(body.get("condition", ""))[:MAX_CONDITION]
    started = time.perf_counter()
    try:
        found = request.app.state.workspace.segments.preview(SegmentSpec("preview", condition), SAMPLE)
    except ValueError as error:
        return JSONResponse({"ok": False, "error": describe_error(error, condition)})
    sample = [
        {
            "profile_id": r["profile_id"],
            "email": r["email"],
            "orders": r["orders_count"],
            "revenue": r["revenue"],
            "revenue_text": amounts_text(r["revenue_by_currency"], main_currency(request)),
        }
        for r in found["sample"]
    ]
    if sample:  # members' emails were shown: a read of personal data (an empty preview shows none)
        request.app.state.workspace.privacy.audit(viewer.actor, "segment.preview", "profiles", {"rows": len(sample)})
    took = round((time.perf_counter() - started) * 1000, 1)
    answer = {"ok": True, "size": found["size"], "sample": sample, "warnings": found["warnings"], "took_ms": took}
    return JSONResponse(answer)


def describe_error(error: ValueError, condition: str) -> dict[str, Any]:
    """The reason, and where: line, column and that line's text for a caret."""
    line = getattr(error, "line", 0)
    column = getattr(error, "column", 0)
    lines = condition.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return {
        "reason": getattr(error, "reason", str(error)),
        "message": str(error),
        "line": line,
        "column": column,
        "text": text,
    }


@router.post("/segments")
def create(request: Request, viewer: SegmentViewer, form: FormDep) -> Response:
    check_csrf(viewer, form.get("csrf"))
    fields = {k: form.get(k, "").strip() for k in ("name", "condition", "description")}
    spec = SegmentSpec(fields["name"], fields["condition"], None, fields["description"])
    try:
        created = request.app.state.workspace.segments.create(spec)
    except ConditionError as error:
        return builder_page(request, fields, describe_error(error, fields["condition"]), 400)
    except ValueError as error:
        return builder_page(request, fields, None, 400, save_error=str(error))
    request.app.state.workspace.privacy.audit(viewer.actor, "segment.create", f"segment:{created['name']}")
    return RedirectResponse(segment_url(created["name"]), status_code=303)


@router.get("/segments/{segment}")
def segment_page(
    request: Request, viewer: SegmentViewer, segment: str, page_number: int = Query(1, ge=1, alias="page")
) -> Response:
    """One segment, at its name: ``/segments/{id}`` (the list's and the builder's old links) redirects there."""
    ws = request.app.state.workspace
    found = ws.segments.get(segment)
    if segment != found.name:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{segment_url(found.name)}{query}", status_code=303)
    members = ws.segments.members(found.segment_id, MEMBERS_PAGE, (page_number - 1) * MEMBERS_PAGE)
    pages = page_count(page_number, members["total"], MEMBERS_PAGE)
    ws.privacy.audit(viewer.actor, "segment.members", f"segment:{found.name}", {"rows": len(members["members"])})
    entered = {m["profile_id"]: m for m in members["members"]}
    rows = [{**row, **entered[row["profile_id"]]} for row in named_rows(ws, list(entered))]
    counts = [(c["counted_at"], float(c["members"])) for c in ws.segments.counts(found.segment_id)]
    history = ws.segments.history(found.segment_id, None, 50)
    names = history_names(ws, sorted({h["profile_id"] for h in history}))
    return page(
        request,
        "segment.html",
        title=found.name,
        segment=found,
        total=members["total"],
        rows=rows,
        history=[{**h, "person": names.get(h["profile_id"])} for h in history],
        page_number=page_number,
        pages=pages,
        now=ws.clock.now(),
        chart=line_chart("Members over time", [Series(found.name, counts).held_until(ws.clock.now())]),
    )


def segment_url(name: str) -> str:
    """A segment's one address: by its name (as the profile card and the campaigns link to it)."""
    return f"/segments/{quote(name, safe='')}"


def named_rows(ws: Any, profile_ids: list[int]) -> list[dict[str, Any]]:
    """The list rows of ``profile_ids`` (name by ``person_name``, email); one without either gets its identifier.

    An anonymous member was shown as "#7" beside empty cells; it is now "anonymous
    visitor" with the anonymous id that made it (or its first identifier of another kind).
    The identifiers of all such rows are read at once (``ws.profiles.snapshots``).
    """
    rows: list[dict[str, Any]] = ws.profiles.list_ids(profile_ids)
    nameless = [row["profile_id"] for row in rows if not (row["name"] or row["email"])]
    snapshots = ws.profiles.snapshots(nameless) if nameless else []
    found = {snapshot.profile_id: snapshot.identifiers for snapshot in snapshots}
    for row in rows:
        row["visitor"] = first_identifier(found[row["profile_id"]]) if row["profile_id"] in found else None
    return rows


def history_names(ws: Any, profile_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each former or current member's row; one merged into another names the profile it lives on as."""
    names: dict[int, dict[str, Any]] = {row["profile_id"]: row for row in named_rows(ws, profile_ids)}
    live = ws.profiles.live_ids([p for p in profile_ids if p not in names])
    return names | {old: {"merged_into": new} for old, new in live.items() if old != new}


def first_identifier(identifiers: list[tuple[str, str]]) -> dict[str, str] | None:
    """The identifier that says most about who it is: one of a known kind before an anonymous id."""
    known = [pair for pair in identifiers if pair[0] != "anonymous_id"]
    chosen = (known or identifiers)[:1]
    return {"kind": chosen[0][0], "value": chosen[0][1]} if chosen else None
