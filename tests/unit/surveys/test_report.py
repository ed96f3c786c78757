"""NPS arithmetic and free-text themes."""

from __future__ import annotations

import pytest

from persona360.surveys import group_themes, nps_summary


@pytest.mark.parametrize(
    ("scores", "nps", "counts"),
    [
        ([], None, (0, 0, 0)),
        ([10, 9, 8, 7, 6, 0], 0.0, (2, 2, 2)),
        ([10, 10, 9], 100.0, (3, 0, 0)),
        ([6, 5, 9], -33.3, (1, 0, 2)),
    ],
)
def test_nps(scores: list[int], nps: float | None, counts: tuple[int, int, int]) -> None:
    summary = nps_summary(scores)
    assert summary["nps"] == nps
    assert (summary["promoters"], summary["passives"], summary["detractors"]) == counts


TEXTS = [
    "The courier was late again",
    "Courier late by two days",
    "Late courier, cold food",
    "The box arrived damaged",
    "Damaged box and torn wrapping",
    "Box damaged in transit",
]


@pytest.mark.parametrize("use_sklearn", [True, False])
def test_themes_group_similar_answers(use_sklearn: bool) -> None:
    themes = group_themes(TEXTS, max_themes=3, use_sklearn=use_sklearn)
    assert sum(theme["count"] for theme in themes) == len(TEXTS)
    groups = [set(theme["examples"]) for theme in themes]
    assert set(TEXTS[:3]) in groups and set(TEXTS[3:]) in groups


def test_themes_of_nothing_and_of_too_many() -> None:
    assert group_themes(["", "  "]) == []
    themes = group_themes([f"word{n} alpha{n}" for n in "abcdefgh"], max_themes=3, use_sklearn=False)
    assert len(themes) == 3 and themes[-1]["theme"] == "other" and sum(t["count"] for t in themes) == 8
