"""SMS (Twilio-style), Viber (Infobip-style) and webhook campaigns against a real HTTP API on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from integration.activation.conftest import Provider
from integration.segments.clocked import at
from persona360 import Workspace
from persona360.activation import CampaignError, CampaignSpec
from persona360.activation.channels.sms import e164_refusal
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

PHONES = {"a": "+380671234501", "b": "+380671234502", "c": "+380671234503"}


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock, provider: Provider) -> Iterator[Workspace]:
    settings = load_settings(
        db=tmp_path / "ws.duckdb",
        activation_max_attempts=3,
        activation_connections=1,  # so the test can see one kept-alive connection carry every message
        sms_url=provider.url,
        sms_account="AC123",
        sms_token="tok",
        sms_sender="+15550001111",
        viber_url=provider.url,
        viber_api_key="vkey",
        viber_sender="Shop",
        activation_webhook_url=f"{provider.url}/hook",
        activation_webhook_secret="whsec_test",
    )
    workspace = Workspace(settings, clock, create=True)
    workspace.access.add_source("web")
    yield workspace
    workspace.close()


def people(ws: Workspace, clock: FixedClock, channel: str) -> dict[str, int]:
    """Three people with phones (written the local way), all but ``c`` consenting on ``channel``."""
    calls = [
        at(clock, type="identify", userId=user, traits={"phone": "0" + phone[4:], "first_name": "Олена"})
        for user, phone in PHONES.items()
    ]
    ws.ingest.send("web", calls)
    ids = {user: ws.profiles.find("user_id", user) for user in PHONES}
    for user in ("a", "b"):
        ws.privacy.grant(ids[user], "marketing", channel)
    ws.privacy.grant(ids["c"], "marketing", "email")  # consent on another channel does not count
    ws.segments.create(SegmentSpec("all", "event_count >= 1"))
    return ids


def form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


def test_sms_campaign_speaks_the_twilio_messages_api(ws: Workspace, clock: FixedClock, provider: Provider) -> None:
    ids = people(ws, clock, "sms")
    ws.activation.create(CampaignSpec("sms", "all", "{{ greeting() }}, знижка 10%", channel="sms", control_share=0))
    result = ws.activation.send("sms")
    assert (result["no_consent"], result["queued"], result["sent"]) == (1, 2, 2)
    assert {path for path, _, _ in provider.requests} == {"/2010-04-01/Accounts/AC123/Messages.json"}
    sent = [form(body) for _, _, body in provider.requests]
    assert {f["To"] for f in sent} == {PHONES["a"], PHONES["b"]}
    assert all(f["From"] == "+15550001111" and f["Body"] == "Олена, знижка 10%" for f in sent)
    auth = provider.requests[0][1]["authorization"]
    assert auth == "Basic " + base64.b64encode(b"AC123:tok").decode()
    assert len(provider.peers) == 1  # one kept-alive connection for the run
    log = ws.activation.messages("sms")
    assert {(m["profile_id"], m["status"], m["provider_id"]) for m in log} == {
        (ids["a"], "sent", "SM1"),
        (ids["b"], "sent", "SM1"),
    }


def test_viber_campaign_speaks_the_infobip_json_api(ws: Workspace, clock: FixedClock, provider: Provider) -> None:
    people(ws, clock, "viber")
    provider.answer = lambda path, headers, body: (
        200,
        {"messages": [{"messageId": json.loads(body)["messages"][0]["destinations"][0]["messageId"]}]},
    )
    ws.activation.create(CampaignSpec("vb", "all", "Привіт, {{ greeting() }}", channel="viber", control_share=0))
    assert ws.activation.send("vb")["sent"] == 2
    path, headers, body = provider.requests[0]
    payload = json.loads(body)["messages"][0]
    assert (path, headers["authorization"]) == ("/viber/2/messages", "App vkey")
    assert payload["sender"] == "Shop" and payload["content"] == {"type": "TEXT", "text": "Привіт, Олена"}
    assert payload["destinations"][0]["to"] in {PHONES["a"][1:], PHONES["b"][1:]}  # E.164 without +
    assert {m["provider_id"] for m in ws.activation.messages("vb")} == {
        f"p360-{m['message_id']}" for m in ws.activation.messages("vb")
    }


def test_webhook_campaign_posts_signed_json(ws: Workspace, clock: FixedClock, provider: Provider) -> None:
    ids = people(ws, clock, "webhook")
    ws.activation.create(CampaignSpec("hook", "all", "Subject: Hi\n\nПривіт", channel="webhook", control_share=0))
    assert ws.activation.send("hook")["sent"] == 2
    for path, headers, body in provider.requests:
        stamp = headers["x-persona360-timestamp"]
        expected = hmac.new(b"whsec_test", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert path == "/hook" and headers["x-persona360-signature"] == f"sha256={expected}"
        assert stamp == str(int(clock.now().timestamp()))
    posted = sorted(json.loads(body)["profile_id"] for _, _, body in provider.requests)
    assert posted == sorted([ids["a"], ids["b"]])
    assert json.loads(provider.requests[0][2])["subject"] == "Hi"


def test_provider_errors_are_retried_or_dead_lettered_without_blocking_others(
    ws: Workspace, clock: FixedClock, provider: Provider
) -> None:
    """400 for a's number is permanent; b gets 429, then 503, then 201."""
    people(ws, clock, "sms")
    statuses = {PHONES["b"]: [429, 503, 201]}

    def answer(path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        to = form(body)["To"]
        if to == PHONES["a"]:
            return 400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}
        status = statuses[to].pop(0)
        return status, ({"sid": "SM2"} if status == 201 else {"message": "slow down"})

    provider.answer = answer
    ws.activation.create(CampaignSpec("sms", "all", "Привіт", channel="sms", control_share=0))
    result = ws.activation.send("sms")
    assert (result["sent"], result["dead"], result["retried"]) == (0, 1, 1)
    first = {m["address"]: m for m in ws.activation.messages("sms")}
    assert first[PHONES["a"]]["status"] == "dead" and "not a valid phone number" in first[PHONES["a"]]["error"]
    assert first[PHONES["b"]]["status"] == "failed" and first[PHONES["b"]]["error"].startswith("HTTP 429")
    clock.advance(minutes=1)
    assert ws.activation.deliver_due("sms") == {"sent": 0, "retried": 1, "dead": 0, "cancelled": 0}
    clock.advance(minutes=2)
    assert ws.activation.deliver_due("sms") == {"sent": 1, "retried": 0, "dead": 0, "cancelled": 0}
    assert ws.activation.messages("sms", "sent")[0]["attempts"] == 3


