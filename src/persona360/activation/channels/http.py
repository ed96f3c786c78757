"""What HTTP channels share: one kept-alive client per run, and provider answers mapped to retry or dead letter.

Providers (Twilio, Infobip, a shop's own webhook receiver) agree on what a status
means: 2xx accepted; 429 and 5xx are passing trouble, so the message is retried with
backoff; any other 4xx says the request itself is wrong (bad number, bad credentials,
unknown sender), and sending it again would fail again, so the message is dead-lettered.
A connection or timeout error is retried.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from persona360.activation.channels.base import Message, SendResult

RETRY_STATUSES = frozenset({408, 425, 429})


def result_of(response: httpx.Response, provider_id: Callable[[Any], str | None]) -> SendResult:
    """The :class:`SendResult` of a provider's answer; ``provider_id`` picks the message id from its JSON."""
    if 200 <= response.status_code < 300:
        return SendResult(True, provider_id=provider_id(_json(response)))
    error = f"HTTP {response.status_code}: {_reason(response)}"
    retry = response.status_code in RETRY_STATUSES or response.status_code >= 500
    return SendResult(False, error, permanent=not retry)


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None


def _reason(response: httpx.Response) -> str:
    body = _json(response)
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):  # Twilio, generic, FastAPI
            if isinstance(body.get(key), str):
                return str(body[key])[:200]
        text = body.get("requestError", {}).get("serviceException", {}).get("text")  # Infobip
        if isinstance(text, str):
            return text[:200]
    return response.text[:200]


class HttpChannel(ABC):
    """A channel that POSTs one request per message to a provider over one kept-alive client."""

    name = "http"

    def __init__(
        self,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        auth: httpx.Auth | None = None,
    ) -> None:
        self._timeout = timeout
        self._transport = transport
        self._auth = auth
        self._client: httpx.Client | None = None

    def send(self, message: Message) -> SendResult:
        refused = self.check(message)
        if refused is not None:
            return refused
        try:
            response = self.client().send(self.request(message))
        except httpx.HTTPError as error:
            return SendResult(False, f"{type(error).__name__}: {error}")
        return result_of(response, self.provider_id)

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout, transport=self._transport, auth=self._auth)
        return self._client

    def check(self, message: Message) -> SendResult | None:
        """A permanent refusal of a message the provider could never accept, or None."""
        return None

    @abstractmethod
    def request(self, message: Message) -> httpx.Request:
        """The provider's HTTP request for one message (each channel speaks its own API)."""

    def provider_id(self, body: Any) -> str | None:
        return None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
