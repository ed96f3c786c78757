"""NPS arithmetic and free-text themes."""

from __future__ import annotations

import pytest

from persona360.surveys import group_themes, nps_summary
from persona360.surveys.pains import pains_of_groups
from persona360.surveys.report import label_themes


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


# the demo shop's planted reasons: twelve unrelated answers, more than max_themes
REASONS = [
    *["shipping cost"] * 6, *["payment failed"] * 5, *["price too high"] * 4, *["just browsing"] * 3,
    "waiting for a discount", "app crashed", "checkout too long", "still comparing",
    "not enough reviews", "delivery too slow", "size unclear", "no gift options",
]  # fmt: skip

WORDED = {
    "payment": ["оплата не пройшла", "Оплата не прошла!", "не пройшла оплата", "оплата не прошла"],
    "shipping": ["shipping costs", "Shipping cost.", "high shipping cost", "the shipping costs too much"],
    "app": ["app crashed", "The app crashes", "app keeps crashing"],
    "discount": ["чекаю знижки", "чекаю на знижку", "Чекаю знижок"],
}


def test_unrelated_answers_are_never_one_theme() -> None:
    themes = group_themes(REASONS, max_themes=5)
    assert [(theme["theme"], theme["examples"], theme["count"]) for theme in themes[:4]] == [
        ("shipping cost", ["shipping cost"], 6),
        ("payment failed", ["payment failed"], 5),
        ("price too high", ["price too high"], 4),
        ("just browsing", ["just browsing"], 3),
    ]
    assert themes[4]["theme"] == "other" and themes[4]["count"] == 8


def test_inflected_and_cross_language_answers_are_one_theme_named_as_given() -> None:
    texts = [text for wordings in WORDED.values() for text in wordings]
    themes, labels = label_themes(texts, max_themes=5)
    by_reason = {reason: {labels[texts.index(text)] for text in wordings} for reason, wordings in WORDED.items()}
    assert all(len(names) == 1 for names in by_reason.values()), by_reason
    assert len({name for names in by_reason.values() for name in names}) == len(WORDED)
    said = {" ".join(text.casefold().rstrip(".!").split()) for text in texts}
    assert {theme["theme"] for theme in themes} <= said


def test_themes_of_nothing_and_of_too_many() -> None:
    assert group_themes(["", "  "]) == []
    themes = group_themes([f"word{n} alpha{n}" for n in "abcdefgh"], max_themes=3, use_sklearn=False)
    assert len(themes) == 3 and themes[-1]["theme"] == "other" and sum(t["count"] for t in themes) == 8


def test_label_themes_names_each_text_and_skips_blanks() -> None:
    themes, labels = label_themes([*TEXTS, "  "], max_themes=3)
    assert labels[-1] is None
    assert len(set(labels[:3])) == 1 and len(set(labels[3:6])) == 1 and labels[0] != labels[3]
    assert {theme["theme"] for theme in themes} == set(labels[:6])


def test_pains_of_groups_against_everyone() -> None:
    late = ["The courier was late again", "Courier late by two days", "Late courier, cold food", "courier late"]
    damaged = ["The box arrived damaged", "Damaged box and torn wrapping", "Box damaged in transit", "damaged box"]
    # profiles 1-4 complain about late couriers, 5-8 about damaged boxes, 9 typed only a number
    answers = [*enumerate(late, 1), *enumerate(damaged, 5), (9, "41")]
    described = pains_of_groups(answers, {"a": [1, 2, 3, 5, 10], "b": [6, 7, 8], "c": [10]}, max_themes=3, top=2)
    a, b = described["a"], described["b"]
    assert a["respondents"] == 4 and b["respondents"] == 3 and described["c"] == {"respondents": 0, "pains": []}
    first = a["pains"][0]
    assert "courier" in first["theme"] or "late" in first["theme"]
    assert (first["respondents"], first["share"], first["base_share"], first["lift"]) == (3, 0.75, 0.5, 1.5)
    assert first["examples"] == late[:2]
    assert b["pains"][0]["share"] == 1.0 and "damaged" in " ".join(b["pains"][0]["examples"]).lower()


def test_a_theme_gives_different_answers_as_examples_the_most_given_first() -> None:
    texts = ["still comparing"] * 4 + ["Still comparing!", "price too high", "Price  too high", "too pricey", "x y"]
    themes = group_themes(texts, max_themes=2, use_sklearn=False)
    comparing, other = themes
    assert (comparing["examples"], comparing["example_counts"]) == (["still comparing"], [5])
    assert other["examples"] == ["price too high", "too pricey", "x y"]  # "Price  too high" is the same answer
    assert other["example_counts"] == [2, 1, 1]
