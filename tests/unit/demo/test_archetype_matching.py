"""Each planted archetype's persona, with its recall and purity (pure arithmetic, no I/O)."""

from __future__ import annotations

import pytest

from persona360.demo.stages import match_archetypes

NAMES = {0: "Value Hunters", 1: "Researchers"}


@pytest.mark.parametrize(
    ("planted", "assigned", "expected"),
    [
        pytest.param(
            {1: ("value_hunter", True), 2: ("value_hunter", True), 3: ("researcher", True)},
            {1: 0, 2: 0, 3: 1},
            {
                "researcher": {"persona": 1, "name": "Researchers", "recall": 1.0, "purity": 1.0},
                "value_hunter": {"persona": 0, "name": "Value Hunters", "recall": 1.0, "purity": 1.0},
            },
            id="perfect",
        ),
        pytest.param(
            {1: ("value_hunter", True), 2: ("value_hunter", False), 3: ("value_hunter", True), 4: ("researcher", True)},
            {1: 0, 2: 0, 3: 1, 4: 0},
            {
                "researcher": {"persona": 0, "name": "Value Hunters", "recall": 1.0, "purity": 0.333},
                "value_hunter": {"persona": 0, "name": "Value Hunters", "recall": 0.667, "purity": 0.667},
            },
            id="mixed",
        ),
        pytest.param(
            {1: ("gift_giver", True)},
            {1: 5, 9: 0},
            {"gift_giver": {"persona": 5, "name": "persona 5", "recall": 1.0, "purity": 1.0}},
            id="unnamed persona, profile without truth ignored",
        ),
        pytest.param({}, {1: 0}, {}, id="no truth"),
    ],
)
def test_match_archetypes(planted: dict, assigned: dict, expected: dict) -> None:
    assert match_archetypes(planted, assigned, NAMES) == expected
