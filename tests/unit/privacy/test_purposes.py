"""Consent read from payloads, and the checks on purposes and channels (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from persona360.errors import Persona360Error
from persona360.privacy.purposes import ConsentError, category_purpose, check_purpose, facts_from_payload

AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("purpose", "channel", "message"),
    [
        ("spam", None, "unknown purpose 'spam': use one of marketing"),
        ("Marketing", None, "unknown purpose 'Marketing'"),
        ("marketing", "fax", "unknown channel 'fax': use one of email, sms"),
        ("analytics", "", "unknown channel ''"),
    ],
)
def test_unknown_purpose_or_channel_is_a_clear_error(purpose: str, channel: str | None, message: str) -> None:
    with pytest.raises(ConsentError, match=message) as caught:
        check_purpose(purpose, channel)
    assert isinstance(caught.value, Persona360Error)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("category", "purpose"),
    [
        ("Advertising", "marketing"),
        ("marketing", "marketing"),
        ("Analytics", "analytics"),
        ("C0002", "analytics"),
        ("Personalization", "profiling"),
        ("Data Sharing", "enrichment"),
        ("Strictly Necessary", "transactional"),
        ("Cookies of the moon", None),
    ],
)
def test_segment_categories_map_to_purposes(category: str, purpose: str | None) -> None:
    assert category_purpose(category) == purpose


def test_segment_consent_preferences_give_purpose_wide_facts() -> None:
    context = {"consent": {"categoryPreferences": {"Advertising": True, "Analytics": False, "Odd": True}}}
    facts = facts_from_payload({}, context, AT)
    assert [(f.purpose, f.channel, f.granted) for f in facts] == [("marketing", None, True), ("analytics", None, False)]
    assert all(f.basis == "consent" and f.changed_at == AT for f in facts)


@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        ({"marketing": {"email": True, "sms": False}}, [("marketing", "email", True), ("marketing", "sms", False)]),
        ({"marketing": True}, [("marketing", None, True)]),
        ({"Marketing": {"EMAIL": False}}, [("marketing", "email", False)]),
        ({"marketing": {"fax": True}}, []),
        ({"spam": True}, []),
        ({"marketing": "yes"}, []),
        ({"marketing": {"email": "yes"}}, []),
        ("granted", []),
    ],
)
def test_trait_consent_shapes(consent: object, expected: list[tuple[str, str | None, bool]]) -> None:
    facts = facts_from_payload({"consent": consent}, {}, AT)
    assert [(f.purpose, f.channel, f.granted) for f in facts] == expected


def test_payload_without_consent_has_no_facts() -> None:
    assert facts_from_payload({"email": "a@b.org"}, {"consent": "nope"}, AT) == []
