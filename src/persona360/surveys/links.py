"""One-click answer links for email: each link carries one answer, signed with HMAC.

A token is ``base64url(json).base64url(hmac_sha256)`` of (survey, identifier, question,
answer), keyed by ``PERSONA360_SURVEY_LINK_SECRET``. The web sessions' signer is not
reused: its key is drawn per process, and a link in an email must outlive restarts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import orjson

from persona360.errors import SurveyError, WorkspaceError
from persona360.settings import Settings

DEFAULT_SECRET = "dev-only-survey-link-secret"  # noqa: S105 - the dev default, refused outside dev


@dataclass(frozen=True)
class LinkAnswer:
    """What a verified link says: who answers which question of which survey, and how."""

    survey: str
    identifier: tuple[str, str]
    question: str
    answer: Any


def link_key(settings: Settings) -> bytes:
    """The signing key; the shipped default is refused outside ``env=dev``."""
    if settings.survey_link_secret == DEFAULT_SECRET and settings.env != "dev":
        raise WorkspaceError("set PERSONA360_SURVEY_LINK_SECRET: the default survey link secret is only for dev")
    return settings.survey_link_secret.encode()


def sign_answer(key: bytes, answer: LinkAnswer) -> str:
    """The token of one answer, for ``/v1/surveys/{id}/a?token=...``."""
    payload = orjson.dumps({"s": answer.survey, "i": list(answer.identifier), "q": answer.question, "a": answer.answer})
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def verify_answer(key: bytes, token: str | None, survey: str) -> LinkAnswer:
    """The answer a token carries, once its signature and survey check out.

    Raises:
        SurveyError: the token is missing, malformed, unsigned, tampered with, or made
            for another survey (``field`` is ``token``).
    """
    body, _, signature = (token or "").partition(".")
    if not body or not signature:
        raise SurveyError("the link has no signed token: use the link from the email as sent", field="token")
    try:
        payload, given = _unb64(body), _unb64(signature)
    except (binascii.Error, ValueError):
        raise SurveyError("the link's token is malformed (it may have been cut short)", field="token") from None
    if not hmac.compare_digest(given, _mac(key, payload)):
        raise SurveyError("the link's signature does not match: it was altered or not issued here", field="token")
    data = orjson.loads(payload)
    if data["s"] != survey:
        raise SurveyError(f"the link was made for survey {data['s']!r}, not {survey!r}", field="token")
    return LinkAnswer(data["s"], (data["i"][0], data["i"][1]), data["q"], data["a"])


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
