"""The archetype table: loading, bad tables, scoring and matching lift profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from persona360.personas.archetypes import (
    ArchetypeTableError,
    load_archetypes,
    match_archetypes,
    score_archetypes,
)

PLANTED = {"value_hunter", "researcher", "brand_loyalist", "social_butterfly", "replenisher", "mobile_shopper",
           "gift_giver"}  # fmt: skip


def test_the_packaged_table_covers_the_demo_archetypes() -> None:
    archetypes = load_archetypes()
    assert {a.key for a in archetypes} == PLANTED
    assert all(a.signals and a.triggers and a.offers and a.description for a in archetypes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[x\n", "archetype table"),
        ("[x]\ntitle = 'X'\n", "signals"),
        ("[x]\nsignals = [{weight = 1.0}]\n", "feature"),
        ("[x]\nsignals = [{feature = 'a', direction = 'up'}]\n", "direction='up'"),
        ("[x]\nsignals = [{feature = 'a', weight = 'heavy'}]\n", "heavy"),
    ],
)
def test_bad_tables(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "archetypes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArchetypeTableError, match=message):
        load_archetypes(path)


def test_missing_table(tmp_path: Path) -> None:
    with pytest.raises(ArchetypeTableError, match="nothing.toml"):
        load_archetypes(tmp_path / "nothing.toml")


def test_scores_follow_signals_and_directions() -> None:
    archetypes = load_archetypes()
    scores = score_archetypes({"discount_share": 2.0, "gap_cv": -2.0, "repeat_item_share": 0.0}, archetypes)
    assert scores["value_hunter"] == pytest.approx(2.0)  # email_share is absent: skipped
    assert scores["replenisher"] == pytest.approx(2.0 / 3)  # low gap_cv counts for it
    assert "gift_giver" not in scores


def test_matching_ranks_and_thresholds() -> None:
    matches = match_archetypes({"a": 2.0, "b": 1.0, "c": 0.2})
    assert [m["archetype"] for m in matches] == ["a", "b"]
    assert matches[0]["confidence"] > matches[1]["confidence"]
    assert match_archetypes({"a": 0.3}) == []
    assert match_archetypes({}) == []
