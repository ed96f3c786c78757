"""Computed traits and RFM: values on profiles, usable in segments, refreshed live."""

from __future__ import annotations

from typing import Any

import pytest

from integration.segments.clocked import at
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.segments.errors import ConditionError
from persona360.segments.rfm import GRID, RFM_SEGMENTS


def view(clock: FixedClock, user: str, category: str) -> dict[str, Any]:
    return at(clock, type="track", userId=user, event="Product Viewed", properties={"category": category})


def order(clock: FixedClock, user: str, order_id: str, revenue: float, brand: str = "Acme") -> dict[str, Any]:
    return at(
        clock,
        type="track",
        userId=user,
        event="Order Completed",
        properties={"order_id": order_id, "revenue": revenue, "brand": brand},
    )


def test_computed_traits_follow_events_and_windows(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send(
        "web",
        [
            view(clock, "u1", "shoes"),
            view(clock, "u1", "shoes"),
            view(clock, "u1", "bags"),
            order(clock, "u1", "o1", 100, "Acme"),
        ],
    )
    clock.advance(minutes=5)
    shop.ingest.send("web", [order(clock, "u1", "o2", 50, "Zeta")])
    shop.segments.define_trait("favorite_category", 'most_frequent("Product Viewed", category, within = 30d)')
    shop.segments.define_trait("spend", 'sum("Order Completed", revenue)')
    shop.segments.define_trait("brands", 'distinct("Order Completed", brand)')
    shop.segments.define_trait("last_brand", 'last("Order Completed", brand)')
    u1 = shop.profiles.find("user_id", "u1")
    assert shop.segments.computed_of(u1) == {
        "brands": "Acme, Zeta",
        "favorite_category": "shoes",
        "last_brand": "Zeta",
        "spend": "150.0",
    }
    clock.advance(days=20)
    shop.ingest.send("web", [view(clock, "u1", "bags"), view(clock, "u1", "bags")])
    assert shop.segments.computed_of(u1)["favorite_category"] == "bags"
    shop.segments.sweep()
    clock.advance(days=31)  # every view older than 30 days: the window empties
    shop.segments.sweep()
    assert "favorite_category" not in shop.segments.computed_of(u1)
    assert shop.profiles.show(u1)["computed"]["spend"] == "150.0"


def test_segments_use_computed_traits(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send("web", [view(clock, "u1", "shoes"), view(clock, "u2", "hats")])
    shop.segments.define_trait("favorite_category", 'most_frequent("Product Viewed", category)')
    shop.segments.create(SegmentSpec("shoe lovers", 'favorite_category = "shoes"'))
    assert shop.segments.members("shoe lovers")["total"] == 1
    shop.ingest.send("web", [view(clock, "u2", "shoes"), view(clock, "u2", "shoes")])
    assert shop.segments.members("shoe lovers")["total"] == 2


def test_a_computed_trait_named_in_ukrainian_computes_and_a_segment_reads_it(
    shop: Workspace, clock: FixedClock
) -> None:
    shop.ingest.send(
        "web", [order(clock, "u1", "o1", 300), order(clock, "u1", "o2", 100), order(clock, "u2", "o3", 50)]
    )
    shop.segments.define_trait("середній_чек", 'avg("Order Completed", revenue)')
    shop.segments.define_trait("улюблений_бренд", 'most_frequent("Order Completed", brand)')
    u1, u2 = shop.profiles.find("user_id", "u1"), shop.profiles.find("user_id", "u2")
    assert shop.segments.computed_of(u1) == {"середній_чек": "200.0", "улюблений_бренд": "Acme"}
    shop.segments.create(SegmentSpec("щедрі", 'середній_чек >= 100 and улюблений_бренд = "Acme"'))
    assert shop.segments.member_ids("щедрі") == [u1]
    shop.ingest.send("web", [order(clock, "u2", "o4", 350)])  # kept live: u2's average is now 200
    assert shop.segments.member_ids("щедрі") == [u1, u2]
    assert [t["name"] for t in shop.segments.computed_traits()] == ["середній_чек", "улюблений_бренд"]


def test_a_segment_reading_properties_its_events_never_carry_says_so(shop: Workspace, clock: FixedClock) -> None:
    nested = {"order_id": "o1", "products": [{"brand": "Acme", "price": 20}]}
    shop.ingest.send(
        "web",
        [
            at(clock, type="track", userId="u1", event="Order Completed", properties=nested),
            view(clock, "u1", "shoes"),
        ],
    )
    condition = 'sum("Order Completed", price) > 10 or count("Product Viewed", colour = "red") >= 1'
    expected = [
        "no 'Order Completed' event has a 'price' property (they have: order_id, products)",
        "no 'Product Viewed' event has a 'colour' property (they have: category)",
    ]
    assert shop.segments.preview(SegmentSpec("p", condition))["warnings"] == expected
    created = shop.segments.create(SegmentSpec("big spenders", condition))
    assert (created["members"], created["warnings"]) == (0, expected)  # saved all the same
    fine = 'count("Order Completed", order_id = "o1") >= 1 and last("Product Viewed", category = "shoes") within 1d'
    assert shop.segments.create(SegmentSpec("shoe buyers", fine))["warnings"] == []


def test_a_trait_reading_a_property_its_events_never_carry_says_so(shop: Workspace, clock: FixedClock) -> None:
    nested = {"order_id": "o1", "products": [{"brand": "Acme", "category": "shoes"}]}  # Segment's e-commerce shape
    shop.ingest.send("web", [at(clock, type="track", userId="u1", event="Order Completed", properties=nested)])
    empty = shop.segments.define_trait("favorite_brand", 'most_frequent("Order Completed", brand)')
    assert empty["profiles"] == 0
    assert empty["warnings"] == ["no 'Order Completed' event has a 'brand' property (they have: order_id, products)"]
    # a property seen, or an event not seen yet (defined before it arrives), is no cause for a warning
    assert shop.segments.define_trait("first_order", 'first("Order Completed", order_id)')["warnings"] == []
    assert shop.segments.define_trait("wished", 'last("Product Wished", brand)')["warnings"] == []


@pytest.mark.parametrize(
    ("name", "definition", "message"),
    [
        ("Fav", 'count("X")', "must be lower-case letters"),
        ("fav", 'median("X", a)', "not a computed-trait function"),
        ("fav", 'sum("X")', "needs a property"),
        ("fav", "count(X)", "needs an event name"),
        ("fav", 'count("X", within = 3)', "takes only within = DURATION"),
        ("fav", 'count("X"', "ends too early"),
        ("revenue", 'count("X")', "built-in trait"),
    ],
)
def test_bad_computed_traits_are_refused(shop: Workspace, name: str, definition: str, message: str) -> None:
    with pytest.raises((ConditionError, ValueError), match=message):
        shop.segments.define_trait(name, definition)
    assert shop.segments.computed_traits() == []


def test_rfm_grid_covers_every_score_with_the_eleven_named_segments() -> None:
    assert len(GRID) == 25
    assert set(RFM_SEGMENTS) == {
        "Champions",
        "Loyal",
        "Potential Loyalist",
        "New",
        "Promising",
        "Need Attention",
        "About to Sleep",
        "At Risk",
        "Can't Lose Them",
        "Hibernating",
        "Lost",
    }
    assert GRID[(5, 5)] == "Champions" and GRID[(1, 1)] == "Lost" and GRID[(1, 5)] == "Can't Lose Them"


def test_rfm_scores_buyers_by_quintile(shop: Workspace, clock: FixedClock) -> None:
    for n in range(10):  # customer n orders n+1 times for n*10 each, the later the higher n
        shop.ingest.send("web", [order(clock, f"c{n}", f"c{n}-{k}", 10.0 * (n + 1)) for k in range(n + 1)])
        clock.advance(days=1)
    assert shop.segments.refresh_rfm() == 10
    best = shop.segments.computed_of(shop.profiles.find("user_id", "c9"))
    worst = shop.segments.computed_of(shop.profiles.find("user_id", "c0"))
    assert (best["rfm_score"], best["rfm_segment"]) == ("555", "Champions")
    assert (worst["rfm_score"], worst["rfm_segment"]) == ("111", "Lost")
    shop.segments.create(SegmentSpec("champions", 'rfm_segment = "Champions"'))
    assert shop.segments.members("champions")["total"] == 2
