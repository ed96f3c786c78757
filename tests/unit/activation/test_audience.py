"""Customer-list rows: normalised, SHA-256-hashed emails and phones in each platform's form."""

from __future__ import annotations

import hashlib

import pytest

from persona360.activation.audience import AudienceError, check_format, hashed_rows, normalise_phone, write_csv


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("fmt", "phone"), [("facebook", "380671234501"), ("google", "+380671234501")], ids=["facebook", "google"]
)
def test_phones_are_normalised_per_platform_before_hashing(fmt: str, phone: str) -> None:
    assert normalise_phone("+380671234501", fmt) == phone
    rows = hashed_rows([" Jane@Example.org "], ["+380671234501"], fmt)
    assert rows == [(h("jane@example.org"), h(phone))]


def test_a_person_with_more_emails_than_phones_gets_a_row_per_pair() -> None:
    rows = hashed_rows(["a@x.org", "b@x.org"], ["+380671234501"], "google")
    assert rows == [(h("a@x.org"), h("+380671234501")), (h("b@x.org"), "")]
    assert hashed_rows([], [], "google") == []


@pytest.mark.parametrize(("fmt", "header"), [("facebook", "email,phone"), ("google", "Email,Phone")])
def test_csv_header_follows_the_platform(fmt: str, header: str) -> None:
    assert write_csv([("e", "p")], fmt) == f"{header}\ne,p\n"


def test_unknown_format_is_named() -> None:
    with pytest.raises(AudienceError, match="'tiktok' is not one of facebook, google"):
        check_format("tiktok")
