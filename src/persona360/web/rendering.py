"""Templates, their filters, and the route class that turns failures into HTML pages.

The API answers errors in one JSON shape (``api/errors.py``); a browser needs a page
instead, and a login redirect rather than a 401. :class:`WebRoute` does that for the
web router only, so the API's handlers stay as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import ClientDisconnect

from persona360.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from persona360.store.money import Money
from persona360.web.charts import format_number
from persona360.web.values import amounts, email_breaks, figure, shares, shown, stamp

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class LoginRequiredError(AuthenticationError):
    """No valid session: the browser goes to the login page."""


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """'3 min ago', '5 h ago', '12 d ago' ('never' for None)."""
    if moment is None:
        return "never"
    seconds = ((now or datetime.now(moment.tzinfo)) - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for size, unit in ((86400 * 365, "y"), (86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            text = f"{int(seconds // size)} {unit}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def seconds_ago(seconds: float | None) -> str:
    """'just now', '12 s ago', '3 min ago' for an age in seconds."""
    if seconds is None:
        return "never"
    if seconds < 1:
        return "just now"
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


TEMPLATES.filters.update(
    shown=shown,
    seconds_ago=seconds_ago,
    ago=ago,
    stamp=stamp,
    amounts=amounts,
    shares=shares,
    figure=figure,
    email=email_breaks,
    num=format_number,
    urlpart=lambda s: quote(str(s), safe=""),
)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the viewer (when logged in), the request and the workspace's main currency."""
    context.setdefault("viewer", getattr(request.state, "viewer", None))
    context.setdefault("main_currency", main_currency(request))
    html = TEMPLATES.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def main_currency(request: Request) -> str:
    """The currency the served workspace shows a total of no orders in (``Money.main_currency``)."""
    return Money.from_settings(request.app.state.workspace.settings).main_currency


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return page(request, "error.html", status=status, title=title, message=message)


def page_count(page_number: int, total: int, size: int) -> int:
    """How many pages of ``size`` rows ``total`` makes (at least one); a page past the last is not found.

    ``?page=9999`` once showed "Page 9999 of 56" over an empty table.
    """
    pages = max(1, -(-total // size))
    if page_number > pages:
        raise NotFoundError(f"there is no page {page_number}: the list has {pages} page{'s' if pages > 1 else ''}")
    return pages


def invalid_request_page(request: Request, error: RequestValidationError) -> HTMLResponse:
    """A URL whose path or query does not fit its page: 404 for a path (``/profiles/abc``), else 400.

    A person edits URLs by hand; they get the page that says which part is wrong, not
    the API's JSON.
    """
    first = error.errors()[0]
    where, name, given = first["loc"][0], first["loc"][-1], first.get("input")
    if where == "path":
        return error_page(request, 404, "Not found", f"no page at {request.url.path}: {name} {given!r} is not valid")
    if first["type"] == "missing":  # nothing was given: "state None: field required" said nothing useful
        return error_page(request, 400, "Cannot do that", f"the address is missing {name}=… (a {where} parameter)")
    reason = str(first["msg"])
    return error_page(request, 400, "Cannot do that", f"{name} {given!r}: {reason[:1].lower()}{reason[1:]}")


class WebRoute(APIRoute):
    """A route whose failures answer as pages: login redirect, 403, 404, 400."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ClientDisconnect:
                return Response(status_code=400)  # the browser left (a superseded preview)
            except LoginRequiredError:
                target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
                return RedirectResponse(f"/login?next={target}", status_code=303)
            except PermissionDeniedError as error:
                return error_page(request, 403, "Not allowed", str(error))
            except NotFoundError as error:
                return error_page(request, 404, "Not found", str(error))
            except RequestValidationError as error:
                return invalid_request_page(request, error)
            except ValueError as error:
                return error_page(request, 400, "Cannot do that", str(error))

        return handle
