"""Which answers say the same thing."""

from __future__ import annotations

import pytest

from persona360.surveys import similarity
from persona360.surveys.similarity import similar_phrases


def test_inflections_join_and_unrelated_answers_stay_apart() -> None:
    assert similar_phrases(["shipping cost", "Shipping costs", "app crashed"], [1, 1, 1]) == [[0, 1], [2]]


def test_answers_without_a_word_stand_alone() -> None:
    assert similar_phrases(["41", "-"], [3, 1]) == [[0], [1]]
    assert similar_phrases(["41", "shipping cost", "shipping costs"], [3, 1, 1]) == [[0], [1, 2]]


def test_rarer_answers_join_the_nearest_clustered_theme_or_stand_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(similarity, "MAX_CLUSTERED", 2)
    phrases = ["shipping costs", "size unclear", "app crashed", "shipping cost", "the sizes are unclear"]
    # only "app crashed" and "shipping cost" are clustered: the sizes do not meet each other
    assert similar_phrases(phrases, [1, 1, 5, 4, 1]) == [[0, 3], [1], [2], [4]]
