"""SMS through a Twilio-style Messages API.

``POST {base}/2010-04-01/Accounts/{account}/Messages.json`` with HTTP Basic auth
(account SID and auth token) and a form body ``To``, ``From``, ``Body``; the answer is
``201`` with the message's ``sid``. Any provider speaking this API (Twilio, and the
gateways that copy it) works. Numbers go out in E.164, as the identity graph keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import phonenumbers

from persona360.activation.channels.base import Message, SendResult
from persona360.activation.channels.http import HttpChannel


@dataclass(frozen=True)
class SmsConfig:
    """Where and as whom to send (from the ``sms_*`` settings)."""

    base_url: str
    account: str
    token: str
    sender: str


def e164_refusal(address: str) -> SendResult | None:
    """A permanent failure when ``address`` is not a valid E.164 number, else None."""
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not address.startswith("+") or not phonenumbers.is_valid_number(number):
        return SendResult(False, f"{address!r} is not a valid phone number in E.164 form (+CCNNN...)", permanent=True)
    return None


class SmsChannel(HttpChannel):
    """The ``sms`` channel."""

    name = "sms"

    def __init__(self, config: SmsConfig, **http: Any) -> None:
        super().__init__(auth=httpx.BasicAuth(config.account, config.token), **http)
        self.config = config

    def check(self, message: Message) -> SendResult | None:
        return e164_refusal(message.address)

    def request(self, message: Message) -> httpx.Request:
        c = self.config
        url = f"{c.base_url.rstrip('/')}/2010-04-01/Accounts/{c.account}/Messages.json"
        form = {"To": message.address, "From": c.sender, "Body": message.text}
        return self.client().build_request("POST", url, data=form)

    def provider_id(self, body: Any) -> str | None:
        return str(body["sid"]) if isinstance(body, dict) and body.get("sid") else None
