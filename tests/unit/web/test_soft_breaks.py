"""A shown value's line-break opportunities: after punctuation only, and never around markup."""

from __future__ import annotations

import pytest

from persona360.web.rendering import TEMPLATES
from persona360.web.values import soft_breaks


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("jane.doe@gmail.com", "jane.<wbr>doe@<wbr>gmail.<wbr>com"),
        ("2026-03-25T06:08:10Z", "2026-<wbr>03-<wbr>25T06:<wbr>08:<wbr>10Z"),
        ("email_disposable", "email_<wbr>disposable"),
        ("Warszawa", "Warszawa"),  # a word without punctuation stays whole
        (1.5, "1.<wbr>5"),
    ],
)
def test_a_value_may_break_after_its_punctuation_only(value: object, shown: str) -> None:
    assert soft_breaks(value) == shown


def test_markup_in_a_value_is_escaped_before_the_breaks_go_in() -> None:
    assert soft_breaks('<a href="x">O\'Brien & co.</a>') == (
        "&lt;a href=&#34;x&#34;&gt;O&#39;Brien &amp; co.<wbr>&lt;/<wbr>a&gt;"
    )
    rendered = TEMPLATES.from_string("{{ v | shown }}").render(v="<script>a.b</script>")
    assert rendered == "&lt;script&gt;a.<wbr>b&lt;/<wbr>script&gt;"
