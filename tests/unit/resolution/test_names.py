"""Name keys: one key per name across scripts, transliteration systems and nicknames."""

from __future__ import annotations

import pytest

from persona360.demo.variants import transliterate
from persona360.resolution.names import Joiner, canonical_first, joined_key, name_key


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


def _regex_name_key(text: str | None) -> str | None:
    """``name_key`` as first written, with one regex per step: the reference the faster one must equal."""
    import re

    import cyrtranslit
    from unidecode import unidecode

    from persona360.resolution.names import _CYRILLIC_FIRST, _FOLDS

    if text is None:
        return None
    if text.isascii():
        latin = text.lower()
    else:
        latin = unidecode(cyrtranslit.to_latin(text.translate(_CYRILLIC_FIRST), "ua")).lower()
    latin = re.sub(r"[^a-z -]", "", latin)
    for spelled, folded in _FOLDS:
        latin = latin.replace(spelled, folded)
    latin = re.sub(r"(.)\1+", r"\1", latin)
    return re.sub(r"\s+", " ", latin).strip() or None


_TRICKY = [
    "Олена Коваленко", "Щербак", "Мар'яна", "Łódź", "  Zoë   Saldaña ", "Jennifer  Rose", "jenniferrose",
    "O.Kovalenko85", "A--B", "a - - b", "\tTab\nNew line\r", "Ann-Marie O'Neil", "SSHH", "shshch", "Xi Jinping",
    "Ie Iie", "mckenzie", "Sasha", "Саша", "Kasia", "ДЖЕК", "Олександр-Сашко", "1984", "ab1cd", "Ǆ ǅ ǆ", "İstanbul",
    "straße", "ﬁnn", "Ⅻ", "٣٤", "a\u00a0b", "a\u2003\u2003b", "x" * 40, "", " ", "-", " - ",
]  # fmt: skip


@pytest.mark.parametrize("text", _TRICKY)
def test_the_fast_key_equals_the_regex_key(text: str) -> None:
    assert name_key(text) == _regex_name_key(text)


def test_the_fast_key_equals_the_regex_key_on_random_text() -> None:
    import random

    chance = random.Random(5)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCXYZ  --.'019ЩщХхЦцЇїЄєҐґЁёЪъьЖжÄäŁłß\t\u00a0İ"
    for _ in range(3000):
        text = "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 14)))
        assert name_key(text) == _regex_name_key(text), text


def test_a_joined_key_equals_the_key_of_the_joined_names() -> None:
    import random

    chance = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz-shchzkcieggjjyy"  # the folded spellings, often
    keys = {name_key("".join(chance.choice(letters) for _ in range(chance.randint(1, 9)))) for _ in range(4000)}
    parts = sorted({k.replace(" ", "") for k in keys if k} | {"sh", "sshh", "s", "h", "ie", "i", "e", "x", "--"})
    joiner = Joiner()  # its remembered checks give the same keys, asked once or many times
    for first in parts[:300]:
        for second in parts[-300:]:
            assert joined_key(first, second) == name_key(first + second), (first, second)
            assert joiner.pairs([first, second]) == {name_key(first + second), name_key(second + first)}
