"""Personas: the cards of the latest model side by side, and who is in each persona.

Everything comes from ``ws.personas`` (cards are stored with the model, so a page is
one read of one row plus, for "who is in it", one page of assignments).
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from persona360.personas import CHANNEL_LABELS, CHANNELS_NOTE, CHANNELS_TITLE
from persona360.web.auth import ViewerDep
from persona360.web.charts import bar_chart, diverging_chart, label_room
from persona360.web.rendering import WebRoute, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
MEMBERS_PAGE = 25
FEATURES_TITLE = "Distinguishing features (lift in standard deviations)"
# a persona card's charts are drawn as wide as the card's content at 1400-1920 px (three cards
# in a 1280 px page), so their 12 px text is shown at 12 px, not scaled down to 8 px
CARD_CHART_WIDTH = 360


@router.get("/personas")
def personas(request: Request, viewer: ViewerDep) -> HTMLResponse:
    ws = request.app.state.workspace
    stored = ws.personas.latest()
    pains = ws.personas.pains(stored) if stored else {}
    shares = {row["persona"]: row["revenue_shares"] for row in ws.personas.list()} if stored else {}
    cards = [
        card_view({**card, "pains": pains.get(card["persona"]), "revenue_shares": shares[card["persona"]]})
        for card in (stored["cards"] if stored else [])
    ]
    drift = stored["report"].get("drift") if stored else None  # kept with the model: no second read
    return page(
        request,
        "personas.html",
        title="Personas",
        stored=stored,
        now=ws.clock.now(),
        cards=cards,
        versions=ws.personas.versions()[:10],
        drift=drift_lines(drift),
    )


def drift_lines(report: dict[str, Any] | None) -> list[str]:
    """The personas room's drift report in sentences a marketer reads (empty for a first version)."""
    if not report:
        return []
    customers = report["customers"]
    lines = [f"v{report['from_version']} → v{report['to_version']}: {customers['joined']} customers joined, "
             f"{customers['left']} left"]  # fmt: skip
    if report.get("changed_share") is not None:
        lines[0] += f"; {report['changed_share']:.0%} of the {customers['both']} in both changed persona"
    for m in report["matches"]:
        renamed = m["old_name"] if m["old_name"] == m["new_name"] else f"{m['old_name']} → {m['new_name']}"
        lines.append(f"{renamed}: {m['share_before']:.0%} → {m['share_after']:.0%} of customers")
    lines += [f"New persona: {p['name']} ({p['share']:.0%})" for p in report["born"]]
    lines += [f"Gone: {p['name']} (was {p['share']:.0%})" for p in report["gone"]]
    return lines


@router.get("/personas/{persona}")
def persona_page(
    request: Request, viewer: ViewerDep, persona: str, page_number: int = Query(1, ge=1, alias="page")
) -> HTMLResponse:
    ws = request.app.state.workspace
    card = ws.personas.show(persona)
    found = ws.personas.members(card["persona"], MEMBERS_PAGE, (page_number - 1) * MEMBERS_PAGE)
    ws.privacy.audit(viewer.actor, "persona.members", f"persona:{card['persona']}", {"rows": len(found["members"])})
    distance = {m["profile_id"]: m["distance"] for m in found["members"]}
    rows = [{**row, "distance": distance[row["profile_id"]]} for row in ws.profiles.list_ids(list(distance))]
    return page(
        request,
        "persona.html",
        title=card["name"],
        card=card_view(card),
        total=found["total"],
        rows=rows,
        page_number=page_number,
        pages=max(1, -(-found["total"] // MEMBERS_PAGE)),
    )


def card_view(card: dict[str, Any]) -> dict[str, Any]:
    """A stored card with what the templates draw: avatar as an image, charts, labels."""
    features = [(label(row["feature"]), float(row["z"])) for row in card["distinguishing"]]
    channels = [(CHANNEL_LABELS.get(n, label(n)), round(share * 100, 1)) for n, share in card["channels"].items()]
    return {
        **card,
        "avatar_src": avatar_src(card["avatar_svg"]),
        "features_chart": diverging_chart(
            FEATURES_TITLE, features, width=CARD_CHART_WIDTH, labels=label_room(f for f, _ in features)
        ),
        "channels_chart": bar_chart(
            CHANNELS_TITLE, channels, unit=" %", width=CARD_CHART_WIDTH, labels=label_room(c for c, _ in channels)
        ),
        "channels_note": CHANNELS_NOTE,
        "best_hour": None if card["best_send_hour"] is None else f"{card['best_send_hour']:02d}:00 UTC",
    }


def avatar_src(svg: str) -> str:
    """The persona's generated SVG as a data: URL for an ``<img>`` (alt text in the template)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def label(name: str) -> str:
    return name.replace("_share", "").replace("_", " ")
