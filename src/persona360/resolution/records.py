"""One comparable record per profile, from its traits and identifiers.

Names are written in Latin letters and lower-cased so that ``Олена Коваленко`` and
``Olena Kovalenko`` compare equal; emails are reduced to their local part and the
birthday to its ISO date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import cyrtranslit
from unidecode import unidecode

from persona360.store.database import Database

_RECORDS = """
WITH t AS (SELECT profile_id, name, value ->> '$' AS v FROM profile_traits
           WHERE name IN ('firstName', 'lastName', 'name', 'birthday', 'email', 'phone',
                          'address.city', 'address.postalCode')),
traits AS (
    SELECT profile_id,
        max(v) FILTER (WHERE name = 'firstName') AS first_name,
        max(v) FILTER (WHERE name = 'lastName') AS last_name,
        max(v) FILTER (WHERE name = 'name') AS full_name,
        max(v) FILTER (WHERE name = 'birthday') AS birthday,
        max(v) FILTER (WHERE name = 'email') AS email,
        max(v) FILTER (WHERE name = 'phone') AS phone,
        max(v) FILTER (WHERE name = 'address.city') AS city,
        max(v) FILTER (WHERE name = 'address.postalCode') AS postcode
    FROM t GROUP BY profile_id),
ids AS (  -- the anchor stands for the profile in a merge event: most durable kind first
    SELECT profile_id,
        min(value) FILTER (WHERE kind = 'email') AS id_email,
        min(value) FILTER (WHERE kind = 'phone') AS id_phone,
        arg_min(identifier_id, (CASE kind WHEN 'email' THEN 0 WHEN 'phone' THEN 1
                                WHEN 'user_id' THEN 2 ELSE 3 END, identifier_id)) AS anchor_id
    FROM identifiers GROUP BY profile_id)
SELECT ids.profile_id, ids.anchor_id, traits.first_name, traits.last_name, traits.full_name,
       traits.birthday, coalesce(ids.id_email, traits.email) AS email,
       coalesce(ids.id_phone, traits.phone) AS phone, traits.city, traits.postcode
FROM ids LEFT JOIN traits USING (profile_id)
"""

_COLUMNS = ("first_name", "last_name", "email_local", "phone", "birthday", "city", "postcode")


@dataclass(frozen=True)
class ProfileRecord:
    """The fields of one profile that the model compares."""

    profile_id: int
    anchor_id: int
    first_name: str | None
    last_name: str | None
    email_local: str | None
    phone: str | None
    birthday: str | None
    city: str | None
    postcode: str | None

    def as_row(self) -> dict[str, Any]:
        return {"unique_id": self.profile_id, **{c: getattr(self, c) for c in _COLUMNS}}


def latin(text: str | None) -> str | None:
    """``text`` in lower-case Latin letters, or None when nothing is left.

    Example:
        >>> latin("Олена")
        'olena'
        >>> latin("Григорій"), latin("Hryhoriy")
        ('hryhori', 'hryhori')
        >>> latin("  Zoë ")
        'zoe'
    """
    if text is None:
        return None
    folded = unidecode(cyrtranslit.to_latin(text, "ua")).lower()
    folded = re.sub(r"[^a-z' -]", "", folded).replace("'", "").strip()
    # Transliteration systems disagree on й/ї/ю/я (j, i, y, yi): fold them together so
    # "hryhorij", "Hryhorii" and "Hryhoriy" all become "hryhori", "julija" and "Yuliia" "yulia".
    folded = re.sub(r"(?:iy|ii)(?=a|\b)", "i", re.sub("y+", "y", folded.replace("j", "y")))
    return re.sub(r"\s+", " ", folded) or None


def email_local(email: str | None) -> str | None:
    """The part before ``@``, lower-cased, without dots or a ``+tag``."""
    if not email or "@" not in email:
        return None
    local = email.split("@", 1)[0].lower().split("+", 1)[0].replace(".", "")
    return local or None


def _names(row: dict[str, Any]) -> tuple[str | None, str | None]:
    first, last = latin(row["first_name"]), latin(row["last_name"])
    if (first is None or last is None) and row["full_name"]:
        parts = (latin(row["full_name"]) or "").split(" ")
        first = first or parts[0] or None
        last = last or (parts[-1] if len(parts) > 1 else None)
    return first, last


def _digits(text: str | None) -> str | None:
    digits = re.sub(r"\D", "", text or "")
    return digits or None


def to_record(row: dict[str, Any]) -> ProfileRecord:
    """Clean one row of the records query into a :class:`ProfileRecord`."""
    first, last = _names(row)
    return ProfileRecord(
        profile_id=int(row["profile_id"]),
        anchor_id=int(row["anchor_id"]),
        first_name=first,
        last_name=last,
        email_local=email_local(row["email"]),
        phone=_digits(row["phone"]),
        birthday=(row["birthday"] or "")[:10] or None,
        city=latin(row["city"]),
        postcode=(row["postcode"] or "").replace(" ", "").upper() or None,
    )


def load_records(db: Database) -> list[ProfileRecord]:
    """Every profile that has at least one identifier, as a comparable record."""
    return [to_record(row) for row in db.query_dicts(_RECORDS)]
