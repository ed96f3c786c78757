"""Identifier normalisation: one spelling per real identifier.

Two records link only when their identifiers are equal after this step, so it is
deliberately strict: a value that cannot be normalised (an email without a domain,
a phone number that is not a valid number) is not an identifier at all.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

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
_NON_DIGIT = re.compile(r"\D")
# Every country calling code as written after the '+' (no leading zeros).
_CALLING_CODES = {str(code): code for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
# The library compiles a metadata pattern on every use and, by default, leaves keeping
# them to re's own small cache; a validity check compiles about ten of them. Keeping
# them (bounded by the metadata, the same patterns) takes ~1 µs off each check.
phonenumbers.enable_pattern_cache()


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

    Numbers without a country code are read in ``region``. ``+`` and digits, the usual
    spelling, skip ``phonenumbers.parse`` where it provably gives nothing else
    (``_read_plain_international``).

    Example:
        >>> normalise_phone("(067) 123-45-67", "UA")
        '+380671234567'
    """
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if text[0].isdigit() and len(_NON_DIGIT.sub("", text)) > 10:
        text = "+" + text  # "380671234567": full international number missing its '+'
    # parse calls region.upper(): a region that is not text goes the long way, as before
    number = _read_plain_international(text) if isinstance(region, str) else None
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _read_plain_international(text: str) -> phonenumbers.PhoneNumber | None:
    """Read ``+`` and ASCII digits as ``phonenumbers.parse`` would, or return ``None``.

    ``None`` means "not sure": the caller then asks ``parse`` (~13 µs of the ~19 a
    distinct number cost; this takes ~2). Most imported phones are written this way.
    The shortcut is taken only when the text is ``+`` and ASCII digits, the digits start
    with a country calling code (the shortest of their 1-3 digit prefixes that is a key
    of ``COUNTRY_CODE_TO_REGION_CODE``, the one parse takes; none is written with a
    leading 0), and the rest, the national number:

    - has 2 to 17 digits, the lengths parse accepts without raising;
    - does not start with 0, which parse would keep as an Italian leading zero;
    - does not start with a match of ``national_prefix_for_parsing`` in the metadata of
      the code's main region (or non-geographic entity), the one parse reads. That is
      the only regional rule parse applies after a '+' and a known code; without a match
      it neither strips a prefix nor transforms the number (NANP's '1', RU's '8', AR's
      '9', BR's carrier codes all match and go the long way). ``national_prefix`` itself
      is not read by parse; the metadata sets a pattern wherever a region has one.

    Such text has no extension, RFC 3966 part, letter, punctuation or non-ASCII digit,
    so parse returns exactly ``PhoneNumber(country_code, national_number)`` whatever the
    default region; ``is_valid_number`` then picks the region among those sharing the
    code, as before. ``tests/unit/identity/test_phone_shortcut.py`` holds it to parse on
    every calling code.
    """
    digits = text[1:]
    if text[0] != "+" or not digits.isascii() or not digits.isdigit():
        return None
    for size in (1, 2, 3):
        country_code = _CALLING_CODES.get(digits[:size])
        if country_code is not None:
            break
    else:
        return None
    national = digits[size:]
    if not 2 <= len(national) <= 17 or national[0] == "0":
        return None
    prefix = _national_prefix_pattern(country_code)
    if prefix is not None and prefix.match(national):
        return None
    return phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))


@cache
def _national_prefix_pattern(country_code: int) -> re.Pattern[str] | None:
    """The code's ``national_prefix_for_parsing``; one matching anything if it has no metadata."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return re.compile("")
    pattern = metadata.national_prefix_for_parsing
    return re.compile(pattern) if pattern else None


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
