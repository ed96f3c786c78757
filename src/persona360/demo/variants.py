"""How one person's name is written differently: diminutives and transliteration.

Identity resolution is judged on exactly these variants, so the tables are small,
explicit and checked into the code rather than drawn from a library that may change.
"""

from __future__ import annotations

# Full name -> everyday forms a customer types into a form or a support agent writes.
DIMINUTIVES: dict[str, tuple[str, ...]] = {
    # Ukrainian
    "Олександр": ("Саша", "Сашко"), "Олександра": ("Саша", "Леся"), "Олена": ("Лена", "Оленка"),
    "Дмитро": ("Діма",), "Володимир": ("Вова", "Володя"), "Катерина": ("Катя",),
    "Анастасія": ("Настя",), "Марія": ("Маша", "Марічка"), "Наталія": ("Наташа",),
    "Юлія": ("Юля",), "Іван": ("Ваня", "Івасик"), "Михайло": ("Миша",), "Тетяна": ("Таня",),
    "Вікторія": ("Віка",), "Ірина": ("Іра",), "Євгенія": ("Женя",), "Євген": ("Женя",),
    "Анна": ("Аня",), "Світлана": ("Світа",), "Богдан": ("Бодя",), "Ярослав": ("Ярик",),
    "Віталій": ("Віталік",), "Максим": ("Макс",), "Андрій": ("Андрюша",), "Сергій": ("Сірьожа",),
    "Оксана": ("Ксюша",), "Ольга": ("Оля",), "Микола": ("Коля",), "Павло": ("Паша",),
    # Russian
    "Александр": ("Саша",), "Александра": ("Саша",), "Алексей": ("Лёша", "Алёша"),
    "Дмитрий": ("Дима",), "Владимир": ("Вова", "Володя"), "Екатерина": ("Катя",),
    "Анастасия": ("Настя",), "Мария": ("Маша",), "Наталья": ("Наташа",), "Юлия": ("Юля",),
    "Иван": ("Ваня",), "Михаил": ("Миша",), "Сергей": ("Серёжа",), "Татьяна": ("Таня",),
    "Елена": ("Лена",), "Ирина": ("Ира",), "Евгений": ("Женя",), "Николай": ("Коля",),
    "Павел": ("Паша",), "Светлана": ("Света",),
    # Polish
    "Aleksander": ("Olek",), "Aleksandra": ("Ola",), "Katarzyna": ("Kasia",),
    "Małgorzata": ("Gosia",), "Magdalena": ("Magda",), "Agnieszka": ("Aga",),
    "Tomasz": ("Tomek",), "Krzysztof": ("Krzyś",), "Piotr": ("Piotrek",),
    "Wojciech": ("Wojtek",), "Jakub": ("Kuba",), "Józef": ("Józek",), "Elżbieta": ("Ela",),
    "Barbara": ("Basia",), "Joanna": ("Asia",), "Stanisław": ("Staś",), "Andrzej": ("Jędrek",),
    "Zofia": ("Zosia",), "Maria": ("Marysia",), "Anna": ("Ania",), "Michał": ("Misiek",),
    # English
    "William": ("Bill", "Will"), "Robert": ("Bob", "Rob"), "Richard": ("Rick", "Dick"),
    "James": ("Jim", "Jimmy"), "Elizabeth": ("Liz", "Beth"), "Margaret": ("Maggie", "Peggy"),
    "Katherine": ("Kate", "Katie"), "Christopher": ("Chris",), "Michael": ("Mike",),
    "Jennifer": ("Jen",), "Jonathan": ("Jon",), "Thomas": ("Tom",), "Daniel": ("Dan",),
    "Matthew": ("Matt",), "Anthony": ("Tony",), "Joseph": ("Joe",), "Patricia": ("Pat", "Trish"),
    "Rebecca": ("Becky",), "Samantha": ("Sam",), "Alexander": ("Alex",), "Benjamin": ("Ben",),
    "Nicholas": ("Nick",), "Susan": ("Sue",), "Edward": ("Ed", "Ted"), "Jessica": ("Jess",),
    "Andrew": ("Andy",), "Victoria": ("Vicky",),
}  # fmt: skip

