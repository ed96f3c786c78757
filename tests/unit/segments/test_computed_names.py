"""Computed-trait names: identifier-like, lower-case, in any alphabet.

A shop in Ukraine or Germany names its traits in its own language (``середній_чек``,
``größe``); the name was ASCII only. A name still reads as one identifier (a letter
first, then letters, digits and underscores), so a condition can use it bare.
"""

from __future__ import annotations

import pytest

from persona360.segments.computed import parse_computed
from persona360.segments.errors import ConditionError
from persona360.segments.nodes import Compare, Trait
from persona360.segments.parse import parse_condition


@pytest.mark.parametrize("name", ["orders_90d", "середній_чек", "größe", "ціна2", "émoji_free", "z", "ї" * 63, "a_b_"])
def test_a_lower_case_name_in_any_alphabet_is_accepted(name: str) -> None:
    assert parse_computed(name, 'count("Order Completed")').name == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Середній_чек",  # upper case
        "Fav",
        "1st_order",  # a digit first
        "_hidden",
        "середній чек",  # a space
        "ціна-чек",
        "price!",
        "a.b",
        "чек²",  # a digit that is no 0-9
        "ї" * 64,  # too long
    ],
)
def test_a_name_that_is_no_identifier_is_refused_naming_it(name: str) -> None:
    with pytest.raises(ConditionError) as error:
        parse_computed(name, 'count("Order Completed")')
    assert f"computed trait name {name!r} must be" in str(error.value)


@pytest.mark.parametrize("name", ["середній_чек", "größe", "ціна2"])
def test_a_condition_reads_a_name_in_any_alphabet_bare(name: str) -> None:
    node = parse_condition(f"{name} > 100")
    assert node == Compare(Trait(name), ">", 100.0)
