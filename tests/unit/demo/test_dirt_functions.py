from __future__ import annotations

import random

import phonenumbers
import pytest

from persona360.demo.dirt import email_typo, format_phone, gmail_variant, random_phone, typo
from persona360.demo.spool import KEY_END, Spool
from persona360.demo.variants import transliterate


@pytest.mark.parametrize(
    ("cyrillic", "language", "informal", "latin"),
    [
        ("Олена Коваленко", "uk", False, "Olena Kovalenko"),
        ("Юлія Згурська", "uk", False, "Yuliia Zghurska"),
        ("Євген Їжак", "uk", False, "Yevhen Yizhak"),
        ("Андрій Ярошенко", "uk", False, "Andrii Yaroshenko"),
        ("Марʼяна", "uk", False, "Mariana"),
        ("Олексій Гриценко", "uk", True, "Oleksiy Hrytsenko"),
        ("Алексей Щукин", "ru", False, "Aleksei Shchukin"),
        ("Наталья Юрьева", "ru", False, "Natalia Iureva"),
    ],
)
def test_transliteration(cyrillic: str, language: str, informal: bool, latin: str) -> None:
    assert transliterate(cyrillic, language, informal) == latin


@pytest.mark.parametrize(
    ("country", "region", "number", "formats"),
    [
        ("380", "UA", "671234567",
         ["+380671234567", "067 123 45 67", "(067) 123-45-67", "380671234567", "0671234567"]),
        ("48", "PL", "512345678",
         ["+48512345678", "512 345 678", "+48 512-345-678", "48512345678", "512345678"]),
    ],
)  # fmt: skip
def test_phone_formats(country: str, region: str, number: str, formats: list[str]) -> None:
    assert [format_phone(country, number, style) for style in range(5)] == formats


@pytest.mark.parametrize(("country", "region"), [("380", "UA"), ("48", "PL"), ("1", "US"), ("44", "GB")])
def test_every_format_parses_back_to_the_number(country: str, region: str) -> None:
    rng = random.Random(1)
    for _ in range(200):
        number = random_phone(country, rng)
        for style in range(5):
            parsed = phonenumbers.parse(format_phone(country, number, style), region)
            assert phonenumbers.is_valid_number(parsed)
            assert phonenumbers.format_number(parsed, 0) == f"+{country}{number}"


def test_gmail_variants_stay_the_same_mailbox() -> None:
    rng = random.Random(2)
    for _ in range(100):
        variant = gmail_variant("olena.kovalenko@gmail.com", rng)
        local, _, domain = variant.partition("@")
        assert domain in ("gmail.com", "googlemail.com")
        assert local.split("+")[0].replace(".", "") == "olenakovalenko"


def test_typos_change_one_thing() -> None:
    rng = random.Random(3)
    for _ in range(100):
        assert abs(len(typo("Коваленко", rng)) - 9) <= 1
        assert email_typo("olena@gmail.com", rng) != "olena@gmail.com"


def test_spool_sorts_across_buckets_with_a_small_flush(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("persona360.demo.spool._FLUSH_BYTES", 64)
    spool = Spool(tmp_path / "spool", 0.0, 100.0, 7)
    rng = random.Random(4)
    times = [rng.uniform(0, 100) for _ in range(500)]
    for t in times:
        spool.add(t, f"{t:012.6f}".encode() + KEY_END + b"x")
    out = tmp_path / "out"
    with open(out, "wb") as f:
        assert spool.merge(f, "sort", None, keyed=True) == 500
    assert out.read_bytes() == b"x\n" * 500
    assert not (tmp_path / "spool").exists()
