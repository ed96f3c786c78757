"""Dependencies shared by the routers: the workspace, write keys, admin tokens."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any

from annotated_types import Interval
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.http import HTTPBase

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


# Declared so the OpenAPI schema says how each route authenticates (clients, schemathesis);
# neither refuses anything itself (auto_error=False): the checks below do, in one JSON shape.
ADMIN_TOKEN = HTTPBearer(
    auto_error=False, scheme_name="adminToken", description="An admin token with the route's scope."
)
WRITE_KEY = HTTPBase(
    scheme="basic",
    auto_error=False,
    scheme_name="writeKey",
    description="The source's write key as the Basic user name, as Segment's SDKs send it (or writeKey in the body).",
)
WRITE_KEY_SECURITY = [Depends(WRITE_KEY)]

# A number the database stores as BIGINT: a larger one would fail inside the query (a
# 500); declared here it is refused as a 400 naming the parameter, and the schema says so.
BigInt = Annotated[int, Interval(ge=-(2**63), le=2**63 - 1)]

WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
BatcherDep = Annotated[Batcher, Depends(get_batcher)]


def write_key_from(request: Request, body: Any) -> str | None:
    """The write key: HTTP Basic user name (Segment's way) or ``writeKey`` in the body."""
    return write_key_of(request.headers.get("authorization", ""), body)


def write_key_of(header: str, body: Any) -> str | None:
    """The write key given the ``Authorization`` header's value and the decoded body."""
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

    def check(
        request: Request, _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(ADMIN_TOKEN)] = None
    ) -> Token:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else None
        return get_workspace(request).access.check_token(given, scope)

    check.__name__ = f"require_{scope.replace(':', '_')}"
    return check


ReadProfiles = Annotated[Token, Depends(require("profiles:read"))]
WriteProfiles = Annotated[Token, Depends(require("profiles:write"))]
