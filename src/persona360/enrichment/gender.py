"""Guess a person's gender from a first name: Ukrainian, Russian, Polish and English.

Why a curated table: no maintained library covers Ukrainian and Russian first names.
``gender-guesser`` (the English/European list used below) knows few Ukrainian names
and nothing in Cyrillic; the alternatives are unmaintained or call remote services.
So the package ships ``data/slavic_first_names.tsv`` (every spelling of a name on one
row: Cyrillic, the official Latin transliteration and common variants) and falls back
on the Slavic endings: feminine names end in -a/-ia (-а/-я), masculine names in a
consonant, -й or (Ukrainian) -o. The table exists mostly for the names that break
those rules (Mykola, Nikita, Illia, Kuzma, Luka are male; Liubov is female) and for
short forms that are both (Sasha, Zhenia), which no rule may guess.

Order: the table, then ``gender-guesser`` (Latin script only), then the endings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

from persona360.enrichment.provider import Inferred, ProfileView, Provider

Guess = tuple[str, float]

_GENDERS = {"f": "female", "m": "male"}
_GUESSER_ANSWERS = {"male": ("male", 0.95), "female": ("female", 0.95)}
_GUESSER_ANSWERS |= {"mostly_male": ("male", 0.75), "mostly_female": ("female", 0.75)}
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'"})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_FIRST_WORD = re.compile(r"[^\s\-]+")
_CYRILLIC_VOWELS = set("аеєиіїоуюяыэё")
# Confidence of an ending rule: lower for Latin script, where the name may not be Slavic.
_RULE_CONFIDENCE = {"cyrillic": 0.85, "latin": 0.7}


def guess_gender(first_name: str) -> Guess | None:
    """Guess ``("female" | "male", probability)`` from a first name, or None.

    Args:
        first_name: a first name in Cyrillic or Latin script; only its first word
            is used ("Anna-Maria" is read as "Anna").

    Returns:
        The gender and a probability in (0.5, 1], or None when the name is unknown
        or used for both (Sasha, Zhenia).

    Example:
        >>> guess_gender("Микола")
        ('male', 0.99)
        >>> guess_gender("Olena")
        ('female', 0.99)
        >>> guess_gender("Sasha") is None
        True
    """
    name = _normalise(first_name)
    if not name:
        return None
    known = _table().get(name) or _table().get(_strip_accents(name))
    if known is not None:
        return None if known[0] == "unisex" else known
    script = "cyrillic" if _CYRILLIC.search(name) else "latin"
    if script == "latin" and _detector() is not None:
        guessed = _GUESSER_ANSWERS.get(_detector().get_gender(name))
        if guessed is not None:
            return guessed
    return _by_ending(name, script)


def _normalise(first_name: str) -> str:
    match = _FIRST_WORD.search(first_name.strip().translate(_APOSTROPHES))
    return unicodedata.normalize("NFC", match.group(0)).casefold().strip(".'") if match else ""


def _strip_accents(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.replace("ł", "l"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _by_ending(name: str, script: str) -> Guess | None:
    confidence = _RULE_CONFIDENCE[script]
    if len(name) < 3:
        return None
    if name.endswith(("a", "а", "я")):
        return ("female", confidence)
    if script == "cyrillic" and (name[-1] not in _CYRILLIC_VOWELS and name[-1] != "ь" or name.endswith("о")):
        return ("male", confidence)
    return None


@cache
def _table() -> dict[str, Guess]:
    text = resources.files("persona360.enrichment").joinpath("data/slavic_first_names.tsv").read_text("utf-8")
    table: dict[str, Guess] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        gender, probability, spellings = line.split("\t")
        for spelling in spellings.split(","):
            table[_normalise(spelling)] = (_GENDERS.get(gender, "unisex"), float(probability))
    return table


@cache
def _detector() -> Any:
    # Imported late: loading its name list takes about 0.4 s. Optional because it is
    # GPL-3.0 (persona360 is Apache-2.0): without it English names go to the endings.
    try:
        import gender_guesser.detector as gender_guesser
    except ImportError:
        return None
    return gender_guesser.Detector(case_sensitive=False)


class GenderProvider(Provider):
    """``gender`` from the ``firstName`` trait, or the first word of ``name``."""

    name = "name"
    traits = ("gender",)

    def enrich(self, profile: ProfileView) -> list[Inferred]:
        first = profile.text("firstName", "first_name", "firstname") or profile.text("name")
        guess = guess_gender(first) if first else None
        return [Inferred("gender", guess[0], guess[1])] if guess else []
