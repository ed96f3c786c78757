"""Dependencies shared by the routers: the workspace, write keys, admin tokens."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from persona360.access.keys import Source, Token
from persona360.errors import AuthenticationError
from persona360.ingest.batcher import Batcher
from persona360.workspace import Workspace


def get_workspace(request: Request) -> Workspace:
    workspace: Workspace = request.app.state.workspace
    return workspace


def get_batcher(request: Request) -> Batcher:
    batcher: Batcher = request.app.state.batcher
    return batcher


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
BatcherDep = Annotated[Batcher, Depends(get_batcher)]


def write_key_from(request: Request, body: Any) -> str | None:
    """The write key: HTTP Basic user name (Segment's way) or ``writeKey`` in the body."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationError("the Authorization header is not valid Basic auth") from None
        return decoded.partition(":")[0] or None
    if isinstance(body, dict) and isinstance(body.get("writeKey"), str):
        return str(body["writeKey"])
    return None


def source_for(request: Request, body: Any) -> Source:
    """The source whose write key sent ``body``; :class:`AuthenticationError` otherwise."""
    return get_workspace(request).access.source_for_write_key(write_key_from(request, body))


def require(scope: str) -> Callable[[Request], Token]:
    """A dependency that lets the request through only with a token holding ``scope``."""

    def check(request: Request) -> Token:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else None
        return get_workspace(request).access.check_token(given, scope)

    check.__name__ = f"require_{scope.replace(':', '_')}"
    return check


ReadProfiles = Annotated[Token, Depends(require("profiles:read"))]
WriteProfiles = Annotated[Token, Depends(require("profiles:write"))]
