"""Enrichment: what each provider filled in, when it last wrote, and a button that runs it.

The figures are ``ws.enrichment.coverage`` (profiles showing a provider's traits, per
trait, and its newest answer) and the audit trail's last ``enrichment.run``. The button
runs what ``persona360 enrich`` runs, ``ws.enrichment.run`` over the offline built-in
providers, with the viewer as the audited actor; it writes onto profiles, so it needs
``profiles:write``, as the admin API's ``POST /v1/enrichment/run`` does. The run goes on
in a background thread (``background_run``): the page shows how far it is and reloads
itself until it is done.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from persona360.web.auth import FormDep, ViewerDep, check_csrf
from persona360.web.background_run import BackgroundRun, Progress, RunStopped
from persona360.web.charts import bar_chart
from persona360.web.rendering import WebRoute, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
RUN_WAIT = 3.0  # seconds the button's request waits: a small shop's run ends in them and shows "Done." at once
READS = {
    "phone": "the phone number: country, line type, region, carrier",
    "email": "the email address: valid, free, disposable, role, company domain",
    "name": "the first name: gender",
    # the demo's addresses are documentation ranges (RFC 5737, 3849), on purpose: it filled nothing and said nothing why
    "ip": "the public IP addresses of the newest events (context.ip): country, region, city, time zone; "
    "private, reserved and documentation addresses are not located",
    "user_agent": "the browsers of the newest events: device type, system, browser",
}


@router.get("/enrichment")
def enrichment(request: Request, viewer: ViewerDep) -> HTMLResponse:
    ws = request.app.state.workspace
    rows = [{**row, "reads": READS.get(row["provider"], "a remote service")} for row in ws.enrichment.coverage()]
    last = ws.privacy.audit_log(1, action="enrichment.run")
    return page(
        request,
        "enrichment.html",
        title="Enrichment",
        rows=rows,
        people=ws.profiles.count(),
        consent=enrichment_consent(ws),
        chart=bar_chart("Profiles showing a trait it inferred", [(row["provider"], row["profiles"]) for row in rows]),
        last_run=last[0] if last else None,
        auto=ws.enrichment.status()["auto"],
        ran=request.query_params.get("ran") == "1",
        run=enrichment_runner(request).state(),
    )


def enrichment_consent(ws: Any) -> dict[str, Any]:
    """The every-channel ``enrichment`` row of the privacy room's consent counts (a run checks it)."""
    rows: list[dict[str, Any]] = ws.privacy.consent_counts()
    return next(row for row in rows if row["purpose"] == "enrichment" and row["channel"] is None)


@router.post("/enrichment/run")
def run(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    """Run the offline built-in providers over every profile that allows it, as ``persona360 enrich`` does."""
    viewer.require("profiles:write")
    check_csrf(viewer, form.get("csrf"))
    ws, actor = request.app.state.workspace, viewer.actor

    def job(progress: Progress) -> None:
        try:
            report = ws.enrichment.run(None, progress=progress)
        except RunStopped as stopped:  # the batches written so far stay, and the trail says so
            ws.privacy.audit(actor, "enrichment.run", "profiles", {"stopped": str(stopped)})
            raise
        ws.privacy.audit(actor, "enrichment.run", "profiles", report.as_dict())

    enrichment_runner(request).start(job, actor)  # a run already going is followed, not doubled
    return RedirectResponse("/enrichment?ran=1#last-run", status_code=303)


def stop_enrichment_run(state: Any) -> None:
    """Ask a run the page started to end between batches, and wait for it (a server stopping)."""
    runner: BackgroundRun | None = getattr(state, "web_enrichment", None)
    if runner is not None:
        runner.stop()


def enrichment_runner(request: Request) -> BackgroundRun:
    """The server's one enrichment run started from the page (made on first use)."""
    state = request.app.state
    if not hasattr(state, "web_enrichment"):
        state.web_enrichment = BackgroundRun("p360-web-enrichment", RUN_WAIT)
    found: BackgroundRun = state.web_enrichment
    return found
