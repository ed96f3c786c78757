"""Purposes, channels and how consent found in incoming records maps onto them.

Pure functions, no database: what a record says about consent, as ledger rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from persona360.errors import Persona360Error

PURPOSES = ("marketing", "profiling", "enrichment", "analytics", "transactional")
CHANNELS = ("email", "sms", "viber", "push", "webhook")

# Segment Consent Management (and OneTrust group ids, as Segment passes them) category
# names, lower-cased with non-letters dropped, and the purpose each one stands for.
# Categories not listed here are ignored.
CATEGORY_PURPOSES: dict[str, str] = {
    "marketing": "marketing",
    "advertising": "marketing",
    "targeting": "marketing",
    "c0004": "marketing",
    "analytics": "analytics",
    "performance": "analytics",
    "statistics": "analytics",
    "c0002": "analytics",
    "personalization": "profiling",
    "personalisation": "profiling",
    "functional": "profiling",
    "profiling": "profiling",
    "c0003": "profiling",
    "datasharing": "enrichment",
    "enrichment": "enrichment",
    "thirdparty": "enrichment",
    "necessary": "transactional",
    "strictlynecessary": "transactional",
    "essential": "transactional",
    "transactional": "transactional",
    "c0001": "transactional",
}


# Subscription statuses of email services' exports (Mailchimp, Klaviyo, Sendinblue/Brevo,
# ESputnik, UniSender...) and plain yes/no, lower-cased with spaces and dashes as "_".
GRANTED_WORDS = frozenset(
    {"subscribed", "opted_in", "optin", "opt_in", "granted", "confirmed", "active", "yes", "y", "true", "1"}
)
WITHDRAWN_WORDS = frozenset(
    {
        "unsubscribed", "opted_out", "optout", "opt_out", "withdrawn", "cleaned", "bounced", "complained",
        "spam", "blocked", "archived", "pending", "never_subscribed", "non_subscribed", "not_subscribed",
        "transactional", "no", "n", "false", "0",
    }
)  # fmt: skip


class ConsentError(ValueError, Persona360Error):
    """A purpose, channel or consent change that persona360 does not know."""


@dataclass(frozen=True, slots=True)
class ConsentFact:
    """One consent decision read from a record, before it gets its anchor."""

    purpose: str
    channel: str | None
    granted: bool
    basis: str
    changed_at: datetime
    expires_at: datetime | None = None


def check_purpose(purpose: str, channel: str | None = None) -> None:
    """Raise :class:`ConsentError` unless ``purpose`` (and ``channel``) are known.

    Example:
        >>> check_purpose("marketing", "email")
        >>> check_purpose("spam")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        persona360.privacy.purposes.ConsentError: unknown purpose 'spam': use one of marketing, ...
    """
    if purpose not in PURPOSES:
        raise ConsentError(f"unknown purpose {purpose!r}: use one of {', '.join(PURPOSES)}")
    if channel is not None and channel not in CHANNELS:
        raise ConsentError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)} (or none)")


def status_granted(status: object) -> bool:
    """Whether an imported subscription status grants (True) or does not grant (False) consent.

    Anything short of a confirmed subscription (pending double opt-in, cleaned, bounced)
    does not grant.

    Raises:
        ConsentError: a status that is in neither list.

    Example:
        >>> status_granted("Subscribed"), status_granted("never subscribed"), status_granted(False)
        (True, False, False)
    """
    if isinstance(status, bool):
        return status
    word = re.sub(r"[\s-]+", "_", str(status).strip().lower())
    if word in GRANTED_WORDS or word in WITHDRAWN_WORDS:
        return word in GRANTED_WORDS
    raise ConsentError(
        f"subscription status {str(status)[:40]!r} is not known: use subscribed/unsubscribed, "
        "opted_in/opted_out, yes/no or true/false (or map the column to a trait instead)"
    )


def category_purpose(category: str) -> str | None:
    """The purpose a consent-manager category stands for, or None.

    Example:
        >>> category_purpose("Advertising"), category_purpose("C0002"), category_purpose("x")
        ('marketing', 'analytics', None)
    """
    return CATEGORY_PURPOSES.get(re.sub(r"[^a-z0-9]", "", category.lower()))


def carries_consent(traits: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether :func:`facts_from_payload` could find anything: it reads only these two keys.

    Nearly no event carries consent, and the writer asks for every derived event.
    """
    return "consent" in context or "consent" in traits


def facts_from_payload(traits: dict[str, Any], context: dict[str, Any], at: datetime) -> list[ConsentFact]:
    """Consent a customer record carries: Segment categories, then ``traits.consent``.

    Example:
        >>> from datetime import UTC, datetime
        >>> at = datetime(2026, 1, 1, tzinfo=UTC)
        >>> [(f.purpose, f.channel, f.granted) for f in facts_from_payload(
        ...     {"consent": {"marketing": {"email": True}}},
        ...     {"consent": {"categoryPreferences": {"Analytics": False}}}, at)]
        [('analytics', None, False), ('marketing', 'email', True)]
    """
    facts = _segment_facts(context.get("consent"), at)
    consent = traits.get("consent")
    if isinstance(consent, dict):
        for purpose, value in consent.items():
            facts.extend(_trait_facts(str(purpose).lower(), value, at))
    return facts


def _segment_facts(consent: object, at: datetime) -> list[ConsentFact]:
    if not isinstance(consent, dict) or not isinstance(consent.get("categoryPreferences"), dict):
        return []
    facts = []
    for category, value in consent["categoryPreferences"].items():
        purpose = category_purpose(str(category))
        if purpose is not None and isinstance(value, bool):
            facts.append(ConsentFact(purpose, None, value, "consent", at))
    return facts


def _trait_facts(purpose: str, value: object, at: datetime) -> list[ConsentFact]:
    if purpose not in PURPOSES:
        return []
    if isinstance(value, bool):
        return [ConsentFact(purpose, None, value, "consent", at)]
    if not isinstance(value, dict):
        return []
    return [
        ConsentFact(purpose, str(channel).lower(), granted, "consent", at)
        for channel, granted in value.items()
        if str(channel).lower() in CHANNELS and isinstance(granted, bool)
    ]
