"""The web's error page for URLs no page serves, beside the API's JSON errors.

A route of the web answers its own failures (``rendering.WebRoute``); a path that no
route serves (``/nope``) or a method a page does not take never reaches one, so the
app's JSON handler answered it. Here the paths outside the API get the page instead.
"""

from __future__ import annotations

import inspect
from contextlib import suppress

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException

from persona360.web.auth import current_viewer
from persona360.web.rendering import LoginRequiredError, error_page

TITLES = {404: "Not found", 405: "Not allowed"}


def install_error_pages(app: FastAPI, api_prefixes: tuple[str, ...]) -> None:
    """Answer HTTP errors on paths outside ``api_prefixes`` with the web's error page.

    The API's handler (installed first) still answers its own paths, in its JSON shape.
    """
    answer_api = app.exception_handlers[HTTPException]

    async def answer(request: Request, error: Exception) -> Response:
        if request.url.path.startswith(api_prefixes) or not isinstance(error, HTTPException):
            answered = answer_api(request, error)
            return await answered if inspect.isawaitable(answered) else answered
        with suppress(LoginRequiredError):
            current_viewer(request)  # the navigation of a logged-in viewer; no login asked for a 404
        message = "there is no page here" if error.status_code == 404 else str(error.detail)
        return error_page(request, error.status_code, TITLES.get(error.status_code, "Cannot do that"), message)

    app.add_exception_handler(HTTPException, answer)
