"""The profile 360 card, its timeline pages, and the merge and unmerge forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from persona360.errors import NotFoundError
from persona360.privacy import CHANNELS, PURPOSES
from persona360.profiles.links import link_reason, merge_reason
from persona360.profiles.reading import display_name
from persona360.web.auth import FormDep, Viewer, ViewerDep, check_csrf
from persona360.web.charts import bar_chart
from persona360.web.rendering import TEMPLATES, WebRoute, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
TIMELINE_PAGE = 30
EVENT_TYPES = ("identify", "track", "page", "screen", "group", "alias")
MERGE_KINDS = ("email", "phone", "user_id", "anonymous_id")
NOTICES = {
    "merged": "The profiles were merged.",
    "unmerged": "The identifier was detached.",
    "consent": "The consent change was recorded.",
}
MESSAGES_SHOWN = 20
ANSWERS_SHOWN = 30


@router.get("/profiles/{profile_id}")
def profile_card(
    request: Request,
    viewer: ViewerDep,
    profile_id: int,
    type: str | None = Query(None, max_length=200),
    done: str | None = None,
    other: int | None = None,
) -> Response:
    ws = request.app.state.workspace
    live = ws.profiles.resolve(profile_id)
    if live != profile_id:
        return RedirectResponse(f"/profiles/{live}", status_code=303)
    return _card(request, viewer, live, type=type, done=done, other=other)


def _card(
    request: Request,
    viewer: Viewer,
    live: int,
    *,
    type: str | None = None,  # noqa: A002 - the query parameter's name
    done: str | None = None,
    other: int | None = None,
    merge: dict[str, str] | None = None,
) -> Response:
    """The card of ``live``; ``merge`` is a refused merge form (kind, value, error), shown in the form."""
    ws = request.app.state.workspace
    profile = ws.profiles.show(live)
    ws.privacy.audit(viewer.actor, "profile.read", f"profile:{live}")
    timeline = ws.profiles.timeline(live, limit=TIMELINE_PAGE, event_type=type or None)
    counts = profile["event_counts"]
    return page(
        request,
        "profile.html",
        profile=profile,
        now=ws.clock.now(),
        segments=ws.segments.of_profile(live),
        timeline=timeline,
        event_type=type or "",
        event_filters=sorted(set(EVENT_TYPES) | set(counts)),
        merge_kinds=MERGE_KINDS,
        notice=NOTICES.get(done or ""),
        other=other,
        title=display_name(profile),
        events_chart=bar_chart("Events by name", list(counts.items())[:10]),
        identities=identity_rows(profile["identifiers"]),
        merge=merge or {},
        status=400 if merge else 200,
        # only the "No predictions" line reads it: a profile with predictions has read the fit already
        last_fit=None if profile["predictions"] else last_fit(ws),
        **card_extras(ws, viewer, live),
    )


@router.get("/profiles/{profile_id}/timeline")
def timeline_page(
    request: Request,
    viewer: ViewerDep,
    profile_id: int,
    cursor: str | None = None,
    type: str | None = Query(None, max_length=200),
    part: str | None = Query(None, pattern="^rows$"),
) -> Response:
    """The next page of the timeline: its ``<li>`` rows for the card's script (``part=rows``), else a page.

    The card's "Load older events" link opened in a new tab (or without the script) gave
    a bare list with no title or navigation; the script asks for the rows alone, and
    finds the next cursor in a header.
    """
    ws = request.app.state.workspace
    live = ws.profiles.resolve(profile_id)
    found = ws.profiles.timeline(live, limit=TIMELINE_PAGE, cursor=cursor, event_type=type or None)
    ws.privacy.audit(viewer.actor, "profile.timeline", f"profile:{live}", {"rows": len(found["events"])})
    if part == "rows":
        html = TEMPLATES.get_template("_timeline_rows.html").render(events=found["events"])
        return HTMLResponse(html, headers={"X-Next-Cursor": found["next"] or "", "Cache-Control": "no-store"})
    (row,) = ws.profiles.list_ids([live])
    name = row["name"] or row["email"] or f"Profile {live}"
    context = {"name": name, "profile_id": live, "timeline": found, "event_type": type or ""}
    return page(request, "timeline.html", title=f"{name}: older events", **context)


@router.post("/profiles/{profile_id}/unmerge")
def unmerge(request: Request, viewer: ViewerDep, profile_id: int, form: FormDep) -> Response:
    """Two steps, like erasing but lighter: the card's button answers with what would move; its form unmerges.

    The identifier travels in the form, never in a URL (it is personal data).
    """
    check_csrf(viewer, form.get("csrf"))
    viewer.require("profiles:write")
    ws = request.app.state.workspace
    live = ws.profiles.resolve(profile_id)
    kind, value = form.get("kind", ""), form.get("value", "")
    if ws.profiles.find(kind, value) != live:
        raise ValueError(f"{kind} {value!r} is not in profile {live}")
    if form.get("confirm") != "yes":
        plan = ws.identity.unmerge_plan((kind, value))
        return page(request, "unmerge.html", title="Unmerge an identifier", plan=plan, kind=kind, value=value)
    old, new = ws.identity.unmerge((kind, value), actor=viewer.actor)
    return RedirectResponse(f"/profiles/{old}?done=unmerged&other={new}", status_code=303)


@router.post("/profiles/{profile_id}/merge")
def merge(request: Request, viewer: ViewerDep, profile_id: int, form: FormDep) -> Response:
    check_csrf(viewer, form.get("csrf"))
    viewer.require("profiles:write")
    ws = request.app.state.workspace
    mine = ws.profiles.identifiers(ws.profiles.resolve(profile_id))
    if not mine:
        raise ValueError(f"profile {profile_id} has no identifier to merge by")
    other = (form.get("kind", ""), form.get("value", "").strip())
    try:
        merged = ws.identity.merge((mine[0]["kind"], mine[0]["value"]), other, actor=viewer.actor)
    except (NotFoundError, ValueError) as error:
        # an unknown or malformed identifier is a typo to correct in the form, not a page of its own
        refused = {"kind": other[0], "value": other[1], "error": f"Not merged: {error}"}
        return _card(request, viewer, ws.profiles.resolve(profile_id), merge=refused)
    return RedirectResponse(f"/profiles/{merged}?done=merged", status_code=303)


def card_extras(ws: Any, viewer: Viewer, profile_id: int) -> dict[str, Any]:
    """Consent, persona, survey answers and messages of a profile, each from its own room."""
    return {
        **card_consent(ws, profile_id),
        "purposes": PURPOSES,
        "channels": CHANNELS,
        "persona": ws.personas.of_profile(profile_id),
        "answers": ws.surveys.of_profile(profile_id, ANSWERS_SHOWN),
        "messages": ws.activation.messages_of(profile_id, MESSAGES_SHOWN) if viewer.can("campaigns") else None,
    }


def last_fit(ws: Any) -> datetime | None:
    """When predictions were last fitted (None: never), for saying why a profile has none."""
    report = ws.predict.report()
    return datetime.fromisoformat(str(report["fitted_at"])) if report else None


def card_consent(ws: Any, profile_id: int) -> dict[str, Any]:
    """The consent matrix and the decisions it comes from."""
    decisions = ws.privacy.consent(profile_id)
    return {"consent": consent_matrix(ws, profile_id, decisions, ws.clock.now()), "consent_decisions": decisions}


def consent_matrix(ws: Any, profile_id: int, decisions: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Per purpose: the purpose-wide answer, whether a decision or the default gave it, and each channel's answer.

    A channel's answer is what ``ws.privacy.may`` says for it. ``except`` names the channels
    whose answer differs from the purpose-wide one (each by a decision of its own): after a
    withdrawal on email only, the row once read "Every channel: allowed" beside "email: no".
    """
    answers = ws.privacy.may_all(profile_id)
    decided = {
        d["purpose"] for d in decisions if d["channel"] is None and (d["expires_at"] is None or d["expires_at"] > now)
    }
    rows = []
    for purpose in PURPOSES:
        channels, wide = answers[purpose], answers[purpose][None]
        exceptions = [channel for channel in CHANNELS if channels[channel] != wide]
        rows.append(
            {"purpose": purpose, "any": wide, "decided": purpose in decided, "except": exceptions, "channels": channels}
        )
    return rows


def identity_rows(identifiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each identifier with its edges seen from its side: the other end, reason, status, why."""
    rows = []
    for identifier in identifiers:
        me = f"{identifier['kind']}:{identifier['value']}"
        links = [
            {
                **edge,
                "other": edge["b"] if edge["a"] == me else edge["a"],
                **merge_reason(edge.get("merge")),
                "reason": link_reason(edge),
            }
            for edge in identifier["edges"]
        ]
        rows.append({**identifier, "links": links})
    return rows
