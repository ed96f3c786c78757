"""The activation admin API on a real ``persona360 serve`` process, sending to a real SMTP server."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from integration.activation.conftest import Inbox, activation_server
from integration.server import Live

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]
SHAPE = {"success", "code", "message", "field"}
TEMPLATE = "Subject: Привіт\n\n{{ greeting() }}, у нас знижки."


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, smtp_sink: Inbox) -> Iterator[Live]:
    """One server for the module, with a segment ``all`` of everyone."""
    folder = tmp_path_factory.mktemp("activation-api")
    # no quiet hours, whatever the hour of the run
    with activation_server(folder, smtp_sink.port, activation_quiet_hours="[9, 9]") as live:
        with live.admin() as admin:
            ok(admin.post("/v1/segments", json={"name": "all", "condition": "event_count >= 1"}), 201)
        yield live


def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == SHAPE and body["code"] == code, body
    return body


def shop(live: Live, admin: httpx.Client) -> dict[str, int]:
    """Three shoppers; ann and bob grant marketing, cy does not."""
    with live.tracking() as tracking:
        for user in ("ann", "bob", "cy"):
            ok(tracking.post("/v1/identify", json={"userId": user, "traits": {"email": f"{user}@x.org"}}))
    ids = {
        u: ok(admin.get("/v1/profiles/lookup", params={"email": f"{u}@x.org"}))["profile_id"]
        for u in ("ann", "bob", "cy")
    }
    for user in ("ann", "bob"):
        ok(admin.post(f"/v1/profiles/{ids[user]}/consent", json={"action": "grant", "purpose": "marketing"}))
    return ids


def test_templates_campaigns_outbox_and_audiences_over_http(live: Live, smtp_sink: Inbox) -> None:
    with live.admin() as admin:
        ids = shop(live, admin)
        assert ok(admin.post("/v1/templates", json={"name": "hi", "source": TEMPLATE}), 201)["name"] == "hi"
        assert [t["name"] for t in ok(admin.get("/v1/templates"))["templates"]] == ["hi"]
        shown = ok(admin.post("/v1/templates/preview", json={"profile_id": ids["ann"], "name": "hi"}))
        assert shown["subject"] == "Привіт" and shown["text"].endswith("у нас знижки.")

        body = {"name": "sale", "segment": "all", "template_name": "hi", "control_share": 0}
        assert ok(admin.post("/v1/campaigns", json=body), 201)["template"] == TEMPLATE
        assert [c["name"] for c in ok(admin.get("/v1/campaigns"))["campaigns"]] == ["sale"]
        sent = ok(admin.post("/v1/campaigns/sale/send"))
        assert (sent["no_consent"], sent["queued"], sent["sent"]) == (1, 2, 2)
        assert sorted(m["To"] for m in smtp_sink.messages) == ["ann@x.org", "bob@x.org"]

        assert ok(admin.get("/v1/campaigns/sale/report"))["delivered"] == 2
        log = ok(admin.get("/v1/campaigns/sale/messages", params={"status": "sent"}))
        assert log["total"] == 2 and all("body" not in m for m in log["messages"])
        outbox = ok(admin.get("/v1/outbox"))["outbox"]
        assert [(o["channel"], o["status"], o["messages"], o["due"]) for o in outbox] == [("email", "sent", 2, 0)]

        exported = admin.get("/v1/audiences/all.csv", params={"format": "google"})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert rows[0] == ["Email", "Phone"] and len(rows) == 3 and "ann@x.org" not in exported.text


def test_activation_routes_need_the_campaigns_scope(live: Live) -> None:
    for path in ("/v1/campaigns", "/v1/templates", "/v1/outbox", "/v1/audiences/all.csv"):
        error(httpx.get(f"{live.url}{path}"), 401, "unauthorized")
        with live.admin(live.creds.read_token) as reader:
            assert "campaigns" in error(reader.get(path), 403, "forbidden")["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "says"),
    [
        ("post", "/v1/templates", {"name": "x", "source": "{{ oops"}, 400, "invalid_request", "does not parse"),
        ("post", "/v1/templates", {"name": " ", "source": "Hi"}, 400, "invalid_request", "template name is empty"),
        ("post", "/v1/campaigns", {"name": "c", "segment": "all"}, 400, "invalid_request", "either as text"),
        (
            "post",
            "/v1/campaigns",
            {"name": "c", "segment": "all", "template": "Hi", "template_name": "hi"},
            400,
            "invalid_request",
            "not both",
        ),
        (
            "post",
            "/v1/campaigns",
            {"name": "c", "segment": "all", "template": "Hi", "channel": "fax"},
            400,
            "invalid_request",
            "channel",
        ),
        (
            "post",
            "/v1/campaigns",
            {"name": "c", "segment": "all", "template": "Hi", "control_share": 1},
            400,
            "invalid_request",
            "control_share",
        ),
        ("post", "/v1/campaigns", {"name": "c", "segment": "nope", "template": "Hi"}, 404, "not_found", "nope"),
        ("post", "/v1/campaigns", {"name": "c", "segment": "all", "template_name": "nope"}, 404, "not_found", "nope"),
        ("post", "/v1/templates/preview", {"profile_id": 999999, "source": "Hi"}, 404, "not_found", "999999"),
        ("post", "/v1/campaigns/nope/send", None, 404, "not_found", "nope"),
        ("get", "/v1/campaigns/nope/report", None, 404, "not_found", "nope"),
        ("get", "/v1/audiences/all.csv?format=tiktok", None, 400, "invalid_request", "format"),
        ("get", "/v1/audiences/nope.csv", None, 404, "not_found", "nope"),
    ],
    ids=[
        "template does not parse",
        "template without name",
        "campaign without template",
        "campaign with two templates",
        "unknown channel",
        "control share of 1",
        "unknown segment",
        "unknown saved template",
        "preview of unknown profile",
        "send unknown campaign",
        "report of unknown campaign",
        "unknown audience format",
        "audience of unknown segment",
    ],
)
def test_bad_activation_requests_get_one_error_shape(
    live: Live, method: str, path: str, body: dict[str, Any] | None, status: int, code: str, says: str
) -> None:
    with live.admin() as admin:
        answer = admin.request(method.upper(), path, json=body)
        assert says in error(answer, status, code)["message"]
