"""Segments kept live: entries and exits as events arrive and as time passes, and triggers."""

from __future__ import annotations

import hashlib
import hmac
import threading
from typing import Any

import orjson
import pytest

from integration.segments.clocked import at
from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.segments.errors import ConditionError

ABANDONED = 'then_not("Product Added", "Order Completed", within = 30m)'


def members(ws: Workspace, name: str) -> set[int]:
    paged = {row["profile_id"] for row in ws.segments.members(name)["members"]}
    assert ws.segments.member_ids(name) == sorted(paged)  # the one-query list agrees with the page
    return paged


def test_abandoned_cart_fires_once_after_30_minutes_and_not_for_a_buyer(
    shop: Workspace, clock: FixedClock, receiver: Any
) -> None:
    shop.ingest.send(
        "web",
        [
            at(clock, type="identify", userId="cart-only", traits={"email": "cart@x.org"}),
            at(clock, type="identify", userId="buyer", traits={"email": "buyer@x.org"}),
            at(clock, type="track", userId="cart-only", event="Product Added", properties={"sku": "S-1"}),
            at(clock, type="track", userId="buyer", event="Product Added", properties={"sku": "S-2"}),
        ],
    )
    shop.segments.create(SegmentSpec("abandoned cart", ABANDONED))
    trigger = shop.segments.add_trigger("abandoned cart", receiver.url, "enter")
    clock.advance(minutes=10)
    shop.ingest.send(
        "web",
        [
            at(
                clock,
                type="track",
                userId="buyer",
                event="Order Completed",
                properties={"order_id": "o-1", "revenue": 50},
            )
        ],
    )
    shop.segments.sweep()
    assert shop.segments.deliver_due() == {"delivered": 0, "retried": 0, "dead": 0}
    clock.advance(minutes=21)
    changes = shop.segments.sweep()
    assert [len(c.entered) for c in changes] == [1]
    assert shop.segments.deliver_due()["delivered"] == 1
    clock.advance(minutes=30)
    shop.segments.sweep()
    assert shop.segments.deliver_due()["delivered"] == 0
    cart_only = shop.profiles.find("user_id", "cart-only")
    assert members(shop, "abandoned cart") == {cart_only}
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    payload = orjson.loads(body)
    assert (payload["profile_id"], payload["change"], payload["segment"]) == (cart_only, "enter", "abandoned cart")
    expected = hmac.new(
        trigger["secret"].encode(), headers["X-Persona360-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Persona360-Signature"] == f"sha256={expected}"


def test_members_enter_and_exit_as_events_arrive(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send("web", [at(clock, type="identify", userId="u1", traits={"city": "Lviv"})])
    shop.segments.create(SegmentSpec("kyiv", 'city = "Kyiv"'))
    shop.segments.create(SegmentSpec("two orders", 'count("Order Completed", within = 30d) >= 2'))
    assert members(shop, "kyiv") == set()
    u1 = shop.profiles.find("user_id", "u1")
    shop.ingest.send("web", [at(clock, type="identify", userId="u1", traits={"city": "Kyiv"})])
    assert members(shop, "kyiv") == {u1}
    for n in range(2):
        shop.ingest.send(
            "web",
            [
                at(
                    clock,
                    type="track",
                    userId="u1",
                    event="Order Completed",
                    properties={"order_id": f"o{n}", "revenue": 10},
                )
            ],
        )
    assert members(shop, "two orders") == {u1}
    shop.ingest.send("web", [at(clock, type="identify", userId="u1", traits={"city": "Odesa"})])
    assert members(shop, "kyiv") == set()
    history = shop.segments.history("kyiv")
    assert [(h["enter_reason"], h["exit_reason"]) for h in history] == [("event", "event")]
    # the orders leave the 30-day window: the clock sweep, not an event, ends the membership
    clock.advance(days=31)
    shop.segments.sweep()
    assert members(shop, "two orders") == set()
    assert shop.segments.history("two orders")[0]["exit_reason"] == "time"
    assert [c["members"] for c in shop.segments.counts("two orders")] == [0, 1, 0]


def test_a_merge_moves_membership_to_the_surviving_profile(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send(
        "web", [at(clock, type="identify", userId="a", traits={"city": "Kyiv"}), at(clock, type="identify", userId="b")]
    )
    shop.segments.create(SegmentSpec("kyiv", 'city = "Kyiv"'))
    shop.identity.merge(("user_id", "a"), ("user_id", "b"))
    merged = shop.profiles.find("user_id", "b")
    assert members(shop, "kyiv") == {merged}


def test_the_survivor_of_a_merge_enters_and_exits_naming_the_merge(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send(
        "web",
        [
            at(clock, type="identify", userId="a", traits={"city": "Kyiv"}),
            at(clock, type="identify", userId="b", traits={"plan": "gold"}),
        ],
    )
    shop.segments.create(SegmentSpec("gold in kyiv", 'city = "Kyiv" and plan = "gold"'))
    shop.segments.create(SegmentSpec("one event", "event_count <= 1"))
    before = {shop.profiles.find("user_id", "a"), shop.profiles.find("user_id", "b")}
    clock.advance(minutes=1)
    shop.identity.merge(("user_id", "a"), ("user_id", "b"))
    survivor = shop.profiles.find("user_id", "a")
    [merged_away] = before - {survivor}
    [entry] = shop.segments.history("gold in kyiv")
    assert (entry["profile_id"], entry["enter_reason"]) == (survivor, f"merged with #{merged_away}")
    exits = {h["profile_id"]: h["exit_reason"] for h in shop.segments.history("one event")}
    assert exits == {survivor: f"merged with #{merged_away}", merged_away: f"merged into #{survivor}"}
    clock.advance(minutes=1)
    shop.ingest.send("web", [at(clock, type="identify", userId="a", traits={"plan": "basic"})])  # a plain exit
    [entry] = shop.segments.history("gold in kyiv")
    assert (entry["enter_reason"], entry["exit_reason"]) == (f"merged with #{merged_away}", "event")


def test_an_exit_by_merge_tells_the_webhook_whom_the_person_lives_on_as(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send(
        "web",
        [
            at(clock, type="identify", userId="a", traits={"city": "Kyiv"}),
            at(clock, type="identify", userId="b", traits={"city": "Kyiv"}),
            at(clock, type="identify", userId="c", traits={"city": "Kyiv"}),
        ],
    )
    shop.segments.create(SegmentSpec("kyiv", 'city = "Kyiv"'))
    shop.segments.add_trigger("kyiv", "http://127.0.0.1:9/hook", "exit")
    gone, stays = shop.profiles.find("user_id", "a"), shop.profiles.find("user_id", "b")
    shop.identity.merge(("user_id", "a"), ("user_id", "b"))
    survivor = shop.profiles.find("user_id", "a")
    assert {gone, stays} - {survivor} and survivor in {gone, stays}
    clock.advance(minutes=1)
    shop.ingest.send("web", [at(clock, type="identify", userId="c", traits={"city": "Lviv"})])  # a real exit
    payloads = [orjson.loads(p) for (p,) in shop.db.query("SELECT payload FROM trigger_deliveries ORDER BY 1")]
    by_profile = {p["profile_id"]: p for p in payloads}
    [merged_away] = {gone, stays} - {survivor}
    assert by_profile[merged_away]["merged_into"] == survivor
    left = shop.profiles.find("user_id", "c")
    assert by_profile[left]["change"] == "exit" and "merged_into" not in by_profile[left]


def test_segment_of_segments_and_preview(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send(
        "web",
        [
            at(clock, type="identify", userId=f"u{n}", traits={"email": f"u{n}@x.org", "city": city})
            for n, city in enumerate(["Kyiv", "Kyiv", "Lviv"])
        ],
    )
    shop.segments.create(SegmentSpec("kyiv", 'city = "Kyiv"'))
    preview = shop.segments.preview(SegmentSpec("not kyiv", 'not in_segment("kyiv")'), sample=5)
    assert preview["size"] == 1
    assert preview["sample"][0]["email"] == "u2@x.org"
    larger = shop.segments.preview(SegmentSpec("kyiv again", 'city = "Kyiv"'), sample=1)
    assert larger["size"] == 2 and [row["email"] for row in larger["sample"]] == ["u0@x.org"]
    assert shop.segments.preview(SegmentSpec("kyiv again", 'city = "Kyiv"'), sample=0)["size"] == 2
    assert shop.segments.preview(SegmentSpec("nobody", 'city = "Odesa"'))["size"] == 0
    assert shop.segments.list()[0]["members"] == 2


def test_preview_knows_a_trait_that_appeared_after_the_last_preview(shop: Workspace, clock: FixedClock) -> None:
    """The preview keeps names for a few seconds; a name that is new since must not be refused."""
    shop.ingest.send("web", [at(clock, type="identify", userId="u1", traits={"city": "Kyiv"})])
    assert shop.segments.preview(SegmentSpec("p", 'city = "Kyiv"'))["size"] == 1
    shop.ingest.send("web", [at(clock, type="identify", userId="u2", traits={"shoe_size": 41})])
    assert shop.segments.preview(SegmentSpec("p", "shoe_size >= 40"))["size"] == 1
    with pytest.raises(ConditionError, match="shoe_sise"):
        shop.segments.preview(SegmentSpec("p", "shoe_sise >= 40"))


def test_failing_webhook_is_retried_with_backoff_then_dead_lettered(
    shop: Workspace, clock: FixedClock, receiver: Any
) -> None:
    shop.segments.create(SegmentSpec("everyone", "event_count >= 1"))
    shop.segments.add_trigger("everyone", receiver.url, "enter", max_attempts=3)
    shop.segments.add_trigger("everyone", "http://127.0.0.1:9/closed", "enter", max_attempts=2)
    receiver.fail_with = 500
    shop.ingest.send("web", [at(clock, type="identify", userId="u1")])
    assert shop.segments.deliver_due() == {"delivered": 0, "retried": 2, "dead": 0}
    assert shop.segments.deliver_due() == {"delivered": 0, "retried": 0, "dead": 0}  # backoff: not yet
    clock.advance(seconds=31)
    assert shop.segments.deliver_due() == {"delivered": 0, "retried": 1, "dead": 1}
    clock.advance(seconds=61)
    receiver.fail_with = None
    assert shop.segments.deliver_due() == {"delivered": 1, "retried": 0, "dead": 0}
    dead = shop.segments.deliveries("dead")
    assert len(dead) == 1 and dead[0]["attempts"] == 2 and "ConnectError" in dead[0]["last_error"]
    assert len(receiver.requests) == 3


@pytest.mark.parametrize(
    ("name", "condition", "message"),
    [
        ("bad", 'cty = "Kyiv"', "unknown trait 'cty'"),
        ("bad", "orders_count >", "ends too early"),
        ("bad name!", "orders_count > 1", "must be 1-80 letters"),
    ],
)
def test_bad_definitions_are_refused_before_saving(shop: Workspace, name: str, condition: str, message: str) -> None:
    shop.ingest.send("web", [{"type": "identify", "userId": "u1", "traits": {"city": "Kyiv"}}])
    with pytest.raises((ConditionError, ValueError), match=message):
        shop.segments.create(SegmentSpec(name, condition))
    assert shop.segments.list() == []


def test_duplicate_names_and_bad_triggers(shop: Workspace) -> None:
    shop.segments.create(SegmentSpec("all", "event_count >= 0"))
    with pytest.raises(ValueError, match="already exists"):
        shop.segments.create(SegmentSpec("all", "event_count >= 0"))
    with pytest.raises(ValueError, match="must start with http"):
        shop.segments.add_trigger("all", "ftp://x", "enter")
    with pytest.raises(ValueError, match="fires on one of enter, exit"):
        shop.segments.add_trigger("all", "http://127.0.0.1:1/", "leave")


def test_sweep_candidates_are_only_profiles_crossing_a_window_edge(shop: Workspace, clock: FixedClock) -> None:
    shop.ingest.send("web", [at(clock, type="track", userId="old", event="Product Viewed")])
    clock.advance(days=5)
    shop.ingest.send("web", [at(clock, type="track", userId="new", event="Product Viewed")])
    shop.segments.create(SegmentSpec("viewers", 'did("Product Viewed", within = 7d)'))
    assert len(members(shop, "viewers")) == 2
    clock.advance(days=2, hours=12)
    changes = shop.segments.sweep()
    assert [(len(c.entered), len(c.exited)) for c in changes] == [(0, 1)]
    assert members(shop, "viewers") == {shop.profiles.find("user_id", "new")}


def test_with_nothing_defined_evaluation_takes_no_write_lock(shop: Workspace, clock: FixedClock) -> None:
    """The server evaluates the touched profiles after every derivation; with no segment
    and no computed trait there is nothing to write, so it must not queue for the write
    lock (here held by another writer until the evaluation is done or 30 s have passed)."""
    shop.ingest.send("web", [at(clock, type="identify", userId="u1", traits={"email": "u1@x.org"})])
    profiles = {int(row[0]) for row in shop.db.query("SELECT profile_id FROM profiles")}
    held, done = threading.Event(), threading.Event()

    def writer() -> None:
        with shop.db.transaction():
            held.set()
            done.wait(30)

    holder = threading.Thread(target=writer)
    holder.start()
    assert held.wait(10)
    evaluated = []
    evaluator = threading.Thread(target=lambda: evaluated.append(shop.segments.evaluate_profiles(profiles, "event")))
    evaluator.start()
    evaluator.join(5)
    finished = not evaluator.is_alive()
    done.set()
    holder.join(30)
    evaluator.join(30)
    assert finished, "the evaluation waited for the write lock with nothing to write"
    assert evaluated == [[]]
