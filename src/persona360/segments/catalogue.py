"""What a condition may refer to: profile columns with types, traits, events, segments.

The compiler checks every name against a catalogue so that a typo is an error with
a suggestion before anything is saved, not an empty segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import get_close_matches

from persona360.privacy import CHANNELS, PURPOSES
from persona360.segments.nodes import Trait

# Computed columns of every profile (the `seg_profiles` view) and their kinds.
PROFILE_COLUMNS: dict[str, str] = {
    "event_count": "number", "n_identify": "number", "n_track": "number", "n_page": "number",
    "n_screen": "number", "orders_count": "number", "revenue": "number",
    "avg_order_value": "number", "identifier_count": "number",
    "first_seen": "time", "last_seen": "time", "first_order_at": "time", "last_order_at": "time",
    "channels": "list", "devices": "list", "sources": "list",
    "currency": "text", "uncounted_orders": "number",
}  # fmt: skip
# Columns holding an amount of money, in the profile's ``currency`` (profiles/projection.py).
MONEY_COLUMNS = frozenset({"revenue", "avg_order_value"})


def column_kind(trait: Trait) -> str | None:
    """The kind of the computed column ``trait`` names, or ``None`` when it names a trait.

    A bare name that is a column is the column; ``trait("NAME")`` is always the trait.
    """
    return None if trait.explicit else PROFILE_COLUMNS.get(trait.name)


# Traits the predict room keeps on profiles (see the seg_traits view in store/schema.py).
PREDICTION_TRAITS = (
    "clv", "p_alive", "churn_risk", "churn_bucket", "p_purchase_30d",
    "expected_purchases_30d", "expected_purchases_90d",
)  # fmt: skip


@dataclass(frozen=True)
class Catalogue:
    """Names known in one workspace at one moment."""

    traits: frozenset[str] = field(default_factory=frozenset)
    events: frozenset[str] = field(default_factory=frozenset)
    segments: frozenset[str] = field(default_factory=frozenset)
    permissive: bool = False  # re-evaluating a saved segment: names were checked when it was saved
    # purposes allowed with no live decision (setting consent_default_allow); None when
    # unknown, and then a consent() condition cannot be compiled
    consent_allowed: frozenset[str] | None = None
    # the currencies profiles' revenue is in; with more than one, a condition on an amount
    # must name the currency it compares in (see compile.py's _Compiler._money)
    currencies: frozenset[str] = field(default_factory=frozenset)

    def kind_of(self, trait: Trait) -> str | None:
        """``number``, ``time``, ``list``, ``text`` for a column, ``trait`` for a trait, else ``None``."""
        column = column_kind(trait)
        if column is not None:
            return column
        return "trait" if trait.name in self.traits or self.permissive else None

    def suggest(self, name: str, among: str = "names") -> str:
        """``; did you mean X?`` for the closest known name, or ``""``."""
        pool = {
            "names": [*PROFILE_COLUMNS, *self.traits],
            "events": list(self.events),
            "segments": list(self.segments),
            "purposes": list(PURPOSES),
            "channels": list(CHANNELS),
        }[among]
        close = get_close_matches(name, [known for known in pool if known != name], n=1, cutoff=0.6)
        return f"; did you mean {close[0]!r}?" if close else ""

    def suggest_trait(self, trait: Trait) -> str:
        """The hint for an unknown trait: a nested trait it is the last part of, else the closest name.

        Traits sent as objects are stored flattened (``address: {city}`` is ``address.city``),
        so a shop owner's ``city`` most likely means that one; it is named rather than read
        silently, as a ``city`` trait imported later would change what the condition meant.
        ``trait("NAME")`` is compared with traits only: a column of that name is not one.
        """
        nested = sorted(known for known in self.traits if known.rpartition(".")[2] == trait.name)
        if nested:
            return f"; did you mean {' or '.join(map(repr, nested[:3]))}?"
        if trait.explicit:
            close = get_close_matches(trait.name, list(self.traits), n=1, cutoff=0.6)
            return f"; did you mean {close[0]!r}?" if close else ""
        return self.suggest(trait.name)
