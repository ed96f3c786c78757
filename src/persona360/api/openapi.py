"""What ``/openapi.json`` says about errors: the statuses each route answers, in the one shape.

FastAPI documents ``422 HTTPValidationError`` wherever it validates a parameter or a
body, but this app answers those failures with ``400`` and :class:`ErrorBody`
(``errors.install_error_handlers``), and FastAPI has no setting for that
(fastapi/fastapi#1376). So :func:`document_errors` rewrites the schema FastAPI built
(the documented ``app.openapi()`` override): each 422 becomes the 400 the server
sends, and :class:`ErrorBody` joins the components. Every other error status is
declared with FastAPI's ``responses=``, on a router when all its routes answer it, on
a route otherwise (:func:`error_responses`). The content is named ``application/json``
rather than left to FastAPI, which would file it under an HTML route's media type,
while errors under ``/v1/`` are JSON whatever the route answers when it succeeds.
"""

from __future__ import annotations

from typing import Any

from persona360.api.errors import STATUS_OF, ErrorBody

MEANINGS = {
    400: "The input is refused: a body, parameter or value, named in `message` and `field`.",
    401: "No credential, or an unknown one.",
    403: "The admin token lacks the route's scope.",
    404: "What the request names does not exist.",
    413: "The body is over the size limit.",
    503: "The events could not be stored; send them again.",
}
_REF_TEMPLATE = "#/components/schemas/{model}"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for routes answering ``statuses`` with :class:`ErrorBody`."""
    return {status: _error_response(status) for status in statuses}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with :class:`ErrorBody` in it, and FastAPI's 422s as the 400 the app sends."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", _error_response(400))
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    body = ErrorBody.model_json_schema(ref_template=_REF_TEMPLATE, mode="serialization")
    schemas.update(body.pop("$defs", {}))
    schemas[ErrorBody.__name__] = body
    return schema


def _error_response(status: int) -> dict[str, Any]:
    codes = [code for _, answered, code in STATUS_OF if answered == status]
    description = f"{MEANINGS[status]} Codes: {', '.join(codes)}." if codes else MEANINGS[status]
    schema = {"$ref": _REF_TEMPLATE.format(model=ErrorBody.__name__)}
    return {"description": description, "content": {"application/json": {"schema": schema}}}
