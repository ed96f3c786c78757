"""Stored values as a person reads them on a page: the ``shown`` filter of every template.

Traits, event properties and audit details are JSON of any shape. Printed with ``str``
they read as Python (``False``, ``{'events': 111}``) or as raw JSON (a list of product
objects); an ISO string such as ``2023-09-30T21:00:01.722Z`` is a date to a person.
Here a yes/no is ``yes``/``no``, a moment is written as the pages write dates
(``rendering.stamp``), a mapping is ``events: 111, identifiers: 4`` (as the CLI writes one, so a
consent trait reads ``email: no`` in both), a list of products is
``2 × Kavova mug (home), …``. Where the text is shorter than the value (a moment to
the minute, a long list cut), the exact value is kept in the element's ``title``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from persona360.store.money import amounts_text, shares_text

SHOWN_LIMIT = 80  # characters of a value shown before it is cut (the whole value stays in the title)
NOTHING = "—"
# an ISO moment with a time of day; a bare date (2023-09-30) already reads as one
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?")
_ITEM_NAMES = ("name", "title", "product_id", "sku", "id")  # what names an item of a list (a product)


def stamp(moment: datetime | None) -> str:
    """A moment to the minute, the way every page writes dates (``2026-09-07 00:59``)."""
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def moment_of(value: object) -> datetime | None:
    """``value`` as a moment when it is one: a ``datetime`` or an ISO string with a time (else None).

    An aware moment is given in UTC, as the workspace stores its times.

    Example:
        >>> moment_of("2023-09-30T21:00:01.722Z")
        datetime.datetime(2023, 9, 30, 21, 0, 1, 722000, tzinfo=datetime.timezone.utc)
        >>> moment_of("2023-09-30") is None, moment_of("SO63501370771") is None
        (True, True)
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _MOMENT.fullmatch(value.strip()):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment


def value_text(value: Any) -> str:
    """The whole of ``value`` as plain text a person reads (not cut; not escaped).

    Example:
        >>> value_text({"events": 111, "identifiers": 4})
        'events: 111, identifiers: 4'
        >>> value_text([{"name": "Kavova mug", "category": "home", "quantity": 2}])
        '2 × Kavova mug (home)'
        >>> value_text(False), value_text([]), value_text(0.5), value_text("2023-09-30T21:00:01.722Z")
        ('no', 'none', '0.5', '2023-09-30 21:00')
    """
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, ".15g")
    moment = moment_of(value)
    if moment is not None:
        return stamp(moment)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_part_text(item)}" for key, item in value.items()) or "none"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_item_text(item) for item in value) or "none"
    return str(value)


def _part_text(value: Any) -> str:
    """A value inside a mapping: a nested mapping or list in parentheses, so its commas stay its own."""
    text = value_text(value)
    return f"({text})" if isinstance(value, dict | list | tuple) and value else text


def _item_text(item: Any) -> str:
    """An item of a list: a product-like object by its quantity, name and category; else its value."""
    if not isinstance(item, dict):
        return _part_text(item)
    name = next((item[key] for key in _ITEM_NAMES if item.get(key) not in (None, "")), None)
    if name is None:
        return f"({value_text(item)})"
    quantity = item.get("quantity")
    text = f"{value_text(quantity)} × {name}" if quantity not in (None, "") else str(name)
    category = item.get("category")
    return f"{text} ({category})" if category not in (None, "") else text


def exact_text(value: Any) -> str:
    """``value`` exactly: a string as it is, anything else as JSON (for a title)."""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word's end, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;") + "…"


def shown(value: Any, limit: int = SHOWN_LIMIT) -> Markup:
    """``value`` as escaped HTML for a page; its exact value in a ``title`` when the text is shorter.

    Example:
        >>> shown(True), shown({"events": 111})
        (Markup('yes'), Markup('events: 111'))
        >>> shown("2023-09-30T21:00:01Z")
        Markup('<time datetime="2023-09-30T21:00:01+00:00" title="2023-09-30T21:00:01Z">2023-09-30 21:00</time>')
    """
    whole = value_text(value)
    text = shorten(whole, limit)
    moment = moment_of(value)
    if moment is not None:
        return Markup('<time datetime="{}" title="{}">{}</time>').format(
            moment.isoformat(), exact_text(value) if isinstance(value, str) else moment.isoformat(), text
        )
    if text == whole and (not isinstance(value, dict | list | tuple) or _plain(value)):
        return soft_breaks(text)
    return Markup('<span title="{}">{}</span>').format(exact_text(value), soft_breaks(text))


def _plain(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> bool:
    """Whether a mapping or list reads whole in its text: none of its items is itself a mapping or list."""
    items = value.values() if isinstance(value, dict) else value
    return not any(isinstance(item, dict | list | tuple) for item in items)


# After these a long value may break: the parts of an email, a dotted name, a path. Breaking
# only there keeps a word such as a city whole, where ``overflow-wrap: anywhere`` broke
# whatever fell at the edge of a narrow column.
# A colon before a space needs none: the space breaks ("events: 111").
_BREAK_AFTER = re.compile(r"(?<=[._@/\-])|(?<=:)(?! )")


def email_breaks(value: object) -> Markup:
    """An email with a line-break opportunity after its ``@`` only, for a table's email column.

    A long address otherwise set the column's width and squeezed its neighbours.
    """
    return Markup("@<wbr>").join(str(value).split("@"))


def soft_breaks(value: object) -> Markup:
    """``value`` as escaped text with a line-break opportunity (``<wbr>``) after each ``._@/:-``."""
    return Markup("<wbr>").join(part for part in _BREAK_AFTER.split(str(value)) if part)


@pass_context
def amounts(context: Context, totals: Mapping[str, float]) -> Markup:
    """Money per currency (``store.money.amounts_text``), each amount kept on one line.

    A table column narrower than "9,180.72 UAH" broke it into "9,180.72 / UAH"; two
    currencies may still go on two lines, between the amounts. No money at all is a zero
    in the page's ``main_currency`` (``rendering.page`` sets it), as the CLI writes it.
    """
    return _figures(lambda some: amounts_text(some, context["main_currency"]), totals, "; ")


def shares(totals: Mapping[str, float]) -> Markup:
    """Shares of each currency's revenue (``store.money.shares_text``), each kept on one line."""
    return _figures(shares_text, totals, " · ")


def _figures(text: Callable[[Mapping[str, float]], str], totals: Mapping[str, float], between: str) -> Markup:
    if not totals:
        return figure(text(totals))
    return escape(between).join(figure(text({label: amount})) for label, amount in totals.items())


def figure(text: str) -> Markup:
    """``text`` (a figure with its unit: "18 %", "9,180.72 UAH") as one unbreakable piece."""
    return Markup('<span class="figure">{}</span>').format(text)
