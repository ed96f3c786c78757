"""Name keys: one key per name across scripts, transliteration systems and nicknames."""

from __future__ import annotations

import pytest

from persona360.demo.variants import transliterate
from persona360.resolution.names import canonical_first, name_key


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (("Олена", "Olena", "OLENA "), "olena"),
        (("Григорій", "Hryhorii", "Hryhoriy", "Grigorij"), "hrihori"),
        (("Юлія", "Yuliia", "Julija", "Yulia"), "iulia"),
        (("Харків", "Kharkiv", "Harkiv"), "harkiv"),
        (("Зінчук", "Zinchuk"), "zincuk"),
        (("Щербак", "Shcherbak", "Scherbak"), "serbak"),
        (("Мар'яна", "Maryana", "Mariana"), "mariana"),
        (("Łódź", "Lodz"), "lodz"),
        (("  Zoë   Saldaña ",), "zoe saldana"),
    ],
)
def test_spellings_of_one_name_share_a_key(spellings: tuple[str, ...], key: str) -> None:
    assert {name_key(s) for s in spellings} == {key}


@pytest.mark.parametrize("text", ["", "123", "  ", None])
def test_nothing_to_compare_gives_no_key(text: str | None) -> None:
    assert name_key(text) is None


@pytest.mark.parametrize(
    ("name", "language"),
    [("Олександр Шевчук", "uk"), ("Анастасія Жовтобрюх", "uk"), ("Владимир Щукин", "ru"), ("Юлия Хохлова", "ru")],
)
@pytest.mark.parametrize("informal", [False, True])
def test_cyrillic_and_its_transliterations_share_a_key(name: str, language: str, informal: bool) -> None:
    assert name_key(name) == name_key(transliterate(name, language, informal))


@pytest.mark.parametrize(
    ("everyday", "full"),
    [("Саша", "Oleksandr"), ("Sasha", "Олександр"), ("Kasia", "Katarzyna"), ("Bill", "William"), ("Вова", "Volodymyr")],
)
def test_an_everyday_form_stands_for_its_full_name(everyday: str, full: str) -> None:
    assert canonical_first(name_key(everyday)) == canonical_first(name_key(full))


def test_an_unknown_first_name_stands_for_itself() -> None:
    assert canonical_first("zzz") == "zzz"
    assert canonical_first(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ASCII skips transliteration; these keys are the ones the full path gave
        ("O'Brien-Smith  Jr.", "obren-smith ir"),
        ("SHCHERBAK", "serbak"),
        ("Jennifer Rose", "enifer rose"),
        ("  x  ", "ks"),
        ("123", None),
        ("Zhanna\tKovalenko", "zanakovalenko"),
    ],
)
def test_ascii_names_get_the_keys_transliteration_gave_them(text: str, expected: str | None) -> None:
    assert name_key(text) == expected
