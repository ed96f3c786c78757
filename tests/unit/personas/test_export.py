"""Cards as Markdown and JSON, model age, avatars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from persona360.personas.avatar import avatar_svg
from persona360.personas.export import export_json, export_markdown, model_age

BUILT = datetime(2026, 11, 1, tzinfo=UTC)


def stored() -> dict[str, Any]:
    card = {
        "persona": 0, "key": "v1-p0", "name": "Value Hunters", "description": "Deals.", "size": 40,
        "share": 0.4, "revenue_share": 0.25, "close_profiles": 20, "best_send_hour": 9,
        "archetypes": [{"archetype": "value_hunter", "score": 1.4, "confidence": 0.8}],
        "behaviour": {"frequency": 2.5}, "channels": {"mobile_share": 0.6},
        "stability": {"jaccard": 0.7, "unstable": True},
        "distinguishing": [{"feature": "discount_share", "persona": 0.8, "base": 0.2, "ratio": 4.0, "z": 2.1}],
        "triggers": ["a flash sale starts"], "offers": ["coupon"], "avatar_svg": avatar_svg("v1-p0"),
    }  # fmt: skip
    return {"version": 1, "built_at": BUILT, "profiles": 100, "report": {"customers": 100}, "cards": [card]}


def test_age_and_staleness() -> None:
    assert model_age(stored(), BUILT + timedelta(days=3), 30) == {
        "age_days": 3.0,
        "stale": False,
        "stale_after_days": 30,
    }
    assert model_age(stored(), BUILT + timedelta(days=31), 30)["stale"]


def test_markdown_holds_the_card() -> None:
    text = export_markdown(stored(), model_age(stored(), BUILT + timedelta(days=40), 30))
    expected = (
        "# Personas (model v1)", "## 0. Value Hunters", "<svg", "value_hunter (80%)", "09:00 UTC",
        "| discount_share | 0.8 | 0.2 | 4.0 | +2.1 |", "(unstable)", "**Offers:** coupon", "stale",
    )  # fmt: skip
    for part in expected:
        assert part in text


def test_json_round_trips() -> None:
    document = orjson.loads(export_json(stored(), model_age(stored(), BUILT, 30)))
    assert document["personas"][0]["name"] == "Value Hunters"
    assert document["built_at"] == BUILT.isoformat() and document["stale"] is False


def test_avatars_are_deterministic_and_differ() -> None:
    assert avatar_svg("v1-p0") == avatar_svg("v1-p0")
    assert avatar_svg("v1-p0") != avatar_svg("v1-p1")
    assert avatar_svg("v1-p0").startswith("<svg") and avatar_svg("v1-p0").endswith("</svg>")