# Ukrainian: the national system (Cabinet of Ministers resolution 55, 2010). The tuple is
# (at the start of a word, elsewhere); most letters read the same in both places.
_UK_2010: dict[str, tuple[str, str]] = {
    "а": ("a", "a"), "б": ("b", "b"), "в": ("v", "v"), "г": ("h", "h"), "ґ": ("g", "g"),
    "д": ("d", "d"), "е": ("e", "e"), "є": ("ye", "ie"), "ж": ("zh", "zh"), "з": ("z", "z"),
    "и": ("y", "y"), "і": ("i", "i"), "ї": ("yi", "i"), "й": ("y", "i"), "к": ("k", "k"),
    "л": ("l", "l"), "м": ("m", "m"), "н": ("n", "n"), "о": ("o", "o"), "п": ("p", "p"),
    "р": ("r", "r"), "с": ("s", "s"), "т": ("t", "t"), "у": ("u", "u"), "ф": ("f", "f"),
    "х": ("kh", "kh"), "ц": ("ts", "ts"), "ч": ("ch", "ch"), "ш": ("sh", "sh"),
    "щ": ("shch", "shch"), "ь": ("", ""), "ю": ("yu", "iu"), "я": ("ya", "ia"),
    "'": ("", ""), "’": ("", ""), "ʼ": ("", ""),
}  # fmt: skip

# Russian: the ICAO scheme used in passports since 2013.
_RU_ICAO: dict[str, tuple[str, str]] = {
    "а": ("a", "a"), "б": ("b", "b"), "в": ("v", "v"), "г": ("g", "g"), "д": ("d", "d"),
    "е": ("e", "e"), "ё": ("e", "e"), "ж": ("zh", "zh"), "з": ("z", "z"), "и": ("i", "i"),
    "й": ("i", "i"), "к": ("k", "k"), "л": ("l", "l"), "м": ("m", "m"), "н": ("n", "n"),
    "о": ("o", "o"), "п": ("p", "p"), "р": ("r", "r"), "с": ("s", "s"), "т": ("t", "t"),
    "у": ("u", "u"), "ф": ("f", "f"), "х": ("kh", "kh"), "ц": ("ts", "ts"), "ч": ("ch", "ch"),
    "ш": ("sh", "sh"), "щ": ("shch", "shch"), "ъ": ("ie", "ie"), "ы": ("y", "y"),
    "ь": ("", ""), "э": ("e", "e"), "ю": ("iu", "iu"), "я": ("ia", "ia"),
}  # fmt: skip

# How people spell themselves when no official scheme is at hand (social handles, emails).
_INFORMAL: dict[str, str] = {
    "х": "h", "й": "y", "ю": "yu", "я": "ya", "є": "ye", "ї": "yi", "ё": "yo", "щ": "sch",
    "ъ": "",
}  # fmt: skip


def transliterate(text: str, language: str, informal: bool = False) -> str:
    """Write a Cyrillic ``text`` in Latin letters, keeping the capitals.

    Args:
        text: a name in Ukrainian (``language="uk"``) or Russian (``"ru"``) Cyrillic.
        language: ``"uk"`` for the 2010 national system, ``"ru"`` for ICAO.
        informal: spell as people do by hand (``Oleksiy``, ``Hrytsenko``) instead.

    Example:
        >>> transliterate("Олена Коваленко", "uk")
        'Olena Kovalenko'
        >>> transliterate("Юлія Згурська", "uk")
        'Yuliia Zghurska'
    """
    table = _UK_2010 if language == "uk" else _RU_ICAO
    out: list[str] = []
    start = True
    for i, char in enumerate(text):
        lower = char.lower()
        if lower == "г" and language == "uk" and i > 0 and text[i - 1].lower() == "з":
            latin = "gh"  # the 2010 system keeps зг apart from ж: Згурський -> Zghurskyi
        elif informal and lower in _INFORMAL:
            latin = _INFORMAL[lower]
        elif lower in table:
            latin = table[lower][0 if start else 1]
        else:
            latin = char
        if char != lower and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
        start = not char.isalpha() and char not in "'’ʼ"
    return "".join(out)


def is_cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


def diminutives_of(first_name: str) -> tuple[str, ...]:
    return DIMINUTIVES.get(first_name, ())


_FOLD = str.maketrans("ąćęłńóśźżäöüéß", "acelnoszzaouee")


def fold_ascii(latin: str) -> str:
    """Lower-case letters and digits only, as in an email address or a handle."""
    folded = latin.lower().translate(_FOLD)
    return "".join(c for c in folded if c.isascii() and c.isalnum()) or "user"


def strip_apostrophes(name: str) -> str:
    return name.replace("ʼ", "").replace("’", "").replace("'", "")
