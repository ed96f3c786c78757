"""Privacy across people: consent per purpose and channel, recent privacy acts, retention rules.

The card of one profile changes its consent, exports and erases (``privacy_pages.py``);
this page answers "who may we write to, who asked what, what do we delete when". The
counts are ``ws.privacy.consent_counts``, the people behind a count
``ws.privacy.consent_holders``, the acts ``ws.privacy.requests`` (the audit trail), the
rules the settings the privacy room applies: nothing is counted here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from persona360.privacy import CHANNELS
from persona360.web.privacy_pages import PrivacyViewer
from persona360.web.rendering import WebRoute, page, page_count

router = APIRouter(route_class=WebRoute, include_in_schema=False)
REQUESTS_SHOWN = 50
HOLDERS_PAGE = 50
STATES = {
    "granted": "granted",
    "expired": "granted, expired",
    "withdrawn": "withdrawn",
    "never": "never asked",
}
ACTS = {
    "erasure.completed": "Erasure",
    "export.person": "Access export",
    "consent.grant": "Consent granted",
    "consent.withdraw": "Consent withdrawn",
    "suppression.lifted": "Erased identifier let in again",
    "retention.run": "Retention run",
}


@router.get("/privacy")
def privacy(request: Request, viewer: PrivacyViewer) -> HTMLResponse:
    ws = request.app.state.workspace
    requests = ws.privacy.requests(REQUESTS_SHOWN)
    held = {row["profile_id"] for row in ws.profiles.list_ids(sorted(profile_ids(requests)))}
    return page(
        request,
        "privacy.html",
        title="Privacy",
        consent=ws.privacy.consent_counts(),
        states=STATES,
        people=ws.profiles.count(),
        requests=[request_view(row, held) for row in requests],
        shown=REQUESTS_SHOWN,
        settings=ws.settings,
    )


def profile_ids(rows: list[dict[str, Any]]) -> set[int]:
    return {int(number) for row in rows if (number := row["target"].removeprefix("profile:")).isdigit()}


def request_view(row: dict[str, Any], held: set[int]) -> dict[str, Any]:
    """An audit entry as the page words it: what, about whom (a link while the profile exists), and how much."""
    number = row["target"].removeprefix("profile:")
    profile = int(number) if number.isdigit() else None
    return {
        **row,
        "act": ACTS.get(row["action"], row["action"]),
        "profile": profile,
        "linked": profile in held,
        "detail_text": detail_text(row["action"], row["detail"] or {}),
    }


def detail_text(action: str, detail: dict[str, Any]) -> str:
    """The entry's detail in words: a consent change's purpose and channel, an erasure's or a run's counts."""
    if action.startswith("consent."):
        channel = detail.get("channel") or "every channel"
        expires = f", until {str(detail['expires_at'])[:10]}" if detail.get("expires_at") else ""
        return f"{detail.get('purpose')} by {channel} ({detail.get('basis', 'consent')}{expires})"
    if action == "erasure.completed":
        rows = sum((detail.get("rows") or {}).values())
        return f"{detail.get('identifiers', 0)} identifiers suppressed, {rows:,} rows deleted"
    if action == "retention.run":
        dry = "dry run: " if detail.get("dry_run") else ""
        return f"{dry}{detail.get('events', 0):,} events, {len(detail.get('profiles') or [])} profiles touched"
    return ""


@router.get("/privacy/consent")
def consent_holders(
    request: Request,
    viewer: PrivacyViewer,
    purpose: str = Query(..., max_length=40),
    state: str = Query(..., max_length=20),
    channel: str = Query("", max_length=40),
    page_number: int = Query(1, ge=1, alias="page"),
) -> HTMLResponse:
    """The people behind one count of the consent table (audited: the list names them)."""
    ws = request.app.state.workspace
    offset = (page_number - 1) * HOLDERS_PAGE
    found = ws.privacy.consent_holders(purpose, channel or None, state, HOLDERS_PAGE, offset)
    pages = page_count(page_number, found["total"], HOLDERS_PAGE)
    detail = {"purpose": purpose, "channel": channel or None, "state": state, "rows": len(found["profile_ids"])}
    if found["profile_ids"]:
        ws.privacy.audit(viewer.actor, "consent.holders", "profiles", detail)
    return page(
        request,
        "privacy_consent.html",
        title=f"{purpose} on {channel or 'every channel'}: {STATES[state]}",
        purpose=purpose,
        channel=channel,
        state=state,
        state_words=STATES[state],
        channels=CHANNELS,
        total=found["total"],
        rows=ws.profiles.list_ids(found["profile_ids"]),
        page_number=page_number,
        pages=pages,
    )
