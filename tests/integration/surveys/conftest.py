"""A workspace with the delivery survey of the examples."""

from __future__ import annotations

from typing import Any

import pytest

from persona360 import Workspace

DELIVERY: dict[str, Any] = {
    "id": "post-delivery",
    "name": "After delivery",
    "questions": [
        {
            "id": "rating",
            "text": "How was the delivery?",
            "kind": "scale",
            "min": 1,
            "max": 5,
            "trait": "delivery_rating",
        },
        {
            "id": "size",
            "text": "Your shoe size?",
            "kind": "single_choice",
            "choices": ["40", "41", "42"],
            "trait": "shoe_size",
        },
        {
            "id": "why",
            "text": "Why did you not order?",
            "kind": "multiple_choice",
            "choices": ["price", "delivery", "size"],
            "trait": "cart_abandon_reason",
        },
        {"id": "recommend", "text": "Would you recommend us?", "kind": "nps", "trait": "nps_score"},
        {"id": "comment", "text": "Anything else?", "kind": "free_text", "trait": "delivery_comment"},
    ],
}


@pytest.fixture
def surveyed(workspace: Workspace) -> Workspace:
    workspace.surveys.create(DELIVERY)
    return workspace
