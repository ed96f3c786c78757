"""Signed click and open links: ``/t/c/{token}`` and ``/t/o/{token}``.

A token is ``base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, payload))``,
so a link cannot be forged to record clicks for another message or to redirect to a
URL the message did not contain (no open redirect).
"""

from __future__ import annotations

from typing import Any

from persona360.access.signed import ForgedTokenError, MalformedTokenError, sign, unsign
from persona360.errors import Persona360Error, WorkspaceError
from persona360.settings import Settings

DEFAULT_SECRET = "dev-tracking-secret"  # noqa: S105 - the dev default, refused outside dev


class BadTokenError(ValueError, Persona360Error):
    """A tracking token is malformed or its signature does not match."""


def check_tracking_secret(settings: Settings) -> None:
    """Refuse the shipped tracking secret outside ``env=dev``: anyone could forge clicks and opens with it.

    Raises:
        WorkspaceError: ``env`` is not ``dev`` and ``tracking_secret`` is the default.
    """
    if settings.tracking_secret == DEFAULT_SECRET and settings.env != "dev":
        raise WorkspaceError(
            f"PERSONA360_TRACKING_SECRET is the shipped default, which is only for dev (env={settings.env!r}): "
            "set it to a long random value, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )


def sign_token(secret: str, payload: dict[str, Any]) -> str:
    """A token carrying ``payload`` that only ``secret`` can have made."""
    return sign(secret.encode(), payload)


def read_token(secret: str, token: str) -> dict[str, Any]:
    """The payload of a token made by :func:`sign_token`; raise :class:`BadTokenError` otherwise."""
    try:
        payload = unsign(secret.encode(), token)
    except MalformedTokenError as error:
        raise BadTokenError(f"tracking token {token[:20]!r} is malformed") from error
    except ForgedTokenError as error:
        raise BadTokenError("tracking token signature does not match") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("m"), int):
        raise BadTokenError("tracking token carries no message id")
    return payload


def click_url(base_url: str, secret: str, message_id: int, url: str) -> str:
    """The tracked link that records a click on ``url`` in message ``message_id``."""
    return f"{base_url.rstrip('/')}/t/c/{sign_token(secret, {'m': message_id, 'u': url})}"


def open_url(base_url: str, secret: str, message_id: int) -> str:
    """The open pixel of message ``message_id``."""
    return f"{base_url.rstrip('/')}/t/o/{sign_token(secret, {'m': message_id})}"
