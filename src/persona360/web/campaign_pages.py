"""Campaigns: the list with each one's results, and one campaign's funnel and uplift.

Figures come from ``ws.activation.report`` (attribution against the control arm);
nothing here counts messages itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from persona360.web.auth import Viewer, ViewerDep
from persona360.web.charts import funnel_chart, interval_chart
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
    rows = [{**c, "report": activation.report(c["name"])} for c in activation.list()]
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
        funnel=funnel_chart("Funnel: queued → sent → opened → clicked → converted", funnel_steps(report)),
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
