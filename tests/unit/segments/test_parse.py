"""The condition language: what parses, what it means, and errors with positions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from persona360.segments.catalogue import Catalogue
from persona360.segments.compile import compile_condition
from persona360.segments.definitions import check_name
from persona360.segments.errors import ConditionError
from persona360.segments.nodes import (
    Aggregate,
    And,
    Compare,
    Consent,
    EventMoment,
    In,
    IsSet,
    Not,
    Or,
    Sequence,
    TimeCompare,
    Trait,
    Window,
    from_json,
    names_read,
    to_json,
)
from persona360.segments.parse import parse_condition

NOW = datetime(2026, 11, 1, tzinfo=UTC)
CATALOGUE = Catalogue(
    traits=frozenset({"city", "firstName", "birthday"}),
    events=frozenset({"Order Completed", "Product Added", "Product Viewed", "page"}),
    segments=frozenset({"vip"}),
    consent_allowed=frozenset({"analytics"}),
)


def test_the_issue_examples_parse() -> None:
    node = parse_condition('orders_count >= 3 and city = "Kyiv"')
    assert node == And((Compare(Trait("orders_count"), ">=", 3.0), Compare(Trait("city"), "=", "Kyiv")))
    did = parse_condition('did("Order Completed", category = "shoes", within = 30d) >= 2')
    assert did == Compare(
        Aggregate("count", "Order Completed", None, (("category", "shoes"),), Window(last=timedelta(days=30))),
        ">=",
        2.0,
    )
    cart = parse_condition('then_not("Product Added", "Order Completed", within = 30m)')
    assert cart == Sequence("then_not", "Product Added", "Order Completed", timedelta(minutes=30))
    last = parse_condition('last("Order Completed") before 60d ago')
    assert isinstance(last, TimeCompare) and last.operand == EventMoment("last", "Order Completed")


def test_precedence_not_and_or_and_parentheses() -> None:
    node = parse_condition('not city = "Kyiv" or orders_count > 1 and email is set')
    assert isinstance(node, Or)
    assert isinstance(node.items[0], Not)
    assert isinstance(node.items[1], And) and isinstance(node.items[1].items[1], IsSet)
    grouped = parse_condition('(city in ("Kyiv", "Lviv") or city is not set) and revenue >= 100.5')
    assert isinstance(grouped, And) and isinstance(grouped.items[0], Or)
    assert isinstance(grouped.items[0].items[0], In)


@pytest.mark.parametrize(
    "text",
    [
        'sum("Order Completed", revenue, within = 90d) > 1000',
        'avg("Order Completed", revenue, between = ("2026-01-01", "2026-02-01")) >= 50',
        'then("Product Viewed", "Order Completed", within = 7d)',
        'first("Order Completed") after "2026-01-01"',
        "last_seen within 14d",
        'in_segment("vip") and channels contains "web"',
        'firstName starts with "Ol" and not firstName contains "x"',
        'trait("city") != "Kyiv"',
        'did("page")',
        'consent("marketing", "email") and not consent("profiling")',
    ],
)
def test_every_kind_round_trips_through_the_json_tree(text: str) -> None:
    node = parse_condition(text)
    assert from_json(to_json(node)) == node
    compile_condition(node, CATALOGUE, NOW)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("", 1, 1, "the condition is empty"),
        ("orders_count >= ", 1, 17, "ends too early"),
        ("city = Kyiv", 1, 8, 'text needs quotes: "Kyiv"'),
        ("orders_count === 3", 1, 16, "unexpected '='"),
        ('coutn("Order Completed") > 1', 1, 1, "did you mean count(...)?"),
        ('then_not("Product Added", "Order Completed")', 1, 1, "needs within = DURATION"),
        ('count("Order Completed", within = 30x) > 1', 1, 37, "unexpected 'x\\)'; expected ','"),
        ('count("Order Completed", within = 3) > 1', 1, 1, "within takes a duration"),
        ('sum("Order Completed") > 1', 1, 1, "needs an event and a property"),
        ('count("X", between = ("2026-02-01", "2026-01-01")) > 1', 1, 1, "must come after"),
        ('sum("X", revenue)', 1, 1, "gives a value, not yes/no"),
        ("city = 30d", 1, 1, "a duration compares only with"),
        ('first("X") after "yesterday"', 1, 18, "is not a date"),
        ('orders_count >= 3 and\n  (city = "Kyiv"', 2, 17, "ends too early"),
        ("consent(marketing)", 1, 1, "consent\\(\\) takes a purpose and an optional channel, quoted"),
        ('consent("marketing", "email", "sms")', 1, 1, "takes a purpose and an optional channel"),
        ('consent("marketing", channel = "email")', 1, 1, "takes a purpose and an optional channel"),
        ('consent("marketing") >= 1', 1, 1, "this call is yes/no and cannot be compared"),
    ],
)
def test_syntax_errors_say_where_and_what(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ConditionError, match=message) as caught:
        parse_condition(text)
    assert (caught.value.line, caught.value.column) == (line, column)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ('cty = "Kyiv"', 1, "unknown trait 'cty'; did you mean 'city'?"),
        ('orders_count = "many"', 1, "orders_count is a number: compare it with a number"),
        ("last_seen > 3", 1, "last_seen is a time: use before, after or within"),
        ('first("Order Completed") > 3', 1, "first\\(\\) is a time: use before, after or within"),
        ('channels = "web"', 1, "channels is a list: use contains"),
        ('count("Order Complete") > 1', 1, "did you mean 'Order Completed'?"),
        ('orders_count >= 1 and in_segment("vipp")', 23, "unknown segment 'vipp'; did you mean 'vip'?"),
        ('revenue contains "x"', 1, "'contains' needs text or a list"),
        ('count("Order Completed") > "two"', 1, "is a number: compare it with a number"),
        ('city is set and consent("marketting", "email")', 17, "unknown consent purpose 'marketting'; did you "),
        ('consent("spam")', 1, "unknown consent purpose 'spam'; purposes: marketing, profiling"),
        ('not consent("marketing", "emial")', 5, "unknown consent channel 'emial'; did you mean 'email'?"),
        ('consent("marketing", "fax")', 1, "unknown consent channel 'fax'; channels: email, sms"),
    ],
)
def test_meaning_errors_are_found_before_saving(text: str, column: int, message: str) -> None:
    with pytest.raises(ConditionError, match=message) as caught:
        compile_condition(parse_condition(text), CATALOGUE, NOW)
    assert caught.value.column == column


def test_consent_reads_as_may_decides() -> None:
    assert parse_condition('consent("marketing", "email")') == Consent("marketing", "email")
    assert parse_condition('not consent("analytics")') == Not(Consent("analytics"))


def test_consent_needs_the_workspace_defaults() -> None:
    with pytest.raises(ConditionError, match="needs the workspace's consent defaults"):
        compile_condition(parse_condition('consent("marketing")'), Catalogue(), NOW)


def test_bad_json_trees_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown node 'Maybe'"):
        from_json({"node": "Maybe"})
    with pytest.raises(ValueError, match="has no field\\(s\\) colour"):
        from_json({"node": "Trait", "name": "city", "colour": "red"})


# -- trait("NAME"): a trait that a column of the same name would hide -------------
SHADOWED = Catalogue(
    traits=frozenset({"currency", "revenue", "city"}),
    currencies=frozenset({"PLN", "UAH"}),
)


def test_trait_call_marks_the_name_as_a_trait_and_survives_the_json_tree() -> None:
    node = parse_condition('trait("currency") = "EUR"')
    assert node == Compare(Trait("currency", explicit=True), "=", "EUR")
    assert node != parse_condition('currency = "EUR"')  # the bare name is the column
    assert from_json(to_json(node)) == node


def test_trait_call_compiles_to_the_trait_and_the_bare_name_to_the_column() -> None:
    as_trait = compile_condition(parse_condition('trait("currency") = "EUR"'), SHADOWED, NOW).sql(dialect="duckdb")
    as_column = compile_condition(parse_condition('currency = "EUR"'), SHADOWED, NOW).sql(dialect="duckdb")
    assert "value_text" in as_trait and "p.currency" not in as_trait
    assert "p.currency" in as_column and "value_text" not in as_column


def test_a_trait_named_like_an_amount_is_no_amount_and_names_no_currency() -> None:
    compile_condition(parse_condition('trait("revenue") > 5'), SHADOWED, NOW)  # the trait: no currency to name
    with pytest.raises(ConditionError, match="name the one to compare in"):
        compile_condition(parse_condition('trait("currency") = "UAH" and revenue > 5'), SHADOWED, NOW)
    compile_condition(parse_condition('currency = "UAH" and revenue > 5'), SHADOWED, NOW)


def test_trait_call_of_an_unknown_trait_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ConditionError, match="unknown trait 'curency'; did you mean 'currency'"):
        compile_condition(parse_condition('trait("curency") = "EUR"'), SHADOWED, NOW)


@pytest.mark.parametrize("name", ["Постійні клієнти", "Stali klienci Łódź", "VIP 2026", "ü", "a_b.c-d"])
def test_segment_names_may_be_in_any_alphabet(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", " lead", "-x", "_x", "a/b", 'say "hi"', "x" * 81])
def test_segment_names_refused(name: str) -> None:
    with pytest.raises(ValueError, match="must be 1-80 letters"):
        check_name(name)


@pytest.mark.parametrize(
    ("text", "traits", "events"),
    [
        ('nps >= 9 and city = "Kyiv"', {"nps", "city"}, set()),
        ('not (trait("shoe_size") is set) or in_segment("vip")', {"shoe_size"}, set()),
        ('count("Survey Answered", survey = "post", within = 30d) >= 1', set(), {"Survey Answered"}),
        ('then_not("Product Added", "Order Completed", within = 30m)', set(), {"Product Added", "Order Completed"}),
        ('last("Order Completed") before 30d ago and consent("marketing")', set(), {"Order Completed"}),
    ],
)
def test_names_read_lists_the_traits_and_events_a_condition_reads(
    text: str, traits: set[str], events: set[str]
) -> None:
    assert names_read(parse_condition(text)) == (traits, events)
