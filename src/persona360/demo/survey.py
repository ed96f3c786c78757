"""The demo shop's post-purchase survey, so its answers go through the surveys room.

Imported as answers (not as plain events), they give NPS per persona and the free-text
themes a persona card shows as pains, as a real shop's survey tool export would.
"""

from __future__ import annotations

from typing import Any

from persona360.demo.catalogue import build_catalogue

SURVEY_ID = "post-purchase"


def demo_survey() -> dict[str, Any]:
    """The survey definition the demo's ``survey_answers.csv`` answers."""
    return {
        "id": SURVEY_ID,
        "name": "After your order",
        "questions": [
            {"id": "nps", "text": "Would you recommend us to a friend?", "kind": "nps", "trait": "nps"},
            {
                "id": "cart_abandon_reason",
                "text": "The last time you left something in your cart, what stopped you?",
                "kind": "free_text",
                "max_length": 500,
                "trait": "cart_abandon_reason",
            },
            # sizes arrive as typed ("41", "41.5", "EU 41"): text, not choices
            {"id": "shoe_size", "text": "Your shoe size?", "kind": "free_text", "max_length": 12, "trait": "shoe_size"},
            {
                "id": "preferred_category",
                "text": "What do you shop for most?",
                "kind": "single_choice",
                "choices": list(build_catalogue().categories),
                "trait": "preferred_category",
            },
        ],
    }
