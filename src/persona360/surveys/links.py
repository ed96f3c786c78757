"""One-click answer links for email: each link carries one answer, signed with HMAC.

A token (``access/signed.py``, shared with tracking links) carries (survey, identifier, question,
answer), keyed by ``PERSONA360_SURVEY_LINK_SECRET``. The web sessions' signer is not
reused: its key is drawn per process, and a link in an email must outlive restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from persona360.access.signed import ForgedTokenError, MalformedTokenError, sign, unsign
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
    return sign(key, {"s": answer.survey, "i": list(answer.identifier), "q": answer.question, "a": answer.answer})


def verify_answer(key: bytes, token: str | None, survey: str) -> LinkAnswer:
    """The answer a token carries, once its signature and survey check out.

    Raises:
        SurveyError: the token is missing, malformed, unsigned, tampered with, or made
            for another survey (``field`` is ``token``).
    """
    if not token or "." not in token:
        raise SurveyError("the link has no signed token: use the link from the email as sent", field="token")
    try:
        data = unsign(key, token)
    except MalformedTokenError:
        raise SurveyError("the link's token is malformed (it may have been cut short)", field="token") from None
    except ForgedTokenError:
        raise SurveyError(
            "the link's signature does not match: it was altered or not issued here", field="token"
        ) from None
    if data["s"] != survey:
        raise SurveyError(f"the link was made for survey {data['s']!r}, not {survey!r}", field="token")
    return LinkAnswer(data["s"], (data["i"][0], data["i"][1]), data["q"], data["a"])
