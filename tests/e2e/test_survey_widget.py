"""The embeddable survey widget in headless Chromium, on a shop page of another origin.

A real ``persona360 serve`` serves the widget; a second loopback server plays the
shop, whose page embeds the script. The answers cross origins (CORS) with the write
key, land on the profile, and a one-click link confirms an inferred trait.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration import server as server_module
from integration.server import HOST, LiveServer
from integration.surveys.conftest import DELIVERY
from persona360 import Workspace
from persona360.settings import load_settings

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]


class Prepared:
    """The workspace made in-process before the server starts (the CLI is slow on a loaded machine)."""

    def __init__(self, db: Path) -> None:
        settings = load_settings(db=db, consent_default_allow=["transactional", "enrichment"])
        with Workspace(settings, create=True) as ws:
            _, self.write_key = ws.access.add_source("shop-web")
            self.read_token = ws.access.create_token(["profiles:read"], "r")
            ws.surveys.create(DELIVERY)
            ws.ingest.send("shop-web", [{"type": "identify", "userId": "taylor", "traits": {"firstName": "Taylor"}}])
            ws.enrichment.run("name")  # gender: male, 0.75
            self.confirm = ws.surveys.confirm_links(ws.profiles.find("user_id", "taylor"), "gender")["tokens"]


def shop_page(widget_origin: str, write_key: str) -> bytes:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Boots</title>"
        "<h1>Winter boots</h1><div id=survey-here></div>"
        f'<script src="{widget_origin}/v1/surveys/widget.js" data-survey="post-delivery" '
        f'data-write-key="{write_key}" data-user-id="w1" data-target="#survey-here" data-min-views="2"></script>'
    ).encode()


@pytest.fixture
def shop_origin(request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, bytes]]]:
    """A loopback server of another origin that serves whatever page the test puts in ``pages``."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's spelling
            body = pages.get(self.path, b"not found")
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer((HOST, 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://{HOST}:{httpd.server_address[1]}", pages
    httpd.shutdown()
    httpd.server_close()


def test_widget_on_another_origin_and_a_confirmation_link(
    tmp_path: Path, browser: Any, shop_origin: tuple[str, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "START_TIMEOUT", 240.0)  # a loaded machine starts slowly
    monkeypatch.setattr(server_module, "STOP_TIMEOUT", 120.0)
    prepared = Prepared(tmp_path / "ws.duckdb")
    origin, pages = shop_origin
    with LiveServer(tmp_path / "ws.duckdb") as server, httpx.Client(base_url=server.url, timeout=30) as public:
        pages["/boots"] = shop_page(server.url, prepared.write_key)
        _http_surface(public, prepared.write_key, origin)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            _answer_in_the_widget(page, origin)
            _form_page_shows_errors(page, server.url, prepared.write_key)
            page.goto(f"{server.url}/v1/surveys/confirm-gender/a?token={prepared.confirm['female']}")
            assert "Thank you" in page.content()
        finally:
            context.close()
        admin = {"Authorization": f"Bearer {prepared.read_token}"}
        w1 = public.get("/v1/profiles/lookup", params={"user_id": "w1"}, headers=admin).json()["traits"]
        assert {name: w1[name]["value"] for name in ("delivery_rating", "shoe_size", "cart_abandon_reason")} == {
            "delivery_rating": 2,
            "shoe_size": "41",
            "cart_abandon_reason": ["price", "size"],
        }
        taylor = public.get("/v1/profiles/lookup", params={"user_id": "taylor"}, headers=admin).json()["traits"]
        assert (taylor["gender"]["value"], taylor["gender"]["inferred"]) == ("female", False)


def _http_surface(public: httpx.Client, write_key: str, origin: str) -> None:
    script = public.get("/v1/surveys/widget.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "http://" not in script.text and "https://" not in script.text.split("*/", 1)[1]  # loads nothing else
    definition = public.get("/v1/surveys/post-delivery/definition").json()
    assert [q["id"] for q in definition["questions"]] == ["rating", "size", "why", "recommend", "comment"]
    assert "trait" not in definition["questions"][0]  # how the shop files answers stays private
    preflight = public.options(
        "/v1/surveys/post-delivery/responses",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] in ("*", origin)
    denied = public.get("/v1/surveys/post-delivery/form", params={"writeKey": "nope"})
    assert denied.status_code == 401 and "write key" in denied.json()["message"]
    assert public.get("/v1/surveys/nope/definition").status_code == 404


def _answer_in_the_widget(page: Any, origin: str) -> None:
    page.goto(f"{origin}/boots")  # the first product view: not yet
    page.wait_for_function("localStorage.getItem('p360-survey-post-delivery:views') === '1'")
    assert page.locator("#survey-here form").count() == 0
    page.reload()  # the second view shows the survey
    form = page.locator("#survey-here form.p360-survey")
    form.get_by_role("group", name="How was the delivery?").get_by_label("2", exact=True).check()
    form.get_by_label("41").check()
    form.get_by_label("price").check()
    form.get_by_label("size").check()
    form.get_by_role("textbox").fill("Boots arrived wet")
    form.get_by_role("button", name="Send").click()
    page.get_by_role("status").filter(has_text="Thank you!").wait_for()
    page.reload(wait_until="networkidle")  # answered: not shown again
    assert page.evaluate("localStorage.getItem('p360-survey-post-delivery:answered')") == "1"
    assert page.locator("#survey-here form").count() == 0


def _form_page_shows_errors(page: Any, url: str, write_key: str) -> None:
    page.goto(f"{url}/v1/surveys/post-delivery/form?writeKey={write_key}&userId=w2")
    page.get_by_role("button", name="Send").click()  # nothing answered
    page.get_by_role("alert").filter(has_text="answers must be a non-empty object").wait_for()
