"""Reading request bodies the way Segment's servers do: any content type, gzip or not.

The browser library posts ``text/plain`` (to avoid CORS pre-flights) and server SDKs
may gzip their batches, so the body is read raw and decoded here, with the size limit
applied while reading and again after decompression (a small gzip can hold a bomb).
Two doors share it: FastAPI routes (:func:`read_json`) and the tracking intake, which
reads the ASGI messages itself (:func:`receive_body`, ``api/intake.py``).
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import Request
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from persona360.errors import InvalidEventError, PayloadTooLargeError


async def read_json(request: Request, limit: int) -> Any:
    """The decoded JSON body, refusing anything over ``limit`` bytes."""
    raw = await _read_limited(request.stream(), request.headers.get("content-length"), limit)
    return decode_json(raw, request.headers.get("content-encoding", ""), limit)


async def receive_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The raw body of an ASGI request, refusing anything over ``limit`` bytes.

    Raises:
        ClientDisconnect: the client went away before sending it all.
    """
    return await _read_limited(_chunks(receive), declared, limit)


def decode_json(raw: bytes, content_encoding: str, limit: int) -> Any:
    """``raw`` decompressed (when gzip) and decoded, or an error naming what is wrong."""
    if content_encoding.lower() in ("gzip", "x-gzip"):
        raw = _gunzip(raw, limit)
    if not raw.strip():
        raise InvalidEventError("the request body is empty; send a JSON object", field="")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidEventError(f"the request body is not valid JSON: {error}", field="") from None


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def _read_limited(stream: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks, size = [], 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip(raw: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, limit + 1)
    except zlib.error as error:
        raise InvalidEventError(f"the body says gzip but is not: {error}", field="") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise _too_large(len(data), limit)
    return data


def _too_large(size: int, limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the request body is {'at least ' if size == limit + 1 else ''}{size} bytes; "
        f"the limit is {limit} bytes ({limit // 1024} KB)",
        field="",
    )
