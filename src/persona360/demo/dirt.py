"""The mess people and systems make of identifiers: typos, phone formats, email variants.

Each function takes the clean value and a seeded ``random.Random`` and returns one
realistic way it ends up in an export.
"""

from __future__ import annotations

import random

_QWERTY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_JCUKEN_ROWS = ("йцукенгшщзхї", "фівапролджє", "ячсмитьбю")
_DOMAIN_TYPOS = {
    "gmail.com": ("gmial.com", "gmail.con", "gmai.com", "gmail.co"),
    "ukr.net": ("ukr.ner", "urk.net", "ukr.nte"),
    "yahoo.com": ("yaho.com", "yahoo.co"),
    "outlook.com": ("outlok.com",),
    "wp.pl": ("wp.p",),
}


def _neighbours(rows: tuple[str, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for row in rows:
        for i, char in enumerate(row):
            table[char] = row[i - 1 : i] + row[i + 1 : i + 2] if i else row[1]
    return table


_NEIGHBOURS = _neighbours(_QWERTY_ROWS) | _neighbours(_JCUKEN_ROWS)


def typo(text: str, rng: random.Random) -> str:
    """One slip of the finger: a neighbouring key, a dropped, doubled or swapped letter."""
    if len(text) < 3:
        return text
    for _ in range(3):  # swapping two equal letters changes nothing: try again
        slipped = _slip(text, rng)
        if slipped != text:
            return slipped
    return text[:-1]


def _slip(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        near = _NEIGHBOURS.get(text[i].lower())
        if near:
            return text[:i] + rng.choice(near) + text[i + 1 :]
        kind = 1
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def email_typo(email: str, rng: random.Random) -> str:
    """Mistype the local part or, as often happens, the domain."""
    local, _, domain = email.partition("@")
    if domain in _DOMAIN_TYPOS and rng.random() < 0.5:
        return f"{local}@{rng.choice(_DOMAIN_TYPOS[domain])}"
    return f"{typo(local, rng)}@{domain}"


def gmail_variant(email: str, rng: random.Random) -> str:
    """Gmail ignores dots and ``+tags``; people and shops use both."""
    local, _, domain = email.partition("@")
    if domain != "gmail.com":
        return email
    bare = local.replace(".", "")
    kind = rng.randrange(4)
    if kind == 0 and len(bare) > 3:
        cut = rng.randrange(1, len(bare) - 1)
        return f"{bare[:cut]}.{bare[cut:]}@gmail.com"
    if kind == 1:
        return f"{bare}@gmail.com"
    if kind == 2:
        return f"{local}+{rng.choice(('shop', 'promo', 'orders', 'news'))}@gmail.com"
    return f"{local}@googlemail.com"


def shouted_email(email: str, rng: random.Random) -> str:
    """Upper case and stray spaces, as pasted from a phone or a spreadsheet."""
    cased = email.upper() if rng.random() < 0.5 else email.title()
    return rng.choice((" ", "", "  ")) + cased + rng.choice((" ", "\t", " "))


# Phone numbers are held as (country code, national significant number).
def format_phone(country: str, number: str, style: int) -> str:
    """Write a phone number in one of five styles people and systems use.

    Example:
        >>> [format_phone("380", "671234567", s) for s in range(5)]
        ['+380671234567', '067 123 45 67', '(067) 123-45-67', '380671234567', '0671234567']
    """
    return _STYLES[country][style % 5](country, number)


def _trunk(number: str) -> str:
    return "0" + number


_STYLES = {
    "380": (
        lambda c, n: f"+{c}{n}",
        lambda c, n: f"0{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}",
        lambda c, n: f"(0{n[:2]}) {n[2:5]}-{n[5:7]}-{n[7:]}",
        lambda c, n: f"{c}{n}",
        lambda c, n: _trunk(n),
    ),
    "48": (
        lambda c, n: f"+{c}{n}",
        lambda c, n: f"{n[:3]} {n[3:6]} {n[6:]}",
        lambda c, n: f"+48 {n[:3]}-{n[3:6]}-{n[6:]}",
        lambda c, n: f"{c}{n}",
        lambda c, n: n,
    ),
    "1": (
        lambda c, n: f"+{c}{n}",
        lambda c, n: f"({n[:3]}) {n[3:6]}-{n[6:]}",
        lambda c, n: f"{n[:3]}-{n[3:6]}-{n[6:]}",
        lambda c, n: f"{c}{n}",
        lambda c, n: f"+1 {n[:3]} {n[3:6]} {n[6:]}",
    ),
    "44": (
        lambda c, n: f"+{c}{n}",
        lambda c, n: f"0{n[:4]} {n[4:]}",
        lambda c, n: f"+44 {n[:4]} {n[4:]}",
        lambda c, n: f"{c}{n}",
        lambda c, n: _trunk(n),
    ),
}


def random_phone(country: str, rng: random.Random) -> str:
    """A national significant number that passes ``phonenumbers`` validation."""
    if country == "380":
        prefix = rng.choice(("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98"))
        return prefix + f"{rng.randrange(10**7):07d}"
    if country == "48":
        prefix = rng.choice(("50", "51", "53", "57", "60", "66", "69", "72", "78", "79", "88"))
        return prefix + f"{rng.randrange(10**7):07d}"
    if country == "1":
        area = rng.choice(("212", "415", "646", "718", "312", "206", "305", "617"))
        return area + str(rng.randrange(2, 10)) + f"{rng.randrange(10**6):06d}"
    return "7" + rng.choice(("4", "5", "8")) + f"{rng.randrange(10**8):08d}"
