"""One comparable record per profile, from its traits and identifiers.

Names and cities become comparison keys (``names.name_key``) so that ``Олена Коваленко``
and ``Olena Kovalenko`` compare equal; emails are reduced to their local part, phones
to their last nine digits and the birthday to its ISO date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from persona360.identity.normalise import normalise_phone
from persona360.resolution.names import Joiner, canonical_first, joined_key, name_key

# The identifier that stands for a profile in a merge event: the most durable kind first.
ANCHOR = """arg_min(identifier_id, (CASE kind WHEN 'email' THEN 0 WHEN 'phone' THEN 1
                                WHEN 'user_id' THEN 2 ELSE 3 END, identifier_id))"""

RECORDS_SQL = f"""
WITH t AS (SELECT profile_id, name, value ->> '$' AS v FROM profile_traits
           WHERE name IN ('firstName', 'lastName', 'name', 'birthday', 'email', 'phone',
                          'address.street', 'address.city', 'address.postalCode')),
traits AS (
    SELECT profile_id,
        max(v) FILTER (WHERE name = 'firstName') AS first_name,
        max(v) FILTER (WHERE name = 'lastName') AS last_name,
        max(v) FILTER (WHERE name = 'name') AS full_name,
        max(v) FILTER (WHERE name = 'birthday') AS birthday,
        max(v) FILTER (WHERE name = 'email') AS email,
        max(v) FILTER (WHERE name = 'phone') AS phone,
        max(v) FILTER (WHERE name = 'address.street') AS street,
        max(v) FILTER (WHERE name = 'address.city') AS city,
        max(v) FILTER (WHERE name = 'address.postalCode') AS postcode
    FROM t GROUP BY profile_id),
ids AS (  -- the anchor stands for the profile in a merge event: most durable kind first
    SELECT profile_id,
        min(value) FILTER (WHERE kind = 'email') AS id_email,
        min(value) FILTER (WHERE kind = 'phone') AS id_phone,
        list_sort(list(DISTINCT value) FILTER (WHERE kind = 'phone')) AS phones,
        {ANCHOR} AS anchor_id
    FROM identifiers GROUP BY profile_id)
SELECT ids.profile_id, ids.anchor_id, traits.first_name, traits.last_name, traits.full_name,
       traits.birthday, coalesce(ids.id_email, traits.email) AS email,
       coalesce(ids.id_phone, traits.phone) AS phone, traits.street, traits.city, traits.postcode,
       ids.phones
