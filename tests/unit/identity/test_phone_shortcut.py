"""``normalise_phone``'s shortcut for ``+digits`` gives what ``phonenumbers.parse`` gives.

The sample is built from the library's own data: an example number of every type of
every region and non-geographic code, each written in several ways and damaged in the
ways that reach parse's regional rules (national prefixes and leading zeros after the
code, lengths it refuses), plus random digits after every calling code.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from functools import cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from persona360.identity.normalise import _read_plain_international, normalise_phone

DEFAULT_REGIONS = ("UA", "US", "GB", "DE", "IT", "BR", "AR", "MX", "RU")
HAND_WRITTEN: list[object] = [
    "+380671234567",
    "380671234567",
    "0671234567",
    "067 123 4567",
    "(067) 123-45-67",
    "067.123.45.67",
    "+38 (067) 123-45-67",
    "+38-067-123-45-67",
    "00380671234567",
    "0038 067 123 45 67",
    "8 (067) 123-45-67",
    "+380671234567 ext. 12",
    "+380671234567;ext=12",
    "+380671234567#",
    "+380671234567 x12",
    "tel:+380671234567",
    "tel:0671234567;phone-context=+380",
    "+38067123456a",
    "+380 67 CALL ME",
    "1-800-FLOWERS",
    "+",
    "++380671234567",
    "+ 380671234567",
    "\uff0b380671234567",
    "+\uff13\uff18\uff10\uff16\uff17\uff11\uff12\uff13\uff14\uff15\uff16\uff17",
    "+\u0663\u0668\u0660\u0666\u0667\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
    "+380\u00b2671234567",
    " \t+380671234567\n",
    "+0671234567",
    "+00380671234567",
    "+999671234567",
    "+1",
    "+12",
    "+123",
    "+7" + "9" * 30,
    "+3" + "8" * 300,
    "",
    "   ",
    "call me",
    380671234567,
    671234567,
    -380671234567,
    True,
    None,
    3.5,
    b"+380671234567",
]


def reference_normalise_phone(raw: object, region: str = "UA") -> str | None:
    """``normalise_phone`` as it was before the shortcut: the plain library pipeline."""
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if text[0].isdigit() and len(re.sub(r"\D", "", text)) > 10:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def outcome(function: Callable[[object, str], str | None], raw: object, region: str) -> object:
    try:
        return function(raw, region)
    except Exception as error:  # noqa: BLE001 - a raise must be the same raise
        return type(error)


def example_numbers() -> Iterator[phonenumbers.PhoneNumber]:
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in PhoneNumberType.values():
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                yield number
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            yield number


def national_prefixes(code: int) -> set[str]:
    prefixes = {"0", "00", "1", "8", "9", "15", "90"}
    for region in phonenumbers.region_codes_for_country_code(code):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        if metadata is not None and metadata.national_prefix:
            prefixes.add(metadata.national_prefix)
    return prefixes


def damaged(code: str, national: str, rng: random.Random) -> Iterator[str]:
    """The number after its code with digits changed, added, removed, prefixed."""
    for _ in range(3):
        at = rng.randrange(len(national))
        yield code + national[:at] + str(rng.randrange(10)) + national[at + 1 :]
    yield code + national + str(rng.randrange(10))
    yield code + national + "".join(str(rng.randrange(10)) for _ in range(rng.randrange(2, 8)))
    yield code + national[:-1]
    yield code + national[: rng.randrange(len(national))]
    yield code + national[1:]
    for prefix in national_prefixes(int(code)):
        yield code + prefix + national
        yield code + prefix + national[len(prefix) :]


def written_forms(number: phonenumbers.PhoneNumber, rng: random.Random) -> Iterator[str]:
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    code, national = str(number.country_code), e164[1 + len(str(number.country_code)) :]
    yield e164
    yield e164[1:]
    yield "00" + e164[1:]
    yield phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national_form = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    yield national_form
    yield national_form.replace(" ", "-")
    yield national_form.replace(" ", ".")
    yield re.sub(r"\D", "", national_form)
    yield e164 + " ext. 12"
    for text in damaged(code, national, rng):
        yield "+" + text
        if rng.random() < 0.3:
            yield text


def random_digits(rng: random.Random) -> Iterator[str]:
    """Digits of every length after every calling code, and after no code at all."""
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for length in range(19):
            yield f"+{code}" + "".join(str(rng.randrange(10)) for _ in range(length))
    for _ in range(3000):
        yield "+" + "".join(str(rng.randrange(10)) for _ in range(rng.randrange(1, 22)))


@cache
def sample() -> list[tuple[object, str]]:
    rng = random.Random(20261125)
    texts = [text for number in example_numbers() for text in written_forms(number, rng)]
    texts += list(random_digits(rng))
    cases: list[tuple[object, str]] = [(text, rng.choice(DEFAULT_REGIONS)) for text in texts]
    cases += [(raw, region) for raw in HAND_WRITTEN for region in (*DEFAULT_REGIONS, "ua", "ZZ", "001", "")]
    return cases


def test_shortcut_returns_what_the_library_returns() -> None:
    cases = sample()
    fast = normalise_phone.__wrapped__
    differences = [
        (raw, region, outcome(fast, raw, region), expected)
        for raw, region in cases
        if outcome(fast, raw, region) != (expected := outcome(reference_normalise_phone, raw, region))
    ]
    assert len(cases) > 50_000
    assert differences == []


def test_shortcut_builds_the_number_parse_builds() -> None:
    cases = sample()
    taken = 0
    for raw, region in cases:
        if not isinstance(raw, str) or not raw.startswith("+"):
            continue
        number = _read_plain_international(raw)
        if number is not None:
            taken += 1
            assert number == phonenumbers.parse(raw, region), raw
    assert taken > 20_000  # the shortcut is exercised, not only its refusals