@pytest.mark.parametrize(
    ("address", "says"),
    [("0671234501", "E.164"), ("+380", "E.164"), ("+99912345678", "E.164"), ("phone", "E.164")],
    ids=["no country code", "too short", "no such country", "not a number"],
)
def test_sms_refuses_addresses_that_are_not_e164(address: str, says: str) -> None:
    refusal = e164_refusal(address)
    assert refusal is not None and refusal.permanent and says in str(refusal.error)
    assert e164_refusal(PHONES["a"]) is None


@pytest.mark.parametrize(
    ("channel", "settings", "says"),
    [
        ("sms", {"sms_account": ""}, "PERSONA360_SMS_ACCOUNT"),
        ("viber", {"viber_api_key": "", "viber_sender": ""}, "PERSONA360_VIBER_API_KEY, PERSONA360_VIBER_SENDER"),
        ("webhook", {"activation_webhook_secret": ""}, "PERSONA360_ACTIVATION_WEBHOOK_SECRET"),
    ],
)
def test_unconfigured_channel_names_the_missing_settings(
    tmp_path: Path, clock: FixedClock, channel: str, settings: dict[str, str], says: str
) -> None:
    with Workspace(load_settings(db=tmp_path / "x.duckdb", **settings), clock, create=True) as ws:
        with pytest.raises(CampaignError, match=says):
            ws.activation.deliver_due(channel)
        with pytest.raises(CampaignError, match=says):  # refused when the campaign is created, too
            ws.activation.create(CampaignSpec("c", "any", "Hi", channel=channel))
        with pytest.raises(CampaignError, match="'fax' is not one of"):
            ws.activation.deliver_due("fax")


def test_concurrent_deliveries_send_each_message_once(ws: Workspace, clock: FixedClock, provider: Provider) -> None:
    """The server's ticker and a send may deliver at the same moment: neither takes the other's messages."""
    people(ws, clock, "sms")
    ws.activation.create(CampaignSpec("sms", "all", "Привіт", channel="sms", control_share=0))
    assert ws.activation.queue("sms")["queued"] == 2
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: ws.activation.deliver_due("sms"), range(2)))
    assert sorted(run["sent"] for run in runs) == [0, 2]
    assert len(provider.requests) == 2
