"""The web UI: server-rendered pages over the workspace, behind an admin-token login.

``router`` serves the pages next to the API in the same process::

    from persona360 import web
    app.include_router(web.router)
"""

from __future__ import annotations

from persona360.web.enrichment_pages import stop_enrichment_run as stop_background_runs
from persona360.web.error_pages import install_error_pages
from persona360.web.routes import router

__all__ = ["install_error_pages", "router", "stop_background_runs"]