FROM ids LEFT JOIN traits USING (profile_id)
ORDER BY ids.profile_id  -- Splink samples u from the rows in the order given
"""

_E164 = re.compile(r"\+\d{9,15}")
_LETTERS = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")

# an address's folded letter runs, and its digits
AddressTokens = tuple[tuple[str, ...], str]

COLUMNS = (
    "first_name", "last_name", "first_canon", "full_name", "email_local", "email_box", "email_rest", "phone",
    "birthday", "street", "city", "postcode",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    """The fields of one profile that the model compares.

    Slots, not a ``__dict__`` per record: a million records are held at once.
    """

    profile_id: int
    anchor_id: int
    first_name: str | None
    last_name: str | None
    email_local: str | None
    phone: str | None
    birthday: str | None
    city: str | None
    postcode: str | None
    street: str | None = None
    # Every phone identifier the profile holds: two profiles that each hold phones,
    # none of them shared, are two people however alike their names are.
    phones: tuple[str, ...] = ()
    # The mailbox (local part without dots or +tag, @domain) and what the local part
    # says beyond the person's name (see ``email_rest``).
    email_box: str | None = None
    email_rest: str | None = None

    @property
    def first_canon(self) -> str | None:
        """The first name with an everyday form replaced by the full name (Sasha → Oleksandr)."""
        return canonical_first(self.first_name)

    @property
    def full_name(self) -> str | None:
        """First and last name in one column, for the term frequency of the whole name."""
        return f"{self.first_name} {self.last_name}" if self.first_name and self.last_name else None

    def as_row(self) -> dict[str, Any]:
        return {"unique_id": self.profile_id, **{c: getattr(self, c) for c in COLUMNS}}


def email_local(email: str | None) -> str | None:
    """The part before ``@``, lower-cased, without dots or a ``+tag``."""
    if not email or "@" not in email:
        return None
    local = email.split("@", 1)[0].lower().split("+", 1)[0].replace(".", "")
    return local or None


def email_box(email: str | None) -> str | None:
    """The mailbox an address delivers to: its local part as in :func:`email_local`, at its domain."""
    local = email_local(email)
    domain = email.rsplit("@", 1)[1].strip().lower() if local and email else ""
    return f"{local}@{domain}" if local and domain else None


def email_rest(
    email: str | None, first: str | None, last: str | None, key: Callable[[str | None], str | None] = name_key
) -> str | None:
    """What an address's local part says beyond the person's name, or ``None`` if nothing.

    Shops and mail services build addresses from names (``olena.sych``, ``osych``,
    ``sych.olena``), so two namesakes' local parts agree as often as their names do:
    counting that agreement on top of the name's counts one piece of evidence twice
    (the model's independence assumption fails), which at 10,000 customers merged
    namesakes at different mail domains. The rest (a year, a number, a nickname) is
    the part that can tell two namesakes apart. ``key`` is :func:`name_key`, maybe
    memoised: a million records fold the same few thousand names and tokens again and
    again (at 100,000 profiles the unmemoised folding was half of ``resolve``'s time).

    Example:
        >>> email_rest("Olena.Sych85@ukr.net", "olena", "sic"), email_rest("osych@gmail.com", "olena", "sic")
        ('85', None)
    """
    tokens = address_tokens(email, key)
    return None if tokens is None else rest_beyond(tokens, name_spellings(first, last), first, last)


def address_tokens(email: str | None, key: Callable[[str | None], str | None] = name_key) -> AddressTokens | None:
    """The folded letter runs and the digits of an address's local part (``None``: no local part).

    Apart from the names so that a load makes them once per address, not once per record.
    """
    raw = (email or "").split("@", 1)[0].lower().split("+", 1)[0]
    if not raw:
        return None
    folded = ((key(token) or "").replace(" ", "") for token in _LETTERS.findall(raw))
    # an empty run stays empty whatever is taken out of it, and is skipped: dropped here
    return tuple(f for f in folded if f), "".join(_DIGIT.findall(raw))


def rest_beyond(tokens: AddressTokens, names: Sequence[str], first: str | None, last: str | None) -> str | None:
    """What is left of an address's letter runs once ``names`` (longest first) are taken out, then its digits."""
    runs, digits = tokens
    initials = {n[0] for n in (first, last) if n}
    letters = []
    for folded in runs:
        for name in names:
            folded = folded.replace(name, "", 1)
        if folded and not (len(folded) == 1 and folded in initials):
            letters.append(folded)
    return "".join(letters) + digits or None


def name_spellings(first: str | None, last: str | None, joiner: Joiner | None = None) -> list[str]:
    """The name keys an address may be built of, alone and run together, longest first.

    Run together and folded again, because folding joins letters across the seam
    (``jennifer`` + ``rose`` is ``jenniferrose``, one ``r`` once doubled letters fold).
    Equal lengths in alphabetical order: they are taken out of the address one after
    the other, so their order can change the rest, and a set's order changes with
    Python's hash seed (one record's rest differed between two runs). ``joiner``: a
    load's :class:`names.Joiner` (the same spellings, made faster).
    """
    parts = [n.replace(" ", "") for n in (first, canonical_first(first), last) if n]
    joined = joiner.pairs(parts) if joiner else {joined_key(a, b) for a in parts for b in parts if a != b}
    # alphabetical, then longest first: the sort is stable, so equal lengths stay alphabetical
    return sorted(sorted({*parts, *(j for j in joined if j)}), key=len, reverse=True)


def _names(row: dict[str, Any], key: Callable[[str | None], str | None]) -> tuple[str | None, str | None]:
    return filled_names(key(row["first_name"]), key(row["last_name"]), row["full_name"], key)


def filled_names(
    first: str | None, last: str | None, full_name: str | None, key: Callable[[str | None], str | None]
) -> tuple[str | None, str | None]:
    """The first and last name keys, a missing one taken from the full name's first or last word."""
    if (first is None or last is None) and full_name:
        parts = (key(full_name) or "").split(" ")
        first = first or parts[0] or None
        last = last or (parts[-1] if len(parts) > 1 else None)
    return first, last


def phone_digits(text: str | None, region: str) -> str | None:
    """The last nine digits of the phone, in E.164 when it is a valid number.

    Nine digits, not the whole number: a number typed without its country code is
    read in the workspace's region, so one phone can be stored under two prefixes.
    """
    if text and _E164.fullmatch(text):  # a stored phone identifier: normalised already
        return text[-9:]
    e164 = normalise_phone(text, region) if text else None
    digits = re.sub(r"\D", "", e164 or text or "")
    return digits[-9:] or None


def birthday(text: str | None) -> str | None:
    """The ISO date of a stored birthday (a date or a timestamp)."""
    return (text or "")[:10] or None


def street(text: str | None) -> str | None:
    """The street lower-cased, with its runs of white space made one space."""
    return " ".join((text or "").lower().split()) or None


def postcode(text: str | None) -> str | None:
    """The postcode without spaces, upper-cased."""
    return (text or "").replace(" ", "").upper() or None


def to_record(
    row: dict[str, Any], region: str = "UA", key: Callable[[str | None], str | None] = name_key
) -> ProfileRecord:
    """Clean one row of the records query into a :class:`ProfileRecord` (``key``: :func:`name_key`, maybe memoised)."""
    first, last = _names(row, key)
    return ProfileRecord(
        profile_id=int(row["profile_id"]),
        anchor_id=int(row["anchor_id"]),
        first_name=first,
        last_name=last,
        email_local=email_local(row["email"]),
        email_box=email_box(row["email"]),
        email_rest=email_rest(row["email"], first, last, key),
        phone=phone_digits(row["phone"], region),
        birthday=birthday(row["birthday"]),
        street=street(row.get("street")),
        city=key(row["city"]),
        postcode=postcode(row["postcode"]),
        phones=tuple(sorted(row.get("phones") or ())),
    )


def memoised(clean: Callable[[str | None], str | None]) -> Callable[[str | None], str | None]:
    """``clean`` computed once per distinct value: a shop of a million people has far fewer names and cities.

    Not ``functools.cache`` on ``name_key`` itself: the cache lives for one load, not the process.
    A dict's own lookup, not a Python wrapper around one: a load asks some seven times per
    record, and the wrapper's call cost more than the hits saved.
    """
    return _Memo(clean).__getitem__


class _Memo(dict[str | None, str | None]):
    """The values of ``clean`` seen so far, computed on the first look-up of each."""

    def __init__(self, clean: Callable[[str | None], str | None]) -> None:
        super().__init__()
        self._clean = clean

    def __missing__(self, text: str | None) -> str | None:
        value = self[text] = self._clean(text)
        return value
