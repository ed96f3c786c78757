"""Cards as Markdown and JSON, model age, avatars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from persona360.personas.avatar import avatar_svg
from persona360.personas.export import export_json, export_markdown
from persona360.personas.freshness import card_drift, drift_summary, model_age, with_freshness

BUILT = datetime(2026, 11, 1, tzinfo=UTC)


def stored() -> dict[str, Any]:
    card = {
        "persona": 0, "key": "v1-p0", "name": "Value Hunters", "description": "Deals.", "size": 40,
        "share": 0.4, "revenue_share": 0.25, "revenue_shares": {"UAH": 0.25, "USD": 0.5}, "close_profiles": 20,
        "best_send_hour": 9,
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
        "revenue 25.0 % of UAH · 50.0 % of USD;",
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


def drifted() -> dict[str, Any]:
    """A second model whose persona 0 continues the old persona 2 and whose persona 1 is new."""
    model = stored()
    model["version"] = 2
    model["cards"].append({**model["cards"][0], "persona": 1, "key": "v2-p1", "name": "Gift Givers"})
    model["report"]["drift"] = {
        "from_version": 1, "to_version": 2, "changed_share": 0.125, "ari": 0.81,
        "matches": [{
            "old": 2, "new": 0, "old_name": "Bargain Hunters", "new_name": "Value Hunters", "jaccard": 0.9,
            "share_before": 0.3, "share_after": 0.4, "share_change": 0.1, "centroid_shift": 0.35,
            "feature_shifts": [{"feature": "discount_share", "before": 0.6, "after": 0.8}] * 4,
        }],
        "born": [{"persona": 1, "name": "Gift Givers", "size": 10, "share": 0.1}],
        "gone": [{"persona": 0, "name": "Researchers", "size": 9, "share": 0.09}],
        "psi": {"discount_share": 0.4}, "shifted_features": ["discount_share"],
    }  # fmt: skip
    return model


def test_each_card_carries_its_own_drift() -> None:
    drift = drifted()["report"]["drift"]
    kept = card_drift(drift, 0)
    assert kept is not None and kept["status"] == "continues" and kept["since_version"] == 1
    assert kept["was"] == {"persona": 2, "name": "Bargain Hunters"} and kept["overlap"] == 0.9
    assert (kept["share_before"], kept["share_after"], kept["centroid_shift"]) == (0.3, 0.4, 0.35)
    assert len(kept["moved_most"]) == 3
    assert card_drift(drift, 1) == {"since_version": 1, "status": "new"}
    assert card_drift(None, 0) is None and drift_summary(None) is None


def test_card_says_its_age_and_flags_a_stale_model() -> None:
    model = drifted()
    card = with_freshness(model["cards"][0], model, model_age(model, BUILT + timedelta(days=200), 183))
    assert (card["version"], card["age_days"], card["stale"], card["stale_after_days"]) == (2, 200.0, True, 183)
    assert card["drift"]["status"] == "continues"


def test_exports_hold_the_drift_summary_and_each_cards_drift() -> None:
    model = drifted()
    age = model_age(model, BUILT + timedelta(days=200), 183)
    document = orjson.loads(export_json(model, age))
    assert document["drift"] == {
        "from_version": 1, "to_version": 2, "changed_share": 0.125, "ari": 0.81,
        "born": ["Gift Givers"], "gone": ["Researchers"], "shifted_features": ["discount_share"],
    }  # fmt: skip
    assert [p["drift"]["status"] for p in document["personas"]] == ["continues", "new"]
    assert all(p["stale"] and p["age_days"] == 200.0 for p in document["personas"])
    text = export_markdown(model, age)
    expected = (
        "12.5% of customers changed persona (assignment ARI 0.81); born: Gift Givers; gone: Researchers",
        "- **Age:** model v2, 200.0 days old **stale** (older than 183 days)",
        "since v1 continues 2. Bargain Hunters (member overlap 0.90); share 30.0% -> 40.0%, centre moved 0.35",
        "moved most: discount_share 0.6 -> 0.8",
        "new since v1",
    )  # fmt: skip
    for part in expected:
        assert part in text


def test_first_model_says_so() -> None:
    text = export_markdown(stored(), model_age(stored(), BUILT, 183))
    assert "this is the first model" in text and "first model, nothing to compare with" in text
    assert orjson.loads(export_json(stored(), model_age(stored(), BUILT, 183)))["drift"] is None
