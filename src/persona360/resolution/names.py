"""Name keys: one spelling per name whatever the script, transliteration or nickname.

``latin()`` in ``records.py`` writes a name in readable Latin letters. Comparing those
is not enough: Ukrainian and Russian names reach a shop in the national system
(``Kharkiv``, ``Zinchuk``), in informal spellings (``Harkiv``, ``Zinchuk``), and in
Cyrillic, which a generic transliterator writes with one letter per sound (``x``,
``c``, ``s``). :func:`name_key` folds all of them onto one key by collapsing the
digraphs the systems disagree on, so that an exact or near comparison of keys sees
one name. The key is for comparing, never for showing.

:func:`canonical_first` maps an everyday form (``Саша``, ``Sasha``, ``Kasia``, ``Bill``)
to the full name it stands for, from a small curated table: no library keeps one
for Ukrainian, Russian and Polish names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from operator import itemgetter

import cyrtranslit
from unidecode import unidecode

# Letters a generic transliterator writes differently from every official system.
_CYRILLIC_FIRST = str.maketrans({"х": "kh", "Х": "Kh", "щ": "shch", "Щ": "Shch", "ц": "ts", "Ц": "Ts"})

# Applied in order to lower-case Latin text: the systems' spellings of one sound,
# folded to one letter (a key, not a spelling).
_FOLDS = (
    ("shch", "s"), ("sch", "s"), ("szcz", "s"), ("kh", "h"), ("zh", "z"), ("ch", "c"), ("sh", "s"),
    ("sz", "s"), ("cz", "c"), ("ts", "c"), ("tz", "c"), ("x", "ks"), ("g", "h"), ("w", "v"),
    ("j", "i"), ("y", "i"), ("ie", "e"), ("ck", "k"),
)  # fmt: skip

# Everyday forms per full name: the first spelling of each group is the canonical one.
# Groups hold the Cyrillic and Latin forms; all are folded with name_key on first use.
_DIMINUTIVE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Олександр", "Александр", "Aleksander", "Alexander", "Саша", "Сашко", "Sasha", "Olek", "Alex", "Шура"),
    ("Олександра", "Александра", "Aleksandra", "Alexandra", "Леся", "Ola", "Sandra"),
    ("Олена", "Елена", "Helena", "Лена", "Оленка", "Alona", "Альона", "Alena"),
    ("Дмитро", "Дмитрий", "Dmitry", "Діма", "Дима", "Dima"),
    ("Володимир", "Владимир", "Włodzimierz", "Вова", "Володя", "Vova", "Volodya"),
    ("Катерина", "Екатерина", "Katarzyna", "Katherine", "Катя", "Kasia", "Kate", "Katie", "Kathy"),
    ("Анастасія", "Анастасия", "Anastazja", "Настя", "Nastya"),
    ("Марія", "Мария", "Maria", "Маша", "Марічка", "Marysia", "Masha", "Mary"),
    ("Наталія", "Наталья", "Natalia", "Наташа", "Natasha"),
    ("Юлія", "Юлия", "Julia", "Юля", "Yulia"),
    ("Іван", "Иван", "Jan", "Ваня", "Івасик", "Vanya"),
    ("Михайло", "Михаил", "Michał", "Michael", "Миша", "Misha", "Misiek", "Mike"),
    ("Тетяна", "Татьяна", "Tatiana", "Таня", "Tanya"),
    ("Вікторія", "Виктория", "Wiktoria", "Victoria", "Віка", "Вика", "Vika", "Vicky"),
    ("Ірина", "Ирина", "Irena", "Іра", "Ира", "Ira"),
    ("Євгенія", "Евгения", "Eugenia", "Женя", "Zhenya"),
    ("Євген", "Евгений", "Eugeniusz", "Eugene"),
    ("Анна", "Anna", "Аня", "Ania", "Anya", "Ann", "Annie"),
    ("Світлана", "Светлана", "Світа", "Света", "Sveta"),
    ("Богдан", "Bogdan", "Бодя", "Bodya"),
    ("Ярослав", "Jarosław", "Ярик", "Yarik"),
    ("Віталій", "Виталий", "Witalij", "Віталік", "Vitalik"),
    ("Максим", "Maksym", "Maxim", "Макс", "Max"),
    ("Андрій", "Андрей", "Andrzej", "Andrew", "Андрюша", "Jędrek", "Andy"),
    ("Сергій", "Сергей", "Sergiusz", "Сірьожа", "Серёжа", "Серьожа", "Seryozha"),
    ("Оксана", "Oksana", "Ксюша", "Ksyusha"),
    ("Ольга", "Olga", "Оля", "Olya"),
    ("Микола", "Николай", "Mikołaj", "Nicholas", "Коля", "Kolya", "Nick"),
    ("Павло", "Павел", "Paweł", "Paul", "Паша", "Pasha"),
    ("Олексій", "Алексей", "Aleksiej", "Лёша", "Алёша", "Льоша", "Lyosha", "Alyosha"),
    ("Małgorzata", "Gosia", "Margaret", "Maggie", "Peggy"),
    ("Magdalena", "Magda"),
    ("Agnieszka", "Aga"),
    ("Tomasz", "Thomas", "Tomek", "Tom"),
    ("Krzysztof", "Christopher", "Krzyś", "Chris"),
    ("Piotr", "Peter", "Piotrek", "Pete"),
    ("Wojciech", "Wojtek"),
    ("Jakub", "James", "Kuba", "Jim", "Jimmy"),
    ("Józef", "Joseph", "Józek", "Joe"),
    ("Elżbieta", "Elizabeth", "Ela", "Liz", "Beth"),
    ("Barbara", "Basia", "Barb"),
    ("Joanna", "Asia"),
    ("Stanisław", "Staś"),
    ("Zofia", "Zosia", "Sophie"),
    ("William", "Bill", "Will"),
    ("Robert", "Bob", "Rob"),
    ("Richard", "Rick", "Dick"),
    ("Jennifer", "Jen"),
    ("Jonathan", "Jon"),
    ("Daniel", "Dan"),
    ("Matthew", "Matt"),
    ("Anthony", "Tony"),
    ("Patricia", "Pat", "Trish"),
    ("Rebecca", "Becky"),
    ("Samantha", "Sam"),
    ("Benjamin", "Ben"),
    ("Susan", "Sue"),
    ("Edward", "Ed", "Ted"),
    ("Jessica", "Jess"),
)


# Every character but a-z, space and hyphen, dropped from lower-cased text in one pass
# (``str.translate``: several times faster than a regex, and keys are made per record).
_NOT_KEY = re.compile(r"[^a-z -]")
_DROP_ASCII = str.maketrans(dict.fromkeys(c for c in map(chr, range(128)) if _NOT_KEY.match(c)))
# A run of one character, replaced by its first group through a function: faster than
# the template ``\1``, which Python expands again for every match.
_RUN = re.compile(r"(.)\1+")
_FIRST = itemgetter(1)


def name_key(text: str | None) -> str | None:
    """The comparison key of a name or city: lower-case, folded, any script.

    Example:
        >>> name_key("Харків"), name_key("Kharkiv")
        ('harkiv', 'harkiv')
        >>> name_key("Зінчук"), name_key("Zinchuk"), name_key("Шаблій"), name_key("Shablii")
        ('zincuk', 'zincuk', 'sabli', 'sabli')
        >>> name_key("Юлія"), name_key("Yuliia"), name_key("Julija")
        ('iulia', 'iulia', 'iulia')
    """
    if text is None:
        return None
    if text.isascii():  # transliteration leaves ASCII as it is, and costs most of the time
        latin = text.lower().translate(_DROP_ASCII)
    else:
        latin = _NOT_KEY.sub("", unidecode(cyrtranslit.to_latin(text.translate(_CYRILLIC_FIRST), "ua")).lower())
    for spelled, folded in _FOLDS:
        latin = latin.replace(spelled, folded)
    # doubled letters ("ii", "nn", "ll") and runs of spaces, once each: only a-z, space
    # and hyphen are left, so no other whitespace remains to squeeze
    return _RUN.sub(_FIRST, latin).strip(" ") or None


@cache
def _canonical() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _DIMINUTIVE_GROUPS:
        keys = [name_key(form) for form in group]
        for key in keys:
            if key is not None:
                table.setdefault(key, keys[0] or key)
    return table


def canonical_first(key: str | None) -> str | None:
    """The full-name key an everyday first-name key stands for (itself when unknown).

    Example:
        >>> canonical_first(name_key("Саша")) == canonical_first(name_key("Oleksandr"))
        True
        >>> canonical_first(name_key("Kasia")), canonical_first("zzz")
        ('katerina', 'zzz')
    """
    if key is None:
        return None
    return _canonical().get(key, key)


# What folding would change in a string of key letters: a folded spelling or a doubled letter.
_FOLDABLE = re.compile("|".join(re.escape(spelled) for spelled, _ in _FOLDS) + r"|(.)\1")
_KEY_LETTERS = re.compile(r"[a-z-]+")
_LONGEST_FOLD = max(len(spelled) for spelled, _ in _FOLDS)


def joined_key(first: str, second: str) -> str | None:
    """``name_key(first + second)``, folded again only where the two meet.

    Address matching asks for the key of every pair of a person's names run together,
    and at a million profiles nearly every such string is new, so no memo helps. When
    both halves are settled (key letters, nothing left to fold), folding can only
    change the few letters around the seam: if they hold nothing to fold either, the
    joined string is its own key. Anything else is folded in full.

    Example:
        >>> joined_key("olena", "kovalenko"), joined_key("enifer", "rose"), joined_key("oles", "hevcenko")
        ('olenakovalenko', 'eniferose', 'olesevcenko')
    """
    seam = first[1 - _LONGEST_FOLD :] + second[: _LONGEST_FOLD - 1]
    if _settled(first) and _settled(second) and _FOLDABLE.search(seam) is None:
        return first + second
    return name_key(first + second)


def _is_settled(part: str) -> bool:
    """Whether ``part`` is made of key letters only and folding would leave it as it is."""
    return _KEY_LETTERS.fullmatch(part) is not None and _FOLDABLE.search(part) is None


_settled = lru_cache(maxsize=1 << 16)(_is_settled)


class Joiner:
    """:func:`joined_key` for one load, its checks remembered.

    A million records ask for six joined spellings each, nearly all new strings, but
    they are built from far fewer name keys and seams: whether a part is settled and
    whether a seam holds anything to fold are asked once each, in one loop rather
    than a call per pair. Same keys as :func:`joined_key`.
    """

    def __init__(self, key: Callable[[str | None], str | None] = name_key) -> None:
        self._key = key
        self._settled: dict[str, bool] = {}
        self._clean_seams: dict[str, bool] = {}

    def pairs(self, parts: Sequence[str]) -> set[str | None]:
        """``joined_key(a, b)`` of every ordered pair of two different ``parts``."""
        settled, seams = self._settled, self._clean_seams
        for part in parts:
            if part not in settled:
                settled[part] = _is_settled(part)
        joined: set[str | None] = set()
        for a in parts:
            tail = a[1 - _LONGEST_FOLD :]
            for b in parts:
                if a == b:
                    continue
                seam = tail + b[: _LONGEST_FOLD - 1]
                clean = seams.get(seam)
                if clean is None:
                    clean = seams[seam] = _FOLDABLE.search(seam) is None
                joined.add(a + b if clean and settled[a] and settled[b] else self._key(a + b))
        return joined
