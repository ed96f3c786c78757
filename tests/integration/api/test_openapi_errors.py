"""``/openapi.json`` documents the errors the server really sends: 400 in the one shape, never 422.

FastAPI listed ``422 HTTPValidationError`` on every route with a parameter or a body,
but the server answers bad input with ``400`` and its own body (``api/errors.py``), so
generated clients expected an error they never got and could not read the one they did.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app

ERROR_REF = "#/components/schemas/ErrorBody"
# (door, method, path, body): bad input to a tracking route (served by api/intake.py) and admin routes
BAD_REQUESTS = [
    ("tracking", "POST", "/v1/track", {"userId": "u1"}),
    ("tracking", "POST", "/v1/batch", {"batch": [{"type": "track", "userId": "u1"}]}),
    ("nobody", "POST", "/v1/track", {"userId": "u1", "event": "Signed Up"}),
    ("admin", "POST", "/v1/profiles/merge", {"a": {"kind": "email"}}),
    ("admin", "GET", "/v1/profiles?limit=0", None),
    ("nobody", "POST", "/v1/profiles/merge", {}),
    ("admin", "GET", "/v1/profiles/999999", None),
]


@pytest.fixture
def schema(workspace: Workspace) -> dict[str, Any]:
    return create_app(workspace).openapi()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def send_all(ws: Workspace, requests: list[tuple[str, str, str, Any]]) -> list[httpx.Response]:
    """Each request through the real app (its lifespan running, for the tracking intake's batcher)."""
    _, write_key = ws.access.add_source("shop")
    credentials = {
        "tracking": {"authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()},
        "admin": {"authorization": f"Bearer {ws.access.create_token(['admin'], name='admin')}"},
        "nobody": {},
    }

    async def send() -> list[httpx.Response]:
        app = create_app(ws)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                return [
                    await http.request(method, path, json=body, headers=credentials[door])
                    for door, method, path, body in requests
                ]

    return run_on_own_loop(send())


def test_no_route_documents_422(schema: dict[str, Any]) -> None:
    documented = [name for name, operation in operations(schema) if "422" in operation["responses"]]
    assert documented == []
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_every_route_with_a_body_documents_400_in_the_error_shape(schema: dict[str, Any]) -> None:
    with_body = {name: operation for name, operation in operations(schema) if "requestBody" in operation}
    tracking = {name: op for name, op in operations(schema) if op.get("tags") == ["tracking"]}
    assert with_body and len(tracking) == 7
    for name, operation in {**with_body, **tracking}.items():
        answer = operation["responses"].get("400", {})
        assert answer.get("content", {}).get("application/json", {}).get("schema") == {"$ref": ERROR_REF}, name


def test_every_documented_error_uses_the_error_shape(schema: dict[str, Any]) -> None:
    for name, operation in operations(schema):
        for status, answer in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert answer["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (name, status)


def test_the_documented_error_model_validates_real_error_answers(workspace: Workspace, schema: dict[str, Any]) -> None:
    validator = jsonschema_rs.Draft202012Validator({"$ref": ERROR_REF, "components": schema["components"]})
    answers = send_all(workspace, BAD_REQUESTS)
    statuses = [answer.status_code for answer in answers]
    assert statuses == [400, 400, 401, 400, 400, 401, 404], [answer.text for answer in answers]
    assert answers[1].json()["errors"][0]["index"] == 0  # a batch's items are in the model too
    for (_, method, path, _), answer in zip(BAD_REQUESTS, answers, strict=True):
        documented = schema["paths"][path.partition("?")[0].replace("999999", "{profile_id}")][method.lower()]
        assert str(answer.status_code) in documented["responses"], (method, path)
        validator.validate(answer.json())
