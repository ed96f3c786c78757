"""Viber business messages through an Infobip-style JSON API.

``POST {base}/viber/2/messages`` with ``Authorization: App {key}`` and
``{"messages": [{"sender", "destinations": [{"to"}], "content": {"type": "TEXT", "text"}}]}``;
the answer lists each message with its ``messageId``. Numbers are E.164 without the
``+``, as Infobip wants them; ``messageId`` is ours (``p360-ID``) so a retry is
recognisable on the provider's side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from persona360.activation.channels.base import Message, SendResult
from persona360.activation.channels.http import HttpChannel
from persona360.activation.channels.sms import e164_refusal


@dataclass(frozen=True)
class ViberConfig:
    """Where and as whom to send (from the ``viber_*`` settings)."""

    base_url: str
    api_key: str
    sender: str


class ViberChannel(HttpChannel):
    """The ``viber`` channel."""

    name = "viber"

    def __init__(self, config: ViberConfig, **http: Any) -> None:
        super().__init__(**http)
        self.config = config

    def check(self, message: Message) -> SendResult | None:
        return e164_refusal(message.address)

    def request(self, message: Message) -> httpx.Request:
        c = self.config
        payload = {
            "messages": [
                {
                    "sender": c.sender,
                    "destinations": [{"to": message.address.lstrip("+"), "messageId": f"p360-{message.message_id}"}],
                    "content": {"type": "TEXT", "text": message.text},
                }
            ]
        }
        headers = {"Authorization": f"App {c.api_key}", "Accept": "application/json"}
        return self.client().build_request(
            "POST", f"{c.base_url.rstrip('/')}/viber/2/messages", json=payload, headers=headers
        )

    def provider_id(self, body: Any) -> str | None:
        try:
            return str(body["messages"][0]["messageId"])
        except (TypeError, KeyError, IndexError):
            return None
