"""The column-wise records equal the per-row reference, ``records.to_record``, value for value."""

from __future__ import annotations

import itertools

import pyarrow as pa

from persona360.resolution.model import splink_table
from persona360.resolution.records import COLUMNS, to_record
from persona360.resolution.table import Records, clean_records

_NAMES = [
    ("Олена", "Коваленко", None), ("Саша", "Шевченко", None), ("Oleksandr", "Shevchenko", None),
    ("Kasia", "Szczepańska", None), ("Jennifer", "Rose", None), (None, None, "Олена Коваленко"),
    (None, "Kowalski", "Jan Kowalski"), ("Sasha", None, "Sasha"), (None, None, "  "), (None, None, ""),
    ("Jan-Erik", "O'Neil", None), ("Ie", "Shsh", None), ("Ыы", "Щщ", None), (None, None, None),
]  # fmt: skip
_EMAILS = [
    "olena.kovalenko85@ukr.net", "kovalenko.olena@gmail.com", "o.k.1990@i.ua", "shevchenko_oleksandr+shop@x.com",
    "kasia.szczepanska@wp.pl", "jenniferrose@gmail.com", "x9y8z7@x", "1234@x", "@nobody", "no-at-sign", "",
    None, "ОЛЕНА.коваленко@пошта.укр", "abc٣٤@x",
]  # fmt: skip
_PHONES = ["+380501234567", "07446 131071", "+44 7446 131071", "not a phone", "", None]
_PLACES = [
    ("1990-03-04T00:00:00Z", "  Main   Street 5 ", "Київ", "01 001"),
    ("1985-12-01", "вул. Хрещатик", "Kyiv", "ab1 2cd"),
    (None, None, None, None),
    ("", "", "", ""),
]


def _rows() -> list[dict[str, object]]:
    rows = []
    combos = itertools.product(_NAMES, _EMAILS, range(len(_PHONES)), range(len(_PLACES)))
    for n, ((first, last, full), email, phone, place) in enumerate(combos):
        if n % 7:  # every name with every address; phones and places cycled through them
            continue
        birthday, street, city, postcode = _PLACES[(n // 7) % len(_PLACES)]
        phone_value = _PHONES[(n // 7 + phone) % len(_PHONES)]
        phones = [p for p in ("+380501234567", "+380671112233") if n % 3 == 0 or p == phone_value] or None
        rows.append({
            "profile_id": n, "anchor_id": n * 10 + place, "first_name": first, "last_name": last,
            "full_name": full, "birthday": birthday, "email": email, "phone": phone_value, "street": street,
            "city": city, "postcode": postcode, "phones": phones,
        })  # fmt: skip
    return rows


def _raw(rows: list[dict[str, object]]) -> pa.Table:
    types = {"profile_id": pa.int64(), "anchor_id": pa.int64(), "phones": pa.list_(pa.string())}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in rows[0]])
    return pa.Table.from_pylist(rows, schema=schema)


def test_the_column_wise_records_equal_the_per_row_ones() -> None:
    rows = _rows()
    assert len(rows) > 300
    by_column = clean_records(_raw(rows), region="UA").to_pylist()
    for row, cleaned in zip(rows, by_column, strict=True):
        record = to_record(row, region="UA")
        expected = {"unique_id": record.profile_id, "anchor_id": record.anchor_id}
        expected |= {column: getattr(record, column) for column in COLUMNS}
        assert {**cleaned, "phones": tuple(cleaned["phones"] or ())} == {**expected, "phones": record.phones}, row


def test_per_row_records_make_the_same_table_as_the_column_wise_load() -> None:
    rows = _rows()
    by_row = Records.of([to_record(row, region="UA") for row in rows]).table
    by_column = clean_records(_raw(rows), region="UA")
    assert by_row.drop_columns("phones").equals(by_column.drop_columns("phones"))


def test_placeholder_local_parts_are_blanked_for_splink() -> None:
    rows = [
        {**dict.fromkeys(("first_name", "last_name", "full_name", "birthday", "phone", "street", "city", "postcode")),
         "profile_id": n, "anchor_id": n, "email": f"info@shop{n}.example" if n < 4 else "olena85@x.ua",
         "phones": None}
        for n in range(5)
    ]  # fmt: skip
    table = splink_table(Records(clean_records(_raw(rows))))
    assert table["email_local"].to_pylist() == [None, None, None, None, "olena85"]
    assert table["email_box"].to_pylist()[:4] == [None] * 4
    assert table["email_digits"].to_pylist() == ["", "", "", "", "85"]
    assert "email_letters" not in table.column_names  # no comparison or blocking rule reads it
