"""Signed tokens for links that leave persona360 (tracking links, one-click answers), and webhook signatures.

A token is ``base64url(JSON) + "." + base64url(HMAC-SHA256(key, JSON))``: whoever holds
it can read it, nobody without the key can make or alter one. Callers turn the two
errors into their own wording.

The HMAC of a key is set up once (:func:`_keyed`: the SHA-256 states after the key's
inner and outer pads, RFC 2104) and copied for each token, instead of padding and
hashing the key again for every one: a campaign signs a click link and an open pixel
for every message, and this makes a signature about three times cheaper.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from functools import lru_cache
from typing import Any

import orjson


class MalformedTokenError(ValueError):
    """The token is not two base64url parts joined by a dot."""


class ForgedTokenError(ValueError):
    """The signature does not match the payload under this key."""


def sign(key: bytes, payload: Any) -> str:
    """A token carrying ``payload`` that only ``key`` can have made."""
    body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    return f"{_b64(body)}.{_b64(_mac(key, body))}"


def unsign(key: bytes, token: str) -> Any:
    """The payload of a token made by :func:`sign` with ``key``."""
    body_text, dot, mac_text = token.partition(".")
    if not dot or not body_text or not mac_text:
        raise MalformedTokenError("no signed token")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (binascii.Error, ValueError):
        raise MalformedTokenError("token is not base64url") from None
    if not hmac.compare_digest(mac, _mac(key, body)):
        raise ForgedTokenError("signature does not match")
    return orjson.loads(body)


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=HEX(HMAC-SHA256(secret, timestamp + "." + body))``: the signature header of a webhook."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_headers(secret: str, body: bytes, timestamp: int, delivery: str) -> dict[str, str]:
    """The headers of a signed JSON webhook (segment triggers and the activation webhook channel).

    The receiver recomputes :func:`webhook_signature` over ``X-Persona360-Timestamp``
    and the raw body, and refuses old timestamps to stop replays.
    """
    stamp = str(timestamp)
    return {
        "Content-Type": "application/json",
        "X-Persona360-Timestamp": stamp,
        "X-Persona360-Signature": webhook_signature(secret, stamp, body),
        "X-Persona360-Delivery": delivery,
    }


def _mac(key: bytes, body: bytes) -> bytes:
    """HMAC-SHA256(key, body), the same bytes as ``hmac.digest(key, body, "sha256")``."""
    inner_state, outer_state = _keyed(key)
    inner = inner_state.copy()
    inner.update(body)
    outer = outer_state.copy()
    outer.update(inner.digest())
    return outer.digest()


_BLOCK = 64  # SHA-256's block size in bytes
_INNER = bytes(x ^ 0x36 for x in range(256))
_OUTER = bytes(x ^ 0x5C for x in range(256))


@lru_cache(maxsize=16)
def _keyed(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """The SHA-256 states after ``key`` XOR the inner and the outer pad (a key longer than a block is hashed first)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    block = key.ljust(_BLOCK, b"\0")
    return hashlib.sha256(block.translate(_INNER)), hashlib.sha256(block.translate(_OUTER))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
