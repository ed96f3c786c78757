"""Each person's answer to the shop's cookie banner, as Segment Consent Management sends it.

The answer is drawn from its own hashed stream, not the person's random stream, so
adding it left every other record of a seed as it was. It rides on the person's
identify calls (the consent wrapper of a shop that syncs consent at login) as
``context.consent.categoryPreferences``; the privacy room reads the
categories into purpose-wide decisions (Marketing -> marketing, DataSharing ->
enrichment).
"""

from __future__ import annotations

from typing import Any

from persona360.demo.identifiers import hash_unit
from persona360.demo.people import Person
from persona360.demo.spec import ConsentRates


def banner_answer(seed: int, person: Person, rates: ConsentRates) -> dict[str, Any] | None:
    """The ``context.consent`` of the person's calls, or None if they never answered the banner."""
    if hash_unit(seed, "consent", person.index, "answered") >= rates.answered:
        return None
    marketing = rates.marketing_value_hunter if "value_hunter" in person.archetypes else rates.marketing
    shares = {"Necessary": 1.0, "Marketing": marketing, "DataSharing": rates.data_sharing}
    return {
        "categoryPreferences": {
            category: hash_unit(seed, "consent", person.index, category) < share for category, share in shares.items()
        }
    }
