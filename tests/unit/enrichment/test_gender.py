from __future__ import annotations

import pytest

from persona360.enrichment import guess_gender
from persona360.enrichment.gender import _table


@pytest.mark.parametrize(
    ("name", "gender"),
    [
        # Ukrainian, both scripts
        ("Олена", "female"),
        ("Olena", "female"),
        ("Тарас", "male"),
        ("Taras", "male"),
        ("Петро", "male"),
        ("Мар’яна", "female"),
        ("Соломія", "female"),
        # Russian
        ("Татьяна", "female"),
        ("Dmitry", "male"),
        ("Сергей", "male"),
        # Polish, with and without diacritics
        ("Małgorzata", "female"),
        ("Malgorzata", "female"),
        ("Paweł", "male"),
        ("Grzegorz", "male"),
        # English (gender-guesser)
        ("John", "male"),
        ("Elizabeth", "female"),
        # masculine names that end like feminine ones
        ("Микола", "male"),
        ("Mykola", "male"),
        ("Nikita", "male"),
        ("Никита", "male"),
        ("Illia", "male"),
        ("Ілля", "male"),
        ("Kuzma", "male"),
        ("Кузьма", "male"),
        ("Kuba", "male"),
        ("Лука", "male"),
        # feminine names that do not end in -a
        ("Любов", "female"),
        ("Liubov", "female"),
    ],
)
def test_known_names(name: str, gender: str) -> None:
    guess = guess_gender(name)
    assert guess is not None
    assert guess[0] == gender
    assert 0.5 < guess[1] <= 1.0


@pytest.mark.parametrize(
    ("name", "gender"),
    [
        ("Мирослава", "female"),  # not in the table: the -а ending
        ("Добромир", "male"),  # consonant ending, Cyrillic
        ("Живко", "male"),  # Ukrainian -о
        ("Zlatoslava", "female"),  # Latin -a ending, lower confidence
    ],
)
def test_endings_guess_unlisted_names(name: str, gender: str) -> None:
    guess = guess_gender(name)
    assert guess is not None
    assert guess[0] == gender
    assert guess[1] < 0.9


def test_latin_rules_are_less_sure_than_cyrillic() -> None:
    assert guess_gender("Zlatoslava")[1] < guess_gender("Златослава")[1]  # type: ignore[index]


@pytest.mark.parametrize("name", ["Sasha", "Саша", "Женя", "Zhenya", "", "   ", "Xq", "Pat"])
def test_ambiguous_or_unknown_is_none(name: str) -> None:
    assert guess_gender(name) is None


@pytest.mark.parametrize("name", ["  олена ", "OLENA", "Olena-Maria", "Olena Petrenko"])
def test_spacing_case_and_compound_names(name: str) -> None:
    assert guess_gender(name) == ("female", 0.99)


def test_table_is_shipped_and_large_enough() -> None:
    table = _table()
    assert len(table) > 400
    assert table["mykola"] == ("male", 0.99)
