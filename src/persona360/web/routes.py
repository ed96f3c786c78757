"""The web UI's router: static files, the overview, search and the profiles list.

Wire it into the app with ``app.include_router(persona360.web.router)``; it serves
``/``, ``/login``, ``/profiles…``, ``/segments…``, ``/personas…``, ``/campaigns…``,
``/review…``, ``/audit``, ``/surveys…``, ``/enrichment…``, ``/privacy…`` and ``/static/…`` next to the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from persona360.errors import NotFoundError
from persona360.web import (
    auth,
    campaign_pages,
    enrichment_pages,
    persona_pages,
    privacy_overview_pages,
    privacy_pages,
    profile_pages,
    review_pages,
    segment_pages,
    settings_pages,
    survey_pages,
)
from persona360.web.auth import ViewerDep
from persona360.web.charts import Series, bar_chart, line_chart
from persona360.web.figure_cache import FigureCache
from persona360.web.figures import overview as overview_figures
from persona360.web.rendering import HERE, WebRoute, page, page_count

router = APIRouter(route_class=WebRoute, include_in_schema=False)
STATIC = {path.name: path for path in (HERE / "static").iterdir() if path.is_file()}
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
PAGE_SIZE = 50
SORTS = ("last_seen", "revenue", "orders", "events", "first_seen")
CHART_SEGMENTS = 6
FIGURES_MAX_AGE = 60.0  # seconds an overview's figures are shown before they are recounted
FIGURES_WAIT = 0.2  # seconds the first visit waits for them (a small shop needs less)


@router.get("/static/{name}")
def static(name: str) -> Response:
    path = STATIC.get(name)
    if path is None:
        raise NotFoundError(f"no static file {name!r}")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix),
        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/")
def overview(request: Request, viewer: ViewerDep) -> HTMLResponse:
    """The figures and charts as last counted (see ``figure_cache``), with their age."""
    cached = overview_cache(request).read()
    charts = dict(cached.value["charts"]) if cached.value else {}
    if not viewer.can("segments"):
        charts.pop("segment_sizes", None)
        charts.pop("segment_counts", None)
    figures = cached.value["figures"] if cached.value else None
    return page(request, "overview.html", figures=figures, charts=charts, cached=cached)


def overview_cache(request: Request) -> FigureCache:
    state = request.app.state
    if not hasattr(state, "web_overview"):
        ws = state.workspace
        state.web_overview = FigureCache(lambda: count_overview(ws), FIGURES_MAX_AGE, FIGURES_WAIT)
    found: FigureCache = state.web_overview
    return found


def count_overview(ws: Any) -> dict[str, Any]:
    """Every figure and chart of the overview (slow on a large workspace: run off the request)."""
    figures = overview_figures(ws)
    charts = {
        "events": line_chart("Events per day, last 30 days", [Series("events", figures["events_per_day"])]),
        "revenue": [
            bar_chart(f"Revenue by source ({currency})", sources)
            for currency, sources in figures["revenue_by_source"].items()
        ],
        **segment_charts(ws),
        "personas": persona_revenue_charts(ws),
    }
    return {"figures": figures, "charts": charts}


def segment_charts(ws: Any) -> dict[str, Any]:
    """Segment sizes (bars) and the size over time of the largest few (lines)."""
    segments = sorted(ws.segments.list(), key=lambda s: -s["members"])
    now = ws.clock.now()
    sizes = bar_chart("Segment sizes (profiles)", [(s["name"], s["members"]) for s in segments])
    series = [
        Series(
            s["name"], [(c["counted_at"], float(c["members"])) for c in ws.segments.counts(s["segment_id"])]
        ).held_until(now)
        for s in segments[:CHART_SEGMENTS]
    ]
    title = f"Segment size over time (largest {min(len(segments), CHART_SEGMENTS)})"
    return {"segment_sizes": sizes, "segment_counts": line_chart(title, series)}


def persona_revenue_charts(ws: Any) -> list[Any]:
    """Each persona's share of each currency's revenue in the latest model (none before any model)."""
    stored = ws.personas.latest()
    if stored is None:
        return []
    return [
        bar_chart(
            f"Revenue by persona (share of {currency} revenue, model v{stored['version']})",
            [(name, round(share * 100, 1)) for name, share in shares],
            unit=" %",
        )
        for currency, shares in ws.personas.revenue_shares(stored).items()
    ]


SEARCH_LIMIT = 50  # people listed for a name; a common first name needs a last name to narrow


@router.get("/search")
def search(request: Request, viewer: ViewerDep, q: str = "") -> Response:
    text = q.strip()
    if not text:
        return page(request, "search.html", q=q, error=None)
    ws = request.app.state.workspace
    try:
        profile_id = ws.profiles.find_any(text)
    except NotFoundError:
        named = ws.profiles.find_by_name(text, SEARCH_LIMIT)
        # the profiles shown, not the words typed: a name is personal data, and erasure does not reach the log
        ws.privacy.audit(viewer.actor, "profiles.search", "profiles", {"rows": len(named), "profile_ids": named})
        if len(named) != 1:
            error = None if named else f"no profile has {text!r} as an identifier or in its name"
            rows = ws.profiles.list_ids(named)
            return page(
                request, "search.html", status=200 if named else 404, q=q, error=error, rows=rows, limit=SEARCH_LIMIT
            )
        profile_id = named[0]
    return RedirectResponse(f"/profiles/{profile_id}", status_code=303)


@router.get("/profiles")
def profiles(
    request: Request,
    viewer: ViewerDep,
    sort: str = Query("last_seen", pattern="^[a-z_]+$"),
    page_number: int = Query(1, ge=1, alias="page"),
) -> HTMLResponse:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    ws = request.app.state.workspace
    total = ws.profiles.count()
    pages = page_count(page_number, total, PAGE_SIZE)
    offset = (page_number - 1) * PAGE_SIZE
    rows = ws.profiles.list(limit=PAGE_SIZE, offset=offset, sort=sort)
    ws.privacy.audit(viewer.actor, "profiles.list", "profiles", {"limit": PAGE_SIZE, "offset": offset})
    return page(
        request,
        "profiles.html",
        title="Profiles",
        rows=rows,
        total=total,
        sort=sort,
        sorts=SORTS,
        page_number=page_number,
        pages=pages,
    )


router.include_router(auth.router)
router.include_router(profile_pages.router)
router.include_router(segment_pages.router)
router.include_router(persona_pages.router)
router.include_router(campaign_pages.router)
router.include_router(review_pages.router)
router.include_router(privacy_pages.router)
router.include_router(survey_pages.router)
router.include_router(privacy_overview_pages.router)
router.include_router(enrichment_pages.router)
router.include_router(settings_pages.router)
