"""The official Segment Python SDK talks to persona360 unchanged, and the admin API
finds everything it sent in one profile."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from segment.analytics import Client

from integration.server import Live

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]


def _send_journey(client: Client, tag: str) -> dict[str, str]:
    ids = {
        "anon": f"anon-{tag}",
        "user": f"user-{tag}",
        "new_user": f"member-{tag}",
        "email": f"jane.{tag}@example.org",
    }
    client.page(
        anonymous_id=ids["anon"],
        category="Shop",
        name="Home",
        properties={"url": "https://shop.example/", "title": "Home"},
    )
    client.track(
        anonymous_id=ids["anon"],
        event="Product Viewed",
        properties={"product_id": "SKU-1", "price": 19.5, "currency": "UAH"},
    )
    client.identify(
        user_id=ids["user"],
        anonymous_id=ids["anon"],
        traits={"email": ids["email"], "firstName": "Jane"},
    )
    client.track(
        user_id=ids["user"],
        event="Order Completed",
        properties={
            "order_id": f"o-{tag}",
            "revenue": 39.0,
            "currency": "UAH",
            "products": [{"product_id": "SKU-1", "price": 19.5, "quantity": 2}],
        },
    )
    client.alias(previous_id=ids["user"], user_id=ids["new_user"])
    return ids


def _keys(identifiers: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(item["kind"], item["value"]) for item in identifiers}


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_sdk_calls_end_in_one_profile(live: Live, admin: httpx.Client, tag: str, gzip: bool) -> None:
    errors: list[Exception] = []
    client = Client(
        write_key=live.creds.write_key,
        host=live.url,
        sync_mode=True,
        gzip=gzip,
        max_retries=0,
        on_error=lambda error, batch: errors.append(error),
    )
    ids = _send_journey(client, tag)
    assert errors == []

    found = admin.get("/v1/profiles/lookup", params={"email": ids["email"].upper()})
    assert found.status_code == 200, found.text
    profile = found.json()
    assert profile["traits"]["firstName"]["value"] == "Jane"
    assert profile["traits"]["email"]["value"] == ids["email"]
    assert profile["orders_count"] == 1 and profile["revenue"] == pytest.approx(39.0)
    assert (profile["n_identify"], profile["n_track"], profile["n_page"], profile["n_alias"]) == (
        1,
        2,
        1,
        1,
    )
    assert profile["event_count"] == 5
    assert profile["event_counts"]["Order Completed"] == 1
    assert _keys(profile["identifiers"]) == {
        ("user_id", ids["user"]),
        ("user_id", ids["new_user"]),
        ("anonymous_id", ids["anon"]),
        ("email", ids["email"]),
    }
    for kind in ("user_id", "anonymous_id"):
        value = ids["new_user"] if kind == "user_id" else ids["anon"]
        again = admin.get("/v1/profiles/lookup", params={kind: value})
        assert again.json()["profile_id"] == profile["profile_id"]

    timeline = admin.get(f"/v1/profiles/{profile['profile_id']}/timeline").json()
    kinds = sorted((event["type"], event["event"]) for event in timeline["events"])
    assert kinds == sorted(
        [
            ("page", "Home"),
            ("track", "Product Viewed"),
            ("identify", None),
            ("track", "Order Completed"),
            ("alias", None),
        ]
    )
    assert timeline["next"] is None
    assert {event["source"] for event in timeline["events"]} == {"shop-web"}
