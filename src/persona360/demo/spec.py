"""What a demo shop looks like: its size, its window and how dirty its exports are.

Every rate lives here, named, so a test can read the rate it checks and a user can
turn the dirt up or down without reading the generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

ARCHETYPES = (
    "value_hunter",
    "researcher",
    "brand_loyalist",
    "social_butterfly",
    "replenisher",
    "mobile_shopper",
    "gift_giver",
)

DEFAULT_LOCALES = (
    ("uk_UA", 0.45),
    ("ru_RU", 0.12),
    ("pl_PL", 0.23),
    ("en_US", 0.10),
    ("en_GB", 0.10),
)


@dataclass(frozen=True)
class DirtRates:
    """How often each kind of real-world mess appears, per record it can touch.

    Name and email dirt is drawn per record (an order, a contact, a ticket), not per
    person: the same customer types their name differently at different times.
    """

    name_typo: float = 0.04
    email_typo: float = 0.02
    diminutive: float = 0.15
    swapped_names: float = 0.05
    other_script: float = 0.25
    missing_field: float = 0.06
    gmail_variant: float = 0.25
    email_case_space: float = 0.05
    shared_device: float = 0.06
    shared_home: float = 0.15  # two customers in one home: one network (at least ``shared_device``)
    cookie_reset: float = 0.04
    test_email: float = 0.35
    guest_checkout: float = 0.10
    second_email: float = 0.15
    contact_duplicate: float = 0.08


@dataclass(frozen=True)
class ConsentRates:
    """How people answer the shop's cookie banner (Segment Consent Management categories).

    The answer rides on the person's identify calls (``context.consent``); it
    is what lets the demo's campaign and enrichment stages reach anyone at all, since
    marketing and enrichment need a grant. Value hunters, who open promo email, accept
    marketing more often. The banner asks no Analytics or Personalization question:
    those purposes stay on their defaults (allowed), so segments and personas see
    every customer, as before the banner.
    """

    answered: float = 0.9
    marketing: float = 0.55
    marketing_value_hunter: float = 0.85
    data_sharing: float = 0.4


@dataclass(frozen=True)
class DemoSpec:
    """The shop to simulate.

    Args:
        customers: how many people to simulate (not rows: each person leaves many).
        days: length of the window of activity, ending at ``end``.
        seed: the only source of randomness; the same spec writes byte-identical files.
        end: the end of the window (exclusive), timezone-aware.
        activity: multiplies how often people browse; 1.0 gives about 80 events a person
            over 90 days.
        mixed_archetypes: share of people who mix a second archetype into their first.
        buyer_share: share of people who order at least once in the window.
        offline_orders: share of orders placed by phone or in store (export only).
        lapse_share: share of people who stop coming during the window, at a time the
            truth file records (``lapsed_at``): the churn the predictions are scored on.
        dirt: rates of each kind of mess in the exports.
        consent: how people answer the cookie banner.
        locales: Faker locales and their weights.

    Example:
        >>> DemoSpec(customers=500, days=30).start.isoformat()
        '2026-10-02T00:00:00+00:00'
    """

    customers: int = 10_000
    days: int = 90
    seed: int = 42
    end: datetime = datetime(2026, 11, 1, tzinfo=UTC)
    activity: float = 1.0
    mixed_archetypes: float = 0.25
    buyer_share: float = 0.8
    offline_orders: float = 0.07
    lapse_share: float = 0.3
    email_list_share: float = 0.7
    support_share: float = 0.12
    survey_share: float = 0.08
    social_share_butterflies: float = 0.85
    social_share_others: float = 0.08
    dirt: DirtRates = field(default_factory=DirtRates)
    consent: ConsentRates = field(default_factory=ConsentRates)
    locales: tuple[tuple[str, float], ...] = DEFAULT_LOCALES

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError(f"customers={self.customers}: simulate at least one person")
        if self.days < 1:
            raise ValueError(f"days={self.days}: the window must be at least one day")
        if not 0.0 <= self.lapse_share <= 1.0:
            raise ValueError(f"lapse_share={self.lapse_share}: give a share from 0 to 1")
        if self.end.tzinfo is None:
            raise ValueError(f"end={self.end}: give a timezone-aware datetime (e.g. tzinfo=UTC)")

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)

    @property
    def scale(self) -> float:
        """Activity is tuned for 90 days; longer windows hold proportionally more."""
        return self.days / 90
