"""Bad input to the newer web pages: one case per kind, each answered by a page that says why.

The real app over ASGI (no network) on a real workspace file; a browser is not needed
to see a status and a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from integration.own_loop import run_on_own_loop
from persona360 import Workspace
from persona360.api.app import create_app
from persona360.errors import NotFoundError


@dataclass(frozen=True)
class Site:
    ws: Workspace
    admin: str
    reader: str
    profile_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = tmp_path_factory.mktemp("web-forms") / "ws.duckdb"
    with Workspace.open(db) as ws:
        ws.access.add_source("shop")
        ws.ingest.send(
            "shop", [{"type": "identify", "userId": "u1", "traits": {"email": "jane@example.org", "currency": "EUR"}}]
        )
        ws.ingest.send("shop", [{"type": "identify", "userId": "u2", "traits": {"email": "erase.me@example.org"}}])
        admin = ws.access.create_token(["admin"], "forms-admin")
        reader = ws.access.create_token(["profiles:read"], "forms-reader")
        yield Site(ws, admin, reader, ws.profiles.find("email", "jane@example.org"))


def visit(site: Site, token: str, method: str, url: str, form: dict[str, str] | None = None) -> httpx.Response:
    """Log in with ``token``, then send one request (the form gets the session's CSRF token unless it has one)."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(site.ws))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            await http.post("/login", data={"token": token})
            page = await http.get("/profiles")
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
            assert csrf, "not logged in"
            data = {"csrf": csrf.group(1), **(form or {})}
            return await http.request(method, url, data=data if method == "POST" else None)

    return run_on_own_loop(send())


CONSENT = {"decision": "grant", "purpose": "marketing", "channel": "email"}


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"decision": "maybe"}, 400, "decision &#39;maybe&#39;: use grant or withdraw"),
        ({"purpose": "spam"}, 400, "unknown purpose &#39;spam&#39;"),
        ({"channel": "fax"}, 400, "unknown channel &#39;fax&#39;"),
        ({"csrf": "forged"}, 403, "the form expired or came from another site"),
        ({"csrf": ""}, 403, "the form expired or came from another site"),
    ],
)
def test_bad_consent_changes(site: Site, change: dict[str, str], status: int, message: str) -> None:
    answer = visit(site, site.admin, "POST", f"/profiles/{site.profile_id}/consent", {**CONSENT, **change})
    assert answer.status_code == status and message in answer.text


@pytest.mark.parametrize(
    ("token", "method", "url", "status", "message"),
    [
        ("admin", "POST", "/profiles/999999/consent", 404, "no profile with id 999999"),
        ("reader", "POST", "/profiles/{p}/consent", 403, "lacks the scope &#39;privacy&#39;"),
        ("admin", "POST", "/review/1/maybe", 400, "decision &#39;maybe&#39;: use accept or reject"),
        ("admin", "POST", "/review/999/accept", 404, "no review pair 999"),
        ("reader", "POST", "/review/1/reject", 403, "lacks the scope &#39;profiles:write&#39;"),
        ("reader", "GET", "/audit", 403, "lacks the scope &#39;privacy&#39;"),
        ("reader", "GET", "/campaigns", 403, "lacks the scope &#39;campaigns&#39;"),
        ("admin", "GET", "/campaigns/nope", 404, "no campaign named &#39;nope&#39;"),
        ("admin", "GET", "/personas/3", 404, "no personas yet"),
        ("admin", "GET", "/personas", 200, "No personas yet"),
        ("admin", "GET", "/review", 200, "Nothing to review"),
        ("admin", "GET", "/campaigns", 200, "No campaigns yet"),
        ("admin", "GET", "/audit?actor=nobody", 200, "No entries match the filter"),
        ("reader", "GET", "/profiles/{p}/export", 403, "lacks the scope &#39;privacy&#39;"),
        ("reader", "GET", "/profiles/{p}/erase", 403, "lacks the scope &#39;privacy&#39;"),
        ("reader", "POST", "/profiles/{p}/erase", 403, "lacks the scope &#39;privacy&#39;"),
        ("admin", "GET", "/profiles/999999/export", 404, "no profile with id 999999"),
        ("admin", "POST", "/profiles/999999/erase", 404, "no profile with id 999999"),
    ],
)
def test_pages_answer_bad_requests_with_a_reason(
    site: Site, token: str, method: str, url: str, status: int, message: str
) -> None:
    form = CONSENT if url.endswith("/consent") else {}
    answer = visit(site, getattr(site, token), method, url.format(p=site.profile_id), form)
    assert answer.status_code == status, answer.text[-500:]
    assert message in answer.text


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({}, 400, "type the profile number {p} to confirm the erasure (you typed &#39;&#39;)"),
        ({"confirm": "12345"}, 400, "type the profile number {p} to confirm the erasure (you typed &#39;12345&#39;)"),
        ({"confirm": "{p}", "csrf": "forged"}, 403, "the form expired or came from another site"),
        ({"confirm": "{p}", "csrf": ""}, 403, "the form expired or came from another site"),
    ],
)
def test_an_erasure_needs_the_typed_confirmation_and_the_csrf_token(
    site: Site, form: dict[str, str], status: int, message: str
) -> None:
    p = str(site.profile_id)
    answer = visit(site, site.admin, "POST", f"/profiles/{p}/erase", {k: v.format(p=p) for k, v in form.items()})
    assert answer.status_code == status and message.format(p=p) in answer.text, answer.text[-500:]
    assert site.ws.profiles.find("email", "jane@example.org") == site.profile_id, "erased without confirmation"


def test_the_export_is_a_json_download_and_audited(site: Site) -> None:
    answer = visit(site, site.admin, "GET", f"/profiles/{site.profile_id}/export")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"] == f'attachment; filename="profile-{site.profile_id}-export.json"'
    assert "jane@example.org" in answer.text and isinstance(answer.json(), dict)
    entries = site.ws.privacy.audit_log(10, f"profile:{site.profile_id}", action="export")
    assert entries and entries[0]["actor"] == "web:forms-admin"


def test_a_confirmed_erasure_removes_the_person(site: Site) -> None:
    victim = site.ws.profiles.find("email", "erase.me@example.org")
    confirm = visit(site, site.admin, "GET", f"/profiles/{victim}/erase")
    assert confirm.status_code == 200 and "erase.me@example.org" in confirm.text
    answer = visit(site, site.admin, "POST", f"/profiles/{victim}/erase", {"confirm": str(victim)})
    assert answer.status_code == 200 and f"Profile {victim} was erased" in answer.text, answer.text[-500:]
    with pytest.raises(NotFoundError):
        site.ws.profiles.find("email", "erase.me@example.org")
    assert site.ws.privacy.audit_log(10, f"profile:{victim}", action="erasure")[0]["actor"] == "web:forms-admin"


def test_the_segment_builder_names_a_trait_that_a_column_hides_with_trait(site: Site) -> None:
    """``currency`` is the revenue's column; the shop's own ``currency`` trait is written trait("currency")."""
    page = visit(site, site.admin, "GET", "/segments/new")
    assert page.status_code == 200
    traits = page.text.split("<h3>Traits</h3>", 1)[1].split("</p>", 1)[0]
    assert "<code>trait(&#34;currency&#34;)</code>" in traits and "<code>email</code>" in traits
    assert "<code>currency</code>" in page.text.split("<h3>Profile fields</h3>", 1)[1].split("</p>", 1)[0]
