"""Signed click and open links: ``/t/c/{token}`` and ``/t/o/{token}``.

A token is ``base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, payload))``,
so a link cannot be forged to record clicks for another message or to redirect to a
URL the message did not contain (no open redirect).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

from persona360.errors import Persona360Error


class BadTokenError(ValueError, Persona360Error):
    """A tracking token is malformed or its signature does not match."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_token(secret: str, payload: dict[str, Any]) -> str:
    """A token carrying ``payload`` that only ``secret`` can have made."""
    body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:16]
    return f"{_b64(body)}.{_b64(mac)}"


def read_token(secret: str, token: str) -> dict[str, Any]:
    """The payload of a token made by :func:`sign_token`; raise :class:`BadTokenError` otherwise."""
    try:
        body_text, mac_text = token.split(".", 1)
        body, mac = _unb64(body_text), _unb64(mac_text)
    except ValueError as error:
        raise BadTokenError(f"tracking token {token[:20]!r} is malformed") from error
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(mac, expected):
        raise BadTokenError("tracking token signature does not match")
    payload = orjson.loads(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("m"), int):
        raise BadTokenError("tracking token carries no message id")
    return payload


def click_url(base_url: str, secret: str, message_id: int, url: str) -> str:
    """The tracked link that records a click on ``url`` in message ``message_id``."""
    return f"{base_url.rstrip('/')}/t/c/{sign_token(secret, {'m': message_id, 'u': url})}"


def open_url(base_url: str, secret: str, message_id: int) -> str:
    """The open pixel of message ``message_id``."""
    return f"{base_url.rstrip('/')}/t/o/{sign_token(secret, {'m': message_id})}"
