"""Cleaning profile fields into comparable records."""

from __future__ import annotations

import pytest

from persona360.resolution.records import email_local, latin, to_record


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Олена", "olena"),
        ("Коваленко", "kovalenko"),
        ("Григорій", "hryhori"),
        ("Hryhorii", "hryhori"),
        ("Hryhoriy", "hryhori"),
        ("Юлія", "yulia"),
        ("Yuliia", "yulia"),
        ("Мар'яна", "maryana"),
        ("Київ", "kyiv"),
        ("Kyiv", "kyiv"),
        ("Олексій", "oleksi"),
        ("Oleksiy", "oleksi"),
        ("  Zoë   Saldaña ", "zoe saldana"),
        ("", None),
        ("123", None),
        (None, None),
    ],
)
def test_latin_folds_scripts_and_transliteration_systems(text: str | None, expected: str | None) -> None:
    assert latin(text) == expected


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("Olena.K@example.org", "olenak"),
        ("olenak+shop@gmail.com", "olenak"),
        ("no-at-sign", None),
        ("@example.org", None),
        (None, None),
    ],
)
def test_email_local_part(email: str | None, expected: str | None) -> None:
    assert email_local(email) == expected


def test_a_full_name_fills_missing_first_and_last_names() -> None:
    row = {
        "profile_id": 7,
        "anchor_id": 70,
        "first_name": None,
        "last_name": None,
        "full_name": "Олена Коваленко",
        "birthday": "1990-03-04T00:00:00Z",
        "email": "Olena@Example.org",
        "phone": "+380 50 123 45 67",
        "city": "Київ",
        "postcode": "01 001",
    }
    record = to_record(row)
    assert (record.first_name, record.last_name) == ("olena", "kovalenko")
    assert (record.birthday, record.email_local, record.phone) == ("1990-03-04", "olena", "380501234567")
    assert (record.city, record.postcode) == ("kyiv", "01001")
