"""The review queue of probable identity matches: why each pair may be one person, and a decision.

Pairs, their match weights and the decisions all belong to ``ws.resolution``; accepting
merges the two profiles through it (a ``merge`` event with reason ``probabilistic``),
rejecting keeps them apart for good.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from persona360.resolution import weighed_reasons
from persona360.web.auth import FormDep, ViewerDep, check_csrf
from persona360.web.charts import diverging_chart
from persona360.web.rendering import WebRoute, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PENDING = 50
DECIDED = 20
NOTICES = {"accepted": "Merged: the two profiles are now one.", "rejected": "Rejected: the pair stays apart."}


@router.get("/review")
def review(request: Request, viewer: ViewerDep, done: str | None = None, profile: int | None = None) -> HTMLResponse:
    resolution = request.app.state.workspace.resolution
    pairs = resolution.pairs("pending", PENDING)
    names = profile_names(request.app.state.workspace, pairs)
    pending = [pair_view(p) | {"a_name": names.get(p["a_profile"]), "b_name": names.get(p["b_profile"])} for p in pairs]
    decided = resolution.decided(DECIDED)
    request.app.state.workspace.privacy.audit(
        viewer.actor, "resolution.pairs", "profiles", {"status": "pending", "limit": PENDING}
    )
    return page(
        request,
        "review.html",
        title="Review queue",
        pending=pending,
        waiting=resolution.count("pending"),  # all of them: the page shows the PENDING most likely
        upper=request.app.state.workspace.settings.resolution_upper,
        decided=decided,
        notice=NOTICES.get(done or ""),
        merged_profile=profile,
    )


@router.post("/review/{pair_id}/{decision}")
def decide(request: Request, viewer: ViewerDep, pair_id: int, decision: str, form: FormDep) -> Response:
    check_csrf(viewer, form.get("csrf"))
    viewer.require("profiles:write")
    resolution = request.app.state.workspace.resolution
    actor = viewer.actor
    if decision == "accept":
        merged = resolution.accept(pair_id, actor=actor)
        return RedirectResponse(f"/review?done=accepted&profile={merged}", status_code=303)
    if decision == "reject":
        resolution.reject(pair_id, actor=actor)
        return RedirectResponse("/review?done=rejected", status_code=303)
    raise ValueError(f"decision {decision!r}: use accept or reject")


def profile_names(ws: Any, pairs: list[dict[str, Any]]) -> dict[int, str | None]:
    """The name of each profile of ``pairs`` (``person_name``), read at once.

    A card showed "Profile 14822" and the identifier the pair was found by, beside a
    chart saying the names matched: the reviewer had to open both profiles to see them.
    """
    ids = sorted({pair[side] for pair in pairs for side in ("a_profile", "b_profile")})
    return {row["profile_id"]: row["name"] for row in ws.profiles.list_ids(ids)} if ids else {}


def pair_view(pair: dict[str, Any]) -> dict[str, Any]:
    """A pending pair with its match weights drawn (positive weights argue for one person; none of 0).

    The percentage is cut, not rounded, to one decimal: a pair of 0.98998 waits below a
    0.99 threshold and must not read "99.0 %". ``held`` is the clash that kept a likelier
    pair from being merged (``resolution.guard``), if any.
    """
    items = [(name.replace("_", " "), weight) for name, weight in weighed_reasons(pair["explanation"])]
    chart = diverging_chart(f"Why pair {pair['pair_id']} may be one person (match weights)", items)
    percent = math.floor(float(pair["probability"]) * 1000) / 10
    return {**pair, "chart": chart, "percent": percent, "held": pair["explanation"].get("conflict")}
