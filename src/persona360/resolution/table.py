"""Every profile's comparable record in one Arrow table, cleaned a column at a time.

A million profiles made into a million Python records, then a million dicts for
Splink, cost most of a ``resolve`` at that size (and most of its memory). Here each
field that depends on one value (a name, a city, a phone, an address's mailbox) is
cleaned once per *distinct* value with the functions of ``records.py`` and put back
in place by Arrow. Only what an address says beyond the name (``email_rest``) needs
the address and both names together: it is made per record, from spellings made
once per name pair. :func:`records.to_record` stays the per-row reference: a test
holds the two to the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from persona360.collector import collector_paused
from persona360.resolution.guard import held_phones
from persona360.resolution.names import Joiner, canonical_first, name_key
from persona360.resolution.records import (
    COLUMNS,
    RECORDS_SQL,
    ProfileRecord,
    address_tokens,
    birthday,
    email_box,
    email_local,
    filled_names,
    memoised,
    name_spellings,
    phone_digits,
    postcode,
    rest_beyond,
    street,
)
from persona360.store.database import Database

SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("anchor_id", pa.int64()),
        *((column, pa.string()) for column in COLUMNS),
        ("phones", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True)
class Records:
    """The records of :data:`SCHEMA`, one row per profile, ordered as loaded.

    ``unique_id`` is the profile id (Splink's name for it); ``anchor_id`` the
    identifier that stands for the profile in a merge; ``phones`` every phone
    identifier it holds (for the guard).
    """

    table: pa.Table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    @classmethod
    def of(cls, records: Sequence[ProfileRecord]) -> Records:
        """Hand-written or per-row records (``records.to_record``) as a table."""
        columns = {
            "unique_id": [r.profile_id for r in records],
            "anchor_id": [r.anchor_id for r in records],
            **{column: [getattr(r, column) for r in records] for column in COLUMNS},
            "phones": [list(r.phones) for r in records],
        }
        return cls(pa.table(columns, schema=SCHEMA))

    def where(self, mask: pa.ChunkedArray | pa.Array) -> Records:
        """The records whose ``mask`` is true."""
        return Records(self.table.filter(mask))

    def held(self, profiles: Iterable[int]) -> pa.ChunkedArray:
        """True for each record whose profile is in ``profiles``."""
        return pc.is_in(self.table["unique_id"], value_set=pa.array(list(profiles), pa.int64()))

    def anchors(self, profiles: Iterable[int]) -> dict[int, int]:
        """Profile id → anchor identifier id, for ``profiles`` only (not a dict of a million)."""
        found = self.where(self.held(profiles)).table
        return dict(zip(found["unique_id"].to_pylist(), found["anchor_id"].to_pylist(), strict=True))

    def phones(self, profiles: Iterable[int]) -> dict[int, tuple[str, ...]]:
        """Profile id → its phones (``guard.held_phones``), for those of ``profiles`` that hold any."""
        found = self.where(self.held(profiles)).table
        rows = zip(found["unique_id"].to_pylist(), found["phones"].to_pylist(), found["phone"].to_pylist(), strict=True)
        held = ((profile, held_phones(phones, phone)) for profile, phones, phone in rows)
        return {profile: phones for profile, phones in held if phones}


def load_records(db: Database, region: str = "UA") -> Records:
    """Every profile that has at least one identifier, as a comparable record.

    Args:
        db: the workspace database.
        region: the region phone numbers without ``+country`` are read in.
    """
    return Records(clean_records(db.query_arrow(RECORDS_SQL), region))


def clean_records(raw: pa.Table, region: str = "UA") -> pa.Table:
    """The rows of ``records.RECORDS_SQL`` cleaned into :data:`SCHEMA`, the values of ``to_record``."""
    key = memoised(name_key)
    with collector_paused():  # hundreds of thousands of strings, none garbage: see persona360.collector
        first, last = _names(raw, key)
        columns = {
            "unique_id": raw["profile_id"],
            "anchor_id": raw["anchor_id"],
            "first_name": first,
            "last_name": last,
            "first_canon": mapped(first, canonical_first),
            "full_name": pc.binary_join_element_wise(first, last, " "),  # null when either is
            "email_local": mapped(raw["email"], email_local),
            "email_box": mapped(raw["email"], email_box),
            "email_rest": _rests(raw["email"], first, last, key),
            "phone": mapped(raw["phone"], partial(phone_digits, region=region)),
            "birthday": mapped(raw["birthday"], birthday),
            "street": mapped(raw["street"], street),
            "city": mapped(raw["city"], key),
            "postcode": mapped(raw["postcode"], postcode),
            "phones": raw["phones"],
        }
        return pa.table(columns, schema=SCHEMA)


Column: TypeAlias = pa.Array | pa.ChunkedArray


def mapped(column: Column, clean: Callable[[str | None], str | None]) -> pa.Array | pa.ChunkedArray:
    """``clean`` of every value, computed once per distinct value."""
    distinct = pc.unique(column)
    cleaned = pa.array([clean(value) for value in distinct.to_pylist()], pa.string())
    return pc.take(cleaned, pc.index_in(column, value_set=distinct))


def _names(raw: pa.Table, key: Callable[[str | None], str | None]) -> tuple[pa.Array, pa.Array]:
    """The first and last name keys; where one is missing, from the full name (``records.filled_names``)."""
    first, last = mapped(raw["first_name"], key), mapped(raw["last_name"], key)
    missing = pc.or_(pc.is_null(first), pc.is_null(last))
    rows = pc.indices_nonzero(pc.fill_null(pc.and_(missing, pc.not_equal(raw["full_name"], "")), False))
    firsts, lasts = first.to_pylist(), last.to_pylist()
    for row, full_name in zip(rows.to_pylist(), pc.take(raw["full_name"], rows).to_pylist(), strict=True):
        firsts[row], lasts[row] = filled_names(firsts[row], lasts[row], full_name, key)
    return pa.array(firsts, pa.string()), pa.array(lasts, pa.string())


def _rests(emails: Column, first: pa.Array, last: pa.Array, key: Callable[[str | None], str | None]) -> pa.Array:
    """``records.email_rest`` of each record, the name spellings made once per name pair."""
    spellings: dict[tuple[str | None, str | None], list[str]] = {}
    join = Joiner(key)
    rests: list[str | None] = []
    for email, f, la in zip(emails.to_pylist(), first.to_pylist(), last.to_pylist(), strict=True):
        tokens = address_tokens(email, key)
        if tokens is None or not tokens[0]:  # no local part, or digits only: no name to take out
            rests.append(None if tokens is None else tokens[1] or None)
            continue
        names = spellings.get((f, la))
        if names is None:
            names = spellings[f, la] = name_spellings(f, la, join)
        rests.append(rest_beyond(tokens, names, f, la))
    return pa.array(rests, pa.string())
