"""What each archetype does, as numbers the simulation draws from.

A person who mixes two archetypes behaves as a weighted blend of both profiles, so a
value-hunting gift giver still chases coupons, only less often than a pure value hunter.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

SOURCES = ("direct", "organic", "cpc", "email", "social", "referral")
SECONDARY_WEIGHT = 0.35


@dataclass(frozen=True)
class Behaviour:
    """Per 90 days unless stated; probabilities are per session, view or order."""

    orders: float  # mean orders in the window, for someone who buys
    browse_sessions: float  # sessions that lead to no order
    journey_sessions: tuple[int, int]  # research sessions before an order (min, max)
    journey_days: tuple[float, float]  # how long before the order the research starts
    views: float  # product views per session
    reviews_read: float  # chance a view also reads the reviews
    phone: float  # share of sessions on the phone
    app: float  # share of phone sessions in the app
    sources: tuple[float, ...]  # weights over SOURCES
    coupon: float
    gift: float
    share: float  # chance a view is shared
    event_gap: float  # mean seconds between events in a session
    email_opens: float
    flash_pull: float  # chance an order lands in a flash sale
    holiday_pull: float  # chance an order lands before a holiday
    brand_focus: float  # chance an item is from the favourite brand
    replenish: float  # chance the person re-orders the same items at an interval
    loyalty: float  # chance of being in the loyalty programme
    tenure_days: tuple[float, float]  # how long ago the account was opened
    cart_abandon: float  # chance a browse session leaves something in the cart


PROFILES: dict[str, Behaviour] = {
    "value_hunter": Behaviour(
        2.6, 6, (0, 2), (0, 2), 3, 0.04, 0.55, 0.3, (0.12, 0.13, 0.15, 0.4, 0.12, 0.08),
        0.88, 0.05, 0.01, 40, 0.55, 0.6, 0.08, 0.1, 0.0, 0.1, (30, 700), 0.35),
    "researcher": Behaviour(
        1.3, 6, (3, 6), (7, 21), 7, 0.6, 0.35, 0.1, (0.2, 0.5, 0.1, 0.1, 0.05, 0.05),
        0.1, 0.05, 0.02, 80, 0.2, 0.05, 0.1, 0.15, 0.0, 0.1, (30, 900), 0.25),
    "brand_loyalist": Behaviour(
        4.6, 4, (0, 1), (0, 2), 2.5, 0.08, 0.45, 0.35, (0.5, 0.15, 0.05, 0.25, 0.05, 0.0),
        0.12, 0.05, 0.02, 45, 0.35, 0.1, 0.1, 0.85, 0.1, 0.92, (500, 2500), 0.1),
    "social_butterfly": Behaviour(
        2.0, 7, (0, 2), (0, 3), 3, 0.08, 0.75, 0.3, (0.08, 0.08, 0.04, 0.04, 0.72, 0.04),
        0.18, 0.1, 0.35, 30, 0.2, 0.1, 0.15, 0.15, 0.0, 0.2, (30, 700), 0.2),
    "replenisher": Behaviour(
        3.3, 2, (0, 1), (0, 1), 2, 0.04, 0.4, 0.3, (0.45, 0.2, 0.1, 0.25, 0.0, 0.0),
        0.1, 0.02, 0.01, 35, 0.3, 0.05, 0.05, 0.5, 1.0, 0.4, (200, 1500), 0.05),
    "mobile_shopper": Behaviour(
        2.5, 12, (0, 2), (0, 2), 2.5, 0.04, 0.96, 0.75, (0.3, 0.2, 0.2, 0.05, 0.25, 0.0),
        0.14, 0.05, 0.05, 14, 0.2, 0.15, 0.1, 0.2, 0.0, 0.2, (30, 900), 0.3),
    "gift_giver": Behaviour(
        2.2, 4, (1, 3), (1, 5), 4, 0.2, 0.4, 0.1, (0.25, 0.35, 0.2, 0.1, 0.1, 0.0),
        0.14, 0.82, 0.03, 50, 0.25, 0.1, 0.75, 0.15, 0.0, 0.15, (30, 1500), 0.15),
}  # fmt: skip

# How common each archetype is among the shop's customers.
PREVALENCE: dict[str, float] = {
    "value_hunter": 0.18, "researcher": 0.14, "brand_loyalist": 0.12,
    "social_butterfly": 0.14, "replenisher": 0.12, "mobile_shopper": 0.18, "gift_giver": 0.12,
}  # fmt: skip


def behaviour_of(archetypes: tuple[str, ...]) -> Behaviour:
    """The profile of a person: their first archetype, blended with a second if they have one."""
    primary = PROFILES[archetypes[0]]
    if len(archetypes) == 1:
        return primary
    return blend(primary, PROFILES[archetypes[1]], SECONDARY_WEIGHT)


def blend(first: Behaviour, second: Behaviour, weight: float) -> Behaviour:
    """Mix ``weight`` of ``second`` into ``first``, number by number."""
    changes: dict[str, Any] = {
        f.name: _mix(getattr(first, f.name), getattr(second, f.name), weight) for f in fields(Behaviour)
    }
    return replace(first, **changes)


def _mix(a: object, b: object, weight: float) -> object:
    if isinstance(a, tuple) and isinstance(b, tuple):
        mixed = tuple(x * (1 - weight) + y * weight for x, y in zip(a, b, strict=True))
        return tuple(round(v) for v in mixed) if isinstance(a[0], int) else mixed
    assert isinstance(a, int | float) and isinstance(b, int | float)
    return a * (1 - weight) + b * weight
