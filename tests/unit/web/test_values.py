"""Stored values as a page shows them (the ``shown`` filter): for a person, not as Python or JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from persona360.web.rendering import TEMPLATES
from persona360.web.values import shown, value_text

PRODUCTS = [
    {"brand": "Kavova", "category": "home", "name": "Kavova mug", "price": 9.5, "quantity": 2, "sku": "HO-1"},
    {"brand": "Pura", "category": "beauty", "name": "Pura cream", "price": 20, "quantity": 1},
]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (False, "no"),
        (True, "yes"),
        (None, "—"),
        ("2023-09-30T21:00:01.722Z", "2023-09-30 21:00"),
        ("2023-09-30T23:00:01+02:00", "2023-09-30 21:00"),  # a moment is given in UTC, as the workspace keeps them
        (datetime(2026, 9, 7, 0, 59, 13, 97000, tzinfo=UTC), "2026-09-07 00:59"),
        ("2023-09-30", "2023-09-30"),  # a bare date already reads as one
        ({"anonymous_id": 1, "email": 2}, "anonymous_id: 1, email: 2"),
        ({"events": 111, "identifiers": 4}, "events: 111, identifiers: 4"),
        ({"email": False, "sms": True}, "email: no, sms: yes"),
        ({"rows": {"events": 3}}, "rows: (events: 3)"),
        (["admin"], "admin"),
        ([], "none"),
        (PRODUCTS, "2 × Kavova mug (home), 1 × Pura cream (beauty)"),
        ([{"sku": "HO-1"}], "HO-1"),
        ([{"colour": "red"}], "(colour: red)"),
        (0.0, "0"),
        (9180.72, "9180.72"),
        (42, "42"),
        ("just browsing", "just browsing"),
    ],
)
def test_a_value_reads_as_a_person_reads_it(value: Any, text: str) -> None:
    assert value_text(value) == text


def test_a_moment_keeps_its_exact_value_in_its_title() -> None:
    assert shown("2023-09-30T21:00:01.722Z") == (
        '<time datetime="2023-09-30T21:00:01.722000+00:00" title="2023-09-30T21:00:01.722Z">2023-09-30 21:00</time>'
    )


def test_a_value_cut_short_keeps_the_whole_in_its_title() -> None:
    many = PRODUCTS * 5
    html = shown(many, 60)
    text = html.split(">", 1)[1].rsplit("<", 1)[0].replace("<wbr>", "")
    assert text.endswith("…") and len(text) <= 60
    assert 'title="[{&#34;brand&#34;:&#34;Kavova&#34;' in html and "&#34;price&#34;:9.5" in html


def test_products_keep_their_prices_in_the_title_though_the_text_fits() -> None:
    assert 'title="[{' in shown(PRODUCTS[:1])


def test_a_plain_value_has_no_title() -> None:
    assert shown(False) == "no" and shown({"events": 111}) == "events: 111" and shown("Lviv") == "Lviv"


def test_the_filter_escapes_markup_in_keys_and_values() -> None:
    rendered = TEMPLATES.from_string("{{ v | shown }}").render(v={"<b>": "<i>x</i>"})
    assert "<b>" not in rendered and "<i>" not in rendered and "&lt;b&gt;" in rendered
