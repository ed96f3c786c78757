"""One JSON shape for every error the API answers, and the mapping to statuses.

    {"success": false, "code": "invalid_event", "message": "...", "field": "timestamp",
     "errors": [{"index": 3, "field": "event", "message": "..."}]}

``errors`` appears when a batch reports items by position. ``code`` and ``message``
sit at the top level because Segment's SDKs read exactly those two keys.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from persona360.api.responses import JSONBody
from persona360.errors import (
    AuthenticationError,
    IdentityError,
    InvalidEventError,
    MappingError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    Persona360Error,
    StoreUnavailableError,
)

log = logging.getLogger(__name__)

# (exception class, HTTP status, code), most specific first.
STATUS_OF: list[tuple[type[Exception], int, str]] = [
    (PayloadTooLargeError, 413, "payload_too_large"),
    (InvalidEventError, 400, "invalid_event"),
    (PermissionDeniedError, 403, "forbidden"),
    (AuthenticationError, 401, "unauthorized"),
    (NotFoundError, 404, "not_found"),
    (MappingError, 400, "invalid_mapping"),
    (IdentityError, 400, "invalid_identity_action"),
    (StoreUnavailableError, 503, "store_unavailable"),
    (ValueError, 400, "invalid_request"),
]


class ErrorItem(BaseModel):
    """One invalid event of a batch, by its position."""

    model_config = ConfigDict(extra="forbid")

    index: int
    field: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error answer: the schema documents this, the server sends :func:`error_body`."""

    model_config = ConfigDict(extra="forbid")  # the schema then refuses a key the server adds undocumented

    success: Literal[False] = False
    code: str = Field(examples=["invalid_request"], description="Stable, machine-readable (see STATUS_OF).")
    message: str = Field(examples=["a.kind: Field required"], description="What is wrong and how to fix it.")
    field: str = Field("", examples=["a.kind"], description="The field at fault; empty when none is.")
    errors: list[ErrorItem] = Field(
        default_factory=list, description="A batch's invalid events by index (only when a batch is refused)."
    )


def error_body(code: str, message: str, field: str = "", errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "code": code, "message": message, "field": field}
    if errors is not None:
        body["errors"] = errors
    return body


def status_of(error: Exception) -> tuple[int, str]:
    """The HTTP status and code that answer ``error`` (:data:`STATUS_OF`)."""
    for kind, status, code in STATUS_OF:
        if isinstance(error, kind):
            return status, code
    return 400, "invalid_request"


def error_response(
    status: int,
    code: str,
    message: str,
    field: str = "",
    errors: list[dict[str, Any]] | None = None,
) -> JSONBody:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONBody(error_body(code, message, field, errors), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure in the one shape."""

    @app.exception_handler(Persona360Error)
    @app.exception_handler(ValueError)
    async def _known(request: Request, error: Exception) -> JSONBody:
        status, code = status_of(error)
        return error_response(status, code, str(error), getattr(error, "field", ""))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONBody:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"] if part not in ("body", "query", "path"))
        return error_response(400, "invalid_request", f"{field}: {first['msg']}", field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONBody:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return error_response(error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONBody:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "an unexpected error happened; it was logged")
