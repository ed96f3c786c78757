"""Merge and unmerge take an identifier as ``{"kind", "value"}`` or as the CLI's ``KIND:VALUE``.

``"a": "email:jane@x.org"`` (as ``persona360 merge`` takes it) was refused with
``a: Input should be a valid dictionary or object to extract fields from``, which
named neither form the API would accept.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app

JANE = {"kind": "email", "value": "jane@example.org"}


def post(ws: Workspace, path: str, body: dict[str, Any]) -> httpx.Response:
    """``body`` posted to ``path`` through the real app over ASGI, with a profiles:write token."""
    headers = {"authorization": f"Bearer {ws.access.create_token(['profiles:write'], name='writer')}"}

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as http:
            return await http.post(path, json=body)

    return run_on_own_loop(send())


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    workspace.access.add_source("shop")
    people = [("u1", "jane@example.org"), ("u2", "+380671234567")]
    calls = [{"type": "identify", "userId": user, "traits": {"email" if "@" in contact else "phone": contact}}
             for user, contact in people]  # fmt: skip
    workspace.ingest.send("shop", calls)
    return workspace


@pytest.mark.parametrize(
    "body",
    [
        {"a": JANE, "b": {"kind": "user_id", "value": "u2"}},
        {"a": "email:jane@example.org", "b": "user_id:u2"},
        {"a": JANE, "b": "+380671234567"},
    ],
    ids=["objects", "KIND:VALUE strings", "one of each, a bare phone"],
)
def test_merge_takes_either_form(ws: Workspace, body: dict[str, Any]) -> None:
    answer = post(ws, "/v1/profiles/merge", body)
    assert answer.status_code == 200, answer.text
    assert ws.profiles.find("email", "jane@example.org") == ws.profiles.find("user_id", "u2")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"a": "jane", "b": "user_id:u2"}, "a", "write it as kind:value"),
        ({"a": JANE, "b": 42}, "b", 'a string "KIND:VALUE"'),
        ({"a": JANE, "b": ["user_id", "u2"]}, "b", 'an object {"kind": "email"'),
        ({"a": JANE, "b": "nosuchkind:u2"}, "b", 'or send an object {"kind": "email"'),
        ({"a": {"kind": "email"}, "b": "user_id:u2"}, "a.value", "Field required"),
    ],
    ids=["no kind in the string", "a number", "a list", "an unknown kind", "an object without its value"],
)
def test_a_malformed_identifier_is_a_400_naming_the_forms(
    ws: Workspace, body: dict[str, Any], field: str, message: str
) -> None:
    answer = post(ws, "/v1/profiles/merge", body)
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert message in answer.json()["message"]


@pytest.mark.parametrize("identifier", [JANE, "email:jane@example.org"], ids=["object", "KIND:VALUE string"])
def test_unmerge_takes_either_form(ws: Workspace, identifier: Any) -> None:
    merged = ws.identity.merge(("email", "jane@example.org"), ("user_id", "u2"))
    answer = post(ws, f"/v1/profiles/{merged}/unmerge", {"identifier": identifier})
    assert answer.status_code == 200, answer.text
    assert ws.profiles.find("email", "jane@example.org") != ws.profiles.find("user_id", "u2")


def test_unmerge_refuses_a_malformed_string_naming_the_forms(ws: Workspace) -> None:
    merged = ws.identity.merge(("email", "jane@example.org"), ("user_id", "u2"))
    answer = post(ws, f"/v1/profiles/{merged}/unmerge", {"identifier": "jane"})
    assert answer.status_code == 400
    assert answer.json()["field"] == "identifier"
    assert "write it as kind:value" in answer.json()["message"]
    assert '{"kind": "email", "value": "jane@example.org"}' in answer.json()["message"]


def test_the_schema_documents_both_forms_with_examples(ws: Workspace) -> None:
    schemas = create_app(ws).openapi()["components"]["schemas"]
    for model, field in (("MergeCreate", "a"), ("UnmergeCreate", "identifier")):
        forms = schemas[model]["properties"][field]["anyOf"]
        assert {"$ref": "#/components/schemas/IdentifierRef"} in forms
        assert any(form.get("type") == "string" for form in forms)
        assert any(isinstance(example[field], str) for example in schemas[model]["examples"])
