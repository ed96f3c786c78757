"""Signed tokens: the HMAC set up once per key is the standard HMAC-SHA256, and tokens still verify."""

from __future__ import annotations

import base64
import hashlib
import hmac

import orjson
import pytest

from persona360.access.signed import ForgedTokenError, MalformedTokenError, _mac, sign, unsign
from persona360.activation.links import BadTokenError, click_url, open_url, read_token


@pytest.mark.parametrize("key", [b"", b"k", b"dev-tracking-secret", b"x" * 64, b"y" * 65, bytes(range(200))])
@pytest.mark.parametrize("body", [b"", b'{"m":1}', "Кросівки".encode() * 50])
def test_the_mac_is_hmac_sha256_for_keys_shorter_equal_and_longer_than_a_block(key: bytes, body: bytes) -> None:
    assert _mac(key, body) == hmac.digest(key, body, "sha256")
    assert _mac(key, body) == _mac(key, body)  # the kept states are copied, never used up


def test_a_token_is_the_same_bytes_as_before_and_reads_back() -> None:
    payload = {"u": "https://shop.example/cart", "m": 12}
    body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    mac = base64.urlsafe_b64encode(hmac.new(b"s", body, hashlib.sha256).digest()).decode().rstrip("=")
    token = sign(b"s", payload)
    assert token == base64.urlsafe_b64encode(body).decode().rstrip("=") + "." + mac
    assert unsign(b"s", token) == payload


def test_another_key_or_an_altered_payload_is_refused() -> None:
    token = sign(b"s", {"m": 1})
    with pytest.raises(ForgedTokenError):
        unsign(b"t", token)
    forged = sign(b"t", {"m": 2}).partition(".")[0] + "." + token.partition(".")[2]
    with pytest.raises(ForgedTokenError):
        unsign(b"s", forged)
    with pytest.raises(MalformedTokenError):
        unsign(b"s", "no-dot")


def test_click_and_open_links_verify_under_their_secret_only() -> None:
    click = click_url("http://t.example/", "secret", 7, "https://shop.example/cart")
    pixel = open_url("http://t.example", "secret", 7)
    assert click.startswith("http://t.example/t/c/") and pixel.startswith("http://t.example/t/o/")
    assert read_token("secret", click.rpartition("/")[2]) == {"m": 7, "u": "https://shop.example/cart"}
    assert read_token("secret", pixel.rpartition("/")[2]) == {"m": 7}
    with pytest.raises(BadTokenError, match="signature does not match"):
        read_token("other", click.rpartition("/")[2])
