"""Identifier normalisation: one spelling per real identifier.

Two records link only when their identifiers are equal after this step, so it is
deliberately strict: a value that cannot be normalised (an email without a domain,
a phone number that is not a valid number) is not an identifier at all.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

# Kinds an identifier can have; ``id:NAMESPACE`` and ``handle:PLATFORM`` are open families.
USER_ID = "user_id"
ANONYMOUS_ID = "anonymous_id"
EMAIL = "email"
PHONE = "phone"
FIXED_KINDS = (USER_ID, ANONYMOUS_ID, EMAIL, PHONE)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
_HANDLE_URL = re.compile(r"^(https?://)?(www\.)?[a-z]+\.(com|net)/", re.IGNORECASE)
_NAMESPACE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@lru_cache(maxsize=500_000)
def normalise_email(raw: object) -> str | None:
    """Trim and lower-case an email; Gmail addresses lose dots and ``+tags``.

    Gmail delivers ``Jane.Doe+shop@gmail.com`` to ``janedoe@gmail.com``: they are one
    mailbox, so they are one identifier.

    Example:
        >>> normalise_email("  Jane.Doe+promo@GMAIL.com ")
        'janedoe@gmail.com'
        >>> normalise_email("not-an-email") is None
        True
    """
    if not isinstance(raw, str):
        return None
    email = raw.strip().lower()
    if not _EMAIL.match(email):
        return None
    local, domain = email.rsplit("@", 1)
    if domain in _GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}" if local else None


@lru_cache(maxsize=500_000)
def normalise_phone(raw: object, region: str = "UA") -> str | None:
    """Return a phone number in E.164, or ``None`` when it is not a valid number.

    Numbers without a country code are read in ``region``.

    Example:
        >>> normalise_phone("(067) 123-45-67", "UA")
        '+380671234567'
    """
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if text[0].isdigit() and len(re.sub(r"\D", "", text)) > 10:
        text = "+" + text  # "380671234567": full international number missing its '+'
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_handle(raw: object) -> str | None:
    """Drop a leading '@' or profile URL and case-fold a social handle.

    Example:
        >>> normalise_handle(" @JaneDoe ")
        'janedoe'
    """
    if not isinstance(raw, str):
        return None
    handle = _HANDLE_URL.sub("", raw.strip()).lstrip("@").strip("/").casefold()
    return handle or None


def normalise_plain_id(raw: object) -> str | None:
    """Normalise a user id, anonymous id or external id: text, trimmed, never empty."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if not isinstance(raw, str | int | float):
        return None
    text = str(raw).strip()
    return text or None


def normalise_identifier(kind: str, raw: object, region: str = "UA") -> str | None:
    """Normalise ``raw`` as an identifier of ``kind``; ``None`` when it is not one."""
    if kind == EMAIL:
        return normalise_email(raw)
    if kind == PHONE:
        return normalise_phone(raw, region)
    if kind.startswith("handle:"):
        return normalise_handle(raw)
    return normalise_plain_id(raw)


def check_kind(kind: str) -> str:
    """Return ``kind`` when it is a known identifier kind, else raise ``ValueError``."""
    if kind in FIXED_KINDS:
        return kind
    family, _, namespace = kind.partition(":")
    if family in ("id", "handle") and _NAMESPACE.match(namespace):
        return kind
    raise ValueError(
        f"unknown identifier kind {kind!r}: use one of {', '.join(FIXED_KINDS)}, "
        "id:NAMESPACE or handle:PLATFORM (lower-case letters, digits, . _ -)"
    )


def split_identifier(text: str) -> tuple[str, str]:
    """Read ``kind:value`` or a bare value whose kind is obvious (email, phone).

    Example:
        >>> split_identifier("id:shop:1234")
        ('id:shop', '1234')
        >>> split_identifier("jane@example.org")
        ('email', 'jane@example.org')
    """
    text = text.strip()
    for kind in FIXED_KINDS:
        if text.startswith(kind + ":"):
            return kind, text[len(kind) + 1 :]
    for family in ("id:", "handle:"):
        if text.startswith(family) and text.count(":") >= 2:
            namespace, _, value = text[len(family) :].partition(":")
            return check_kind(family + namespace), value
    if "@" in text and not text.startswith("@"):
        return EMAIL, text
    if re.fullmatch(r"\+?[\d\s().-]{7,}", text):
        return PHONE, text
    raise ValueError(
        f"cannot tell what kind of identifier {text!r} is: write it as kind:value, "
        "e.g. user_id:42, email:jane@example.org, id:shop:1234, handle:instagram:jane"
    )
