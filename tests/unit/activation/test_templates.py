"""Rendering: first names only, gender agreement, stale and doubtful traits, no "None", no gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from persona360.activation.templates import (
    Freshness,
    Renderer,
    TemplateContext,
    TemplateRenderError,
    TraitValue,
    split_template,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def renderer(locale: str = "uk_UA") -> Renderer:
    return Renderer(locale, "UAH", Freshness(NOW, timedelta(days=180), 0.5))


def render(source: str, event: dict[str, object] | None = None, **traits: object) -> tuple[str, list[str]]:
    values = {
        k: v if isinstance(v, TraitValue) else TraitValue(v, NOW - timedelta(days=1), 1.0) for k, v in traits.items()
    }
    result = renderer().render(source, TemplateContext(1, values, {"ltv": "high"}, event or {}))
    return result.text, result.traits_used


@pytest.mark.parametrize(
    ("traits", "expected"),
    [
        ({"first_name": "Олена", "gender": "female"}, "Дорога Олена!"),
        ({"first_name": "Тарас", "gender": "male"}, "Дорогий Тарас!"),
        ({"first_name": "Тарас Григорович"}, "Дорогий Тарас!"),  # guessed from the first name
        ({"first_name": "Саша"}, "Дорогий/Дорога Саша!"),  # used for both: no guess
        ({"name": "Шевченко Тарас Григорович"}, "Дорогий/Дорога друже!"),
        ({"name": "Ірина", "gender": "ж"}, "Дорога Ірина!"),
        ({}, "Дорогий/Дорога друже!"),
        ({"first_name": TraitValue("Олена", NOW - timedelta(days=400), 1.0)}, "Дорогий/Дорога друже!"),
        ({"first_name": TraitValue("Олена", NOW, 0.2)}, "Дорогий/Дорога друже!"),
        ({"first_name": None}, "Дорогий/Дорога друже!"),
    ],
)
def test_greeting_and_agreement(traits: dict[str, object], expected: str) -> None:
    assert render('{{ g("Дорогий", "Дорога") }} {{ greeting() }}!', **traits)[0] == expected


def test_traits_used_are_reported_and_stale_ones_are_not_used() -> None:
    text, used = render(
        "{{ greeting('друже') }}, {{ traits.city | default('') }}.",
        first_name="Олена",
        city=TraitValue("Lviv", NOW - timedelta(days=365), 1.0),
    )
    assert (text, used) == ("Олена.", ["first_name"])


def test_inferred_traits_are_not_used_unless_allowed() -> None:
    city = TraitValue("Lviv", NOW - timedelta(days=1), 0.95, inferred=True)
    text, used = render("{{ greeting('друже') }}, {{ traits.city | default('') }}.", first_name="Олена", city=city)
    assert (text, used) == ("Олена.", ["first_name"])
    allowed = Renderer("uk_UA", "UAH", Freshness(NOW, timedelta(days=180), 0.5, use_inferred=True))
    result = allowed.render("{{ traits.city }}", TemplateContext(1, {"city": city}, {}, {}))
    assert (result.text, result.traits_used) == ("Lviv", ["city"])


def test_shown_traits_carry_whether_they_were_inferred() -> None:
    shown = {"value": "UA", "observed_at": NOW, "confidence": 0.9, "inferred": True}
    assert TraitValue.shown(shown) == TraitValue("UA", NOW, 0.9, inferred=True)
    assert not TraitValue.shown({"value": "x", "observed_at": NOW, "confidence": 1.0}).inferred


def test_missing_values_leave_no_none_and_no_gaps() -> None:
    text, _ = render("Привіт {{ traits.get('nick') }} , ось {{ money(event.price) }} !\n{{ computed.ltv }}")
    assert text == "Привіт, ось!\nhigh"
    assert "None" not in text


def test_money_and_dates_are_localised() -> None:
    text, _ = render("{{ money(1999.5) }} | {{ date(event.at) }} | {{ money(event.nothing) }}.", {"at": "2026-03-08"})
    assert text == "1\xa0999,50\xa0₴ | 8 березня 2026\u202fр. |."


def test_date_helper() -> None:
    assert renderer().format_date(date(2026, 3, 8)) == "8 березня 2026\u202fр."
    assert renderer("en_US").format_date("2026-03-08T10:00:00Z") == "March 8, 2026"
    assert renderer().format_date(None) == ""


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ unknown }}", "'unknown' is undefined"),
        ("{% for %}", "does not parse"),
        ("{{ ''.__class__.__mro__ }}", "unsafe"),
        # the helpers are called directly, but what they are bound to stays out of reach
        ("{{ greeting.__self__ }}", "unsafe"),
        ("{{ money.__func__.__globals__ }}", "unsafe"),
        ("{{ link.__self__.renderer }}", "unsafe"),
    ],
)
def test_bad_templates_raise_a_clear_error(source: str, message: str) -> None:
    with pytest.raises(TemplateRenderError, match=message):
        renderer().check(source)
        render(source)


def test_helpers_take_keywords_and_work_inside_loops_and_blocks() -> None:
    """The direct call of a helper drops only Jinja's own loop and block variables, never the template's."""
    source = (
        "{% for price in [10, 20] %}{{ money(amount=price, currency='EUR') }};{% endfor %}"
        "{% set who = greeting(generic='друже') %}{{ who }} {{ g(masculine='він', feminine='вона', generic='—') }}"
    )
    text, _ = render(source)
    assert text == "10,00\xa0EUR;20,00\xa0EUR;друже —"


def test_subject_line_is_split_off() -> None:
    assert split_template("Subject: Hi {{ greeting() }}\n\nBody") == ("Hi {{ greeting() }}", "Body")
    assert split_template("Body only") == ("", "Body only")


def test_subject_and_body_stay_apart_when_the_data_holds_their_separator() -> None:
    """Both render as one template split at a separator; data carrying it makes them render apart."""
    source = "Subject: Hi {{ event.name }}\n\nBody {{ event.name }} {{ range(2) | list }}"
    sneaky = renderer().render(source, TemplateContext(1, {}, {}, {"name": "a\x1f\x1eb"}))
    assert (sneaky.subject, sneaky.text) == ("Hi a\x1f\x1eb", "Body a\x1f\x1eb [0, 1]")
    plain = renderer().render(source, TemplateContext(1, {}, {}, {"name": "Ann"}))
    assert (plain.subject, plain.text) == ("Hi Ann", "Body Ann [0, 1]")  # the environment's globals are there


@pytest.mark.parametrize(
    "text",
    ["Hi Ann!\n\nSee you.", "  lead\nx  y , z ,.\ttrail \t\n\n", "a\r\nb", "ok", "", "end .", "x,!\n"],
)
def test_tidy_leaves_tidy_text_alone_and_closes_gaps_like_before(text: str) -> None:
    """The quick check (nothing to close) gives what the line by line rule gives."""
    from persona360.activation.templates import _tidy, _tidy_lines

    assert _tidy(text) == _tidy_lines(text)
