"""The generic webhook: one signed JSON POST per message, for a shop's own systems.

Signed like the segment triggers' webhooks (``access/signed.py``):
``X-Persona360-Signature: sha256=HMAC(secret, timestamp + "." + body)`` with
``X-Persona360-Timestamp``, so the receiver can check origin and freshness with the
same code for both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from persona360.access.signed import webhook_headers
from persona360.activation.channels.base import Message
from persona360.activation.channels.http import HttpChannel


@dataclass(frozen=True)
class WebhookConfig:
    """Where to post and the signing secret (from the ``activation_webhook_*`` settings)."""

    url: str
    secret: str


class WebhookChannel(HttpChannel):
    """The ``webhook`` channel."""

    name = "webhook"

    def __init__(self, config: WebhookConfig, now: Callable[[], float] = time.time, **http: Any) -> None:
        super().__init__(**http)
        self.config = config
        self._now = now

    def request(self, message: Message) -> httpx.Request:
        body = orjson.dumps(
            {
                "message_id": message.message_id,
                "profile_id": message.profile_id,
                "subject": message.subject,
                "text": message.text,
            }
        )
        headers = webhook_headers(self.config.secret, body, int(self._now()), str(message.message_id))
        return self.client().build_request("POST", self.config.url, content=body, headers=headers)
