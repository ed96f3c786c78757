"""Every example condition the docs, the CLI help and the web builder show parses and runs.

The examples are read from where a user reads them, so a new example is checked too: a
README example once named a trait (``city``) that no shop of the demo's shape has.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import get_args

import pytest

from integration.segments.clocked import at
from persona360 import Workspace
from persona360.cli import segment_cmds
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.segments.errors import ConditionError

ROOT = Path(__file__).resolve().parents[3]


def _readme() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"""segments (?:preview|create "[^"]*") '([^']*)'""", text)


def _language_block() -> list[str]:
    text = (ROOT / "src/persona360/segments/README.md").read_text()
    block = text.split("## The language", 1)[1].split("```", 2)[1]
    lines = (line.split("     #", 1)[0].strip() for line in block.splitlines())
    return [line for line in lines if line]


def _builder_hint() -> list[str]:
    page = (ROOT / "src/persona360/web/templates/segment_new.html").read_text()
    hint = page.split('id="condition-help"', 1)[1].split("</p>", 1)[0]
    return [html.unescape(code) for code in re.findall(r"<code>(.*?)</code>", hint)]


def _cli_help() -> list[str]:
    help_text = get_args(segment_cmds.Condition)[1].help
    return re.findall(r"e\.g\. '(.*)'", help_text)


EXAMPLES = sorted({*_readme(), *_language_block(), *_builder_hint(), *_cli_help()})


@pytest.fixture
def shop(shop: Workspace, clock: FixedClock) -> Workspace:
    """A customer from Kyiv with three shoe orders, sent the way a shop's tracking sends them."""
    calls = [
        at(
            clock,
            type="identify",
            userId="u1",
            traits={"email": "olena@x.org", "firstName": "Olena", "address": {"city": "Kyiv"}},
        ),
        at(clock, type="track", userId="u1", event="Product Viewed", properties={"category": "shoes"}),
        at(clock, type="track", userId="u1", event="Product Added", properties={"sku": "S-1"}),
    ]
    calls += [
        at(
            clock,
            type="track",
            userId="u1",
            event="Order Completed",
            properties={"order_id": f"o-{n}", "revenue": 40, "category": "shoes"},
        )
        for n in range(3)
    ]
    shop.ingest.send("web", calls)
    shop.segments.create(SegmentSpec("Repeat buyers", 'count("Order Completed", within = 90d) >= 3'))
    return shop


def test_the_examples_are_found() -> None:
    assert len(_readme()) >= 2 and len(_language_block()) >= 8 and len(_builder_hint()) >= 3 and _cli_help()


@pytest.mark.parametrize("condition", EXAMPLES)
def test_each_documented_condition_runs(shop: Workspace, condition: str) -> None:
    shop.segments.preview(SegmentSpec("preview", condition))


def test_the_readme_example_finds_the_customer_from_kyiv(shop: Workspace) -> None:
    assert shop.segments.preview(SegmentSpec("preview", _readme()[0]))["size"] == 1


def test_the_documented_computed_traits_define(shop: Workspace) -> None:
    text = (ROOT / "README.md").read_text()
    documented = re.findall(r"traits define (\w+) '([^']*)'", text)
    assert [shop.segments.define_trait(name, definition)["profiles"] for name, definition in documented] == [1, 1]


@pytest.mark.parametrize(
    ("condition", "hint"),
    [
        ('city = "Kyiv"', "did you mean 'address.city'?"),
        ('trait("city") = "Kyiv"', "did you mean 'address.city'?"),
        ('trait("firstname") = "Olena"', "did you mean 'firstName'?"),
    ],
)
def test_an_unknown_trait_names_the_one_meant(shop: Workspace, condition: str, hint: str) -> None:
    with pytest.raises(ConditionError, match=re.escape(hint)):
        shop.segments.preview(SegmentSpec("preview", condition))


def test_a_trait_is_not_suggested_as_itself(shop: Workspace) -> None:
    with pytest.raises(ConditionError) as raised:
        shop.segments.preview(SegmentSpec("preview", 'trait("currency") = "EUR"'))
    assert "did you mean 'currency'" not in str(raised.value)
