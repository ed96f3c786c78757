from __future__ import annotations

import pytest

from persona360.identity.normalise import (
    check_kind,
    normalise_email,
    normalise_handle,
    normalise_phone,
    normalise_plain_id,
    split_identifier,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@Example.ORG ", "jane.doe@example.org"),
        ("Jane.Doe+promo@gmail.com", "janedoe@gmail.com"),
        ("j.a.n.e@googlemail.com", "jane@gmail.com"),
        ("not-an-email", None),
        ("two@@example.org", None),
        ("nodot@example", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_normalise_email(raw: object, expected: str | None) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["+380671234567", "067 123 45 67", "(067) 123-45-67", "380671234567", "0671234567", "+38 (067) 123-45-67"],
)
def test_five_ukrainian_phone_formats_are_one_number(raw: str) -> None:
    assert normalise_phone(raw, "UA") == "+380671234567"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("512 345 678", "PL", "+48512345678"),
        ("+48 512-345-678", "UA", "+48512345678"),
        ("0000000000", "UA", None),
        ("12", "UA", None),
        ("call me", "UA", None),
        ("", "UA", None),
    ],
)
def test_normalise_phone(raw: str, region: str, expected: str | None) -> None:
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+380500006229", "UA", "+380500006229"),
        ("+380500006229", "US", "+380500006229"),
        ("380500006229", "DE", "+380500006229"),
        ("+12015550123", "UA", "+12015550123"),
        ("+79161234567", "UA", "+79161234567"),
        ("+77011234567", "UA", "+77011234567"),
        ("+5511987654321", "UA", "+5511987654321"),
        ("+80012345678", "UA", "+80012345678"),
        # what the shortcut leaves to phonenumbers.parse: a national prefix after the code,
        ("+3800671234567", "UA", "+380671234567"),
        ("+4407400123456", "UA", "+447400123456"),
        ("+112015550123", "UA", "+12015550123"),
        ("+55011987654321", "UA", "+5511987654321"),
        # a leading zero (Italian), a code with a prefix rule that matches anything (AR),
        ("+390612345678", "UA", "+390612345678"),
        ("+5491123456789", "UA", "+5491123456789"),
        # no known code after the '+', and an extension
        ("+0671234567", "UA", None),
        ("+999123456789", "UA", None),
        ("+380500006229 ext. 5", "UA", "+380500006229"),
    ],
)
def test_normalise_international_phone(raw: str, region: str, expected: str | None) -> None:
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" @JaneDoe ", "janedoe"), ("https://instagram.com/Jane.Doe/", "jane.doe"), ("@", None)],
)
def test_normalise_handle(raw: str, expected: str | None) -> None:
    assert normalise_handle(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [(" 42 ", "42"), (42, "42"), (42.0, "42"), (True, None), ("", None)])
def test_normalise_plain_id(raw: object, expected: str | None) -> None:
    assert normalise_plain_id(raw) == expected


@pytest.mark.parametrize("kind", ["email", "phone", "user_id", "anonymous_id", "id:shop", "handle:instagram"])
def test_known_kinds(kind: str) -> None:
    assert check_kind(kind) == kind


@pytest.mark.parametrize("kind", ["fax", "id:", "handle:Insta Gram", "id:shop/1"])
def test_unknown_kinds_are_refused_with_the_choices(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown identifier kind"):
        check_kind(kind)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email:jane@x.org", ("email", "jane@x.org")),
        ("jane@x.org", ("email", "jane@x.org")),
        ("+380671234567", ("phone", "+380671234567")),
        ("id:shop:1234", ("id:shop", "1234")),
        ("handle:facebook:JaneDoe", ("handle:facebook", "JaneDoe")),
        ("user_id:42", ("user_id", "42")),
    ],
)
def test_split_identifier(text: str, expected: tuple[str, str]) -> None:
    assert split_identifier(text) == expected


def test_split_identifier_refuses_ambiguous_text() -> None:
    with pytest.raises(ValueError, match="write it as kind:value"):
        split_identifier("jane")
