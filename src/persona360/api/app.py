"""The server: ``create_app(workspace)`` builds the FastAPI app around one workspace.

The app owns the workspace's only writer (through the batcher) for its lifetime; the
lifespan drains the batcher and checkpoints the file on shutdown, after a run the web's
enrichment page started has ended between its batches.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from persona360 import __version__, web
from persona360.api import links as activation_links
from persona360.api import surveys, tracking
from persona360.api.admin import activation as admin_activation
from persona360.api.admin import enrichment as admin_enrichment
from persona360.api.admin import personas, profiles, segments
from persona360.api.admin import privacy as admin_privacy
from persona360.api.admin import resolution as admin_resolution
from persona360.api.admin import surveys as admin_surveys
from persona360.api.consistency import SettleBeforeReads
from persona360.api.errors import install_error_handlers
from persona360.api.intake import TrackingIntake
from persona360.api.openapi import document_errors
from persona360.api.ticker import Ticker
from persona360.collector import collector_tuned_for_serving
from persona360.ingest.batcher import Batcher
from persona360.workspace import Workspace


class Persona360App(FastAPI):
    """FastAPI, with the tracking POSTs answered before its middleware stack (``api/intake.py``).

    Its schema documents the 400 the app answers for invalid input, not FastAPI's 422.
    """

    intake: TrackingIntake | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        intake = self.intake
        kind = None if intake is None else intake.kind_of(scope)
        if intake is None or kind is None:
            await super().__call__(scope, receive, send)
        else:
            await intake(scope, receive, send, kind)

    def openapi(self) -> dict[str, Any]:
        """FastAPI's schema, with the errors the app really answers (``api/openapi.py``)."""
        if self.openapi_schema is None:
            self.openapi_schema = document_errors(super().openapi())
        return self.openapi_schema


# Paths answered in the API's JSON error shape; every other path is the web's, whose
# errors are pages (web/error_pages.py).
API_PREFIXES = ("/v1/", "/t/", "/health", "/openapi.json", "/docs", "/redoc")


def create_app(workspace: Workspace) -> FastAPI:
    """Build the API around ``workspace`` (which the caller opened and will close)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = workspace.settings
        app.state.batcher = Batcher(
            workspace.writer,
            settings.batch_max_events,
            settings.batch_max_wait_ms,
            derive_within_ms=settings.batch_derive_within_ms,
            derive_relaxed_ms=settings.batch_derive_relaxed_ms,
            gather_ms=settings.batch_gather_ms,
        )
        workspace.segments.start_worker()
        workspace.enrichment.start_auto()
        workspace.activation.start_triggers()
        every = timedelta(hours=settings.predict_every_hours)
        ticker = Ticker(
            settings.sweep_seconds,
            [
                workspace.segments.sweep,
                workspace.activation.deliver_due,
                lambda: workspace.predict.run_if_due(every),
                workspace.personas.rebuild_if_stale,
                lambda: workspace.privacy.retention_if_due(timedelta(hours=settings.retention_every_hours)),
            ],
        )
        try:
            with collector_tuned_for_serving():  # see persona360.collector
                yield
        finally:
            # a run the enrichment page started ends between its batches, while all is still up
            await asyncio.to_thread(web.stop_background_runs, app.state)
            ticker.stop()
            app.state.batcher.close()
            workspace.activation.stop_triggers()
            workspace.enrichment.stop_auto()  # its last write still reaches the segment worker
            workspace.segments.stop_worker()
            workspace.db.checkpoint()

    app = Persona360App(
        title="persona360",
        version=__version__,
        summary="Segment-compatible tracking API and admin API of a persona360 workspace.",
        lifespan=lifespan,
    )
    app.state.workspace = workspace
    # ahead of the middleware below; it adds the CORS headers this policy gives (api/intake.py)
    app.intake = TrackingIntake(workspace, app.state)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],  # the intake's answers say the same (api/intake.py)
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        max_age=86400,
    )
    app.add_middleware(SettleBeforeReads, writer=workspace.writer, skip=tracking.TRACKING_PATHS)
    install_error_handlers(app)
    app.include_router(tracking.router)
    app.include_router(activation_links.router)
    app.include_router(profiles.router)
    app.include_router(admin_privacy.router)
    app.include_router(admin_privacy.retention_router)
    app.include_router(segments.router)
    app.include_router(personas.router)
    app.include_router(admin_resolution.router)
    app.include_router(surveys.router)
    app.include_router(admin_surveys.router)
    app.include_router(admin_enrichment.router)
    app.include_router(admin_activation.router)
    app.include_router(web.router)
    web.install_error_pages(app, API_PREFIXES)

    @app.get("/health", tags=["meta"], summary="Liveness and counts")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "profiles": workspace.profiles.count()}

    return app
