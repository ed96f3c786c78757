"""Campaigns: the list with each one's results, and one campaign's funnel and uplift.

Figures come from ``ws.activation.report`` (attribution against the control arm);
nothing here counts messages itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from persona360.activation import uplift_withheld
from persona360.web.auth import Viewer, ViewerDep
from persona360.web.charts import format_number, funnel_chart, interval_chart
from persona360.web.rendering import WebRoute, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# "queued" counts every message written, "sent" only those the channel accepted: a
# campaign whose mail server is down reads "queued 153, sent 0", never "sent 153".
FUNNEL = (("queued", "sends"), ("sent", "delivered"), ("opened", "opens"), ("clicked", "clicks"))


def campaign_viewer(viewer: ViewerDep) -> Viewer:
    viewer.require("campaigns")
    return viewer


CampaignViewer = Annotated[Viewer, Depends(campaign_viewer)]


@router.get("/campaigns")
def campaigns(request: Request, viewer: CampaignViewer) -> HTMLResponse:
    activation = request.app.state.workspace.activation
    rows = [
        {**c, "report": (report := activation.report(c["name"])), "withheld": uplift_withheld(report)}
        for c in activation.list()
    ]
    return page(request, "campaigns.html", title="Campaigns", rows=rows)


@router.get("/campaigns/{name}")
def campaign_page(request: Request, viewer: CampaignViewer, name: str) -> HTMLResponse:
    activation = request.app.state.workspace.activation
    campaign = activation.get(name)
    report = activation.report(name)
    return page(
        request,
        "campaign.html",
        title=campaign["name"],
        campaign=campaign,
        report=report,
        audience=audience_steps(report["runs"], campaign),
        funnel=funnel_chart("Funnel: queued → sent → opened → clicked → converted", funnel_steps(report)),
        withheld=uplift_withheld(report),
        uplift=interval_chart(
            "Conversion rate, treatment minus control, with its 95% interval",
            report["difference"],
            report["ci_low"],
            report["ci_high"],
        ),
    )


def funnel_steps(report: dict[str, Any]) -> list[tuple[str, float]]:
    """The funnel's steps; "converted" counts treated people who ordered in the window."""
    steps = [(label, float(report[key])) for label, key in FUNNEL]
    return [*steps, ("converted", float(report["conversions"]))]


def audience_steps(runs: dict[str, Any], campaign: dict[str, Any]) -> list[str]:
    """Where the considered candidates went, in words, largest reasons as the queue run meets them.

    A segment of 512 with 173 people in the arms reads as a fault unless the page says
    that 337 never consented to this purpose on this channel and 2 have no address.
    """
    purpose, channel = campaign.get("purpose") or "marketing", campaign["channel"]
    skipped = runs["skipped"]
    steps = [
        (runs["considered"] - runs["new"], "already in the campaign from an earlier run"),
        (skipped["no_consent"], f"without {purpose} consent by {channel}"),
        (skipped["no_address"], f"with no {channel} address"),
        (skipped["capped"], f"over the {channel} frequency cap"),
        (skipped["render_failed"], "whose message failed to render"),
        (skipped["control"], "held out as control"),
        (runs["queued"], "given a message"),
    ]
    return [f"{format_number(n)} {label}" for n, label in steps if n]
