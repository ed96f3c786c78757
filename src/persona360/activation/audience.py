"""Audience export for ad platforms: a segment as a CSV of SHA-256-hashed emails and phones.

Two customer-list formats:

- ``facebook`` (Meta custom audiences): columns ``email,phone``; email trimmed and
  lower-cased, phone as digits with the country code and no ``+``.
- ``google`` (Google Ads Customer Match): columns ``Email,Phone``; email trimmed and
  lower-cased, phone in E.164 with the ``+``.

Both hash the normalised value with SHA-256 (lower-case hex), so no address leaves in
clear. Emails are the identity graph's normalised form, in which Gmail addresses have
no dots or ``+tags`` (what Google asks for; Meta may match a few such addresses less).
A person with several emails or phones gets one row per pair, as both platforms accept.
Only profiles whose consent allows the purpose (``marketing`` by default) as a whole
are exported: a grant for one channel (email) is not a grant for ad targeting.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import zip_longest

from persona360.errors import Persona360Error

FORMATS: dict[str, tuple[str, str]] = {"facebook": ("email", "phone"), "google": ("Email", "Phone")}


class AudienceError(ValueError, Persona360Error):
    """An audience export was asked for in a form persona360 does not write."""


@dataclass(frozen=True)
class Audience:
    """An exported audience: the CSV text and what went into it."""

    segment: str
    format: str
    csv: str
    members: int
    exported: int
    no_consent: int
    no_identifier: int
    rows: int


def check_format(name: str) -> None:
    """Raise :class:`AudienceError` unless ``name`` is a known format."""
    if name not in FORMATS:
        raise AudienceError(f"audience format {name!r} is not one of {', '.join(FORMATS)}")


def sha256(text: str) -> str:
    """Lower-case hex SHA-256 of ``text`` (UTF-8), the form both platforms expect.

    Example:
        >>> sha256("jane@example.org")[:12]
        '13d855ce9310'
    """
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased, as both platforms ask before hashing."""
    return email.strip().lower()


def normalise_phone(phone: str, fmt: str) -> str:
    """E.164 (``+380...``) for Google; the same digits without ``+`` for Facebook."""
    digits = "".join(c for c in phone if c.isdigit())
    return digits if fmt == "facebook" else f"+{digits}"


def hashed_rows(emails: Iterable[str], phones: Iterable[str], fmt: str) -> list[tuple[str, str]]:
    """One person's rows: hashed (email, phone) pairs, an empty cell where one list runs out."""
    return [
        (sha256(normalise_email(email)) if email else "", sha256(normalise_phone(phone, fmt)) if phone else "")
        for email, phone in zip_longest(emails, phones, fillvalue="")
    ]


def write_csv(rows: Iterable[tuple[str, str]], fmt: str) -> str:
    """The CSV text with the format's header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FORMATS[fmt])
    writer.writerows(rows)
    return out.getvalue()
