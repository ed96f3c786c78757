"""Each archetype must be recognisable from the data alone, or personas cannot be scored."""

from __future__ import annotations

from collections import Counter, defaultdict

from demo_shop_data import Demo


def _share_by_archetype(pairs: list[tuple[str | None, bool]]) -> dict[str, float]:
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for archetype, hit in pairs:
        if archetype:
            totals[archetype] += 1
            hits[archetype] += hit
    return {a: hits[a] / totals[a] for a in totals}


def _others(shares: dict[str, float], archetype: str) -> float:
    return max(v for a, v in shares.items() if a != archetype)


def test_value_hunters_buy_with_coupons(demo: Demo) -> None:
    pairs = [(demo.primary("shop", oid), bool(rows[0]["discount_code"])) for oid, rows in demo.orders().items()]
    shares = _share_by_archetype(pairs)
    assert shares["value_hunter"] > 0.7
    assert shares["value_hunter"] > 3 * _others(shares, "value_hunter")


def test_gift_givers_wrap_and_ship_elsewhere(demo: Demo) -> None:
    pairs = []
    for oid, rows in demo.orders().items():
        row = rows[0]
        elsewhere = row["ship_name"] != f"{row['first_name']} {row['last_name']}"
        pairs.append((demo.primary("shop", oid), row["gift_wrap"] == "true" or elsewhere))
    shares = _share_by_archetype(pairs)
    assert shares["gift_giver"] > 0.6
    assert shares["gift_giver"] > 2.5 * _others(shares, "gift_giver")


def test_researchers_view_many_products_per_order(demo: Demo) -> None:
    views: Counter[str] = Counter()
    orders: Counter[str] = Counter()
    for e in demo.events:
        archetype = demo.primary("shop-web", e["messageId"])
        if archetype and e.get("event") in ("Product Viewed", "Reviews Read"):
            views[archetype] += 1
        if archetype and e.get("event") == "Order Completed":
            orders[archetype] += 1
    ratio = {a: views[a] / orders[a] for a in orders}
    assert ratio["researcher"] > 2 * _others(ratio, "researcher")


def test_mobile_shoppers_live_on_their_phones(demo: Demo) -> None:
    pairs = [
        (
            demo.primary("shop-web", e["messageId"]),
            e["context"].get("device", {}).get("type") == "mobile",
        )
        for e in demo.events
    ]
    shares = _share_by_archetype(pairs)
    assert shares["mobile_shopper"] > 0.85
    # off the phone a third as often as the next archetype (social butterflies: 75% phone
    # sessions, and some own no other device). A margin of 0.15 in share sat on its edge
    # for this seed (0.982 vs 0.831) and tipped when lapses moved a few people's sessions.
    assert 1 - shares["mobile_shopper"] < (1 - _others(shares, "mobile_shopper")) / 3
    apps = _share_by_archetype([(demo.primary("shop-web", e["messageId"]), "app" in e["context"]) for e in demo.events])
    assert apps["mobile_shopper"] > 1.5 * _others(apps, "mobile_shopper")


def test_social_butterflies_arrive_from_social(demo: Demo) -> None:
    pairs = [
        (demo.primary("shop-web", e["messageId"]), e["context"]["campaign"]["medium"] == "social")
        for e in demo.events
        if e["type"] == "page" and "campaign" in e["context"]
    ]
    shares = _share_by_archetype(pairs)
    assert shares["social_butterfly"] > 0.6
    assert shares["social_butterfly"] > 2 * _others(shares, "social_butterfly")
    shared = _share_by_archetype(
        [(demo.primary("shop-web", e["messageId"]), e.get("event") == "Product Shared") for e in demo.events]
    )
    assert shared["social_butterfly"] > 3 * _others(shared, "social_butterfly")


def test_replenishers_reorder_the_same_skus(demo: Demo) -> None:
    history: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for oid, rows in demo.orders().items():
        history[demo.person("shop", oid)].append((rows[0]["ordered_at"], {r["sku"] for r in rows}))
    pairs = []
    for person, orders in history.items():
        archetype = _pure_archetype(demo, person)
        seen: set[str] = set()
        for _, skus in sorted(orders):
            if seen:
                pairs.append((archetype, bool(skus & seen)))
            seen |= skus
    shares = _share_by_archetype(pairs)
    assert shares["replenisher"] > 0.8
    assert shares["replenisher"] > 2 * _others(shares, "replenisher")


def test_brand_loyalists_stick_to_one_brand_and_join_the_programme(demo: Demo) -> None:
    # Loyal to a brand, not to a product: that would be a replenisher.
    brands: dict[str, Counter[str]] = defaultdict(Counter)
    skus: dict[str, set[str]] = defaultdict(set)
    for oid, rows in demo.orders().items():
        for row in rows:
            brands[demo.person("shop", oid)][row["brand"]] += 1
            skus[demo.person("shop", oid)].add(row["sku"])
    pairs = [
        (_pure_archetype(demo, p), c.most_common(1)[0][1] / c.total() > 0.6 and len(skus[p]) >= 3)
        for p, c in brands.items()
        if c.total() >= 3
    ]
    shares = _share_by_archetype(pairs)
    assert shares["brand_loyalist"] > 1.5 * _others(shares, "brand_loyalist")
    members: dict[str, bool] = defaultdict(bool)
    for e in demo.events:
        if e["type"] == "identify":
            person = demo.person("shop-web", e["messageId"])
            members[person] |= bool(e["traits"].get("loyaltyMember"))
    loyal = _share_by_archetype([(_pure_archetype(demo, p), m) for p, m in members.items()])
    assert loyal["brand_loyalist"] > 0.8
    assert loyal["brand_loyalist"] > 1.5 * _others(loyal, "brand_loyalist")


def _pure_archetype(demo: Demo, person_id: str) -> str | None:
    return demo.pure[person_id]
