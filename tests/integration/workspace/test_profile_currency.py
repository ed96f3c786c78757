"""A profile's stored revenue is in one currency, and everything that compares profiles by it says which.

The projection keeps ``revenue`` and ``avg_order_value`` in the profile's ``currency``: the
reporting currency when the user configured rates, else the currency of most of its orders.
Orders that cannot be put in it are counted in ``uncounted_orders``, never added raw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import app
from persona360.clock import FixedClock
from persona360.personas import read_features
from persona360.segments.definitions import SegmentSpec
from persona360.segments.errors import ConditionError
from persona360.settings import load_settings

RATES = ["PLN 2026-10-05 10", "USD 2026-10-10 40"]
# user, order id, revenue, currency, day of October 2026
ORDERS = [
    ("ua", "o1", 1000.0, "UAH", 20),
    ("ua", "o2", 500.0, "UAH", 21),
    ("pl", "o3", 120.0, "PLN", 20),
    ("us", "o4", 30.0, "USD", 20),
    ("us", "o5", 10.0, "USD", 5),  # before the first USD rate
    ("mix", "o6", 50.0, "PLN", 20),
    ("mix", "o7", 60.0, "PLN", 21),
    ("mix", "o8", 5.0, "USD", 22),
    ("none", "o9", 7.0, "PLN", 2),  # no PLN rate that early either
]


def shop(ws: Workspace, orders: list[tuple[str, str, float, str, int]] = ORDERS) -> dict[str, int]:
    ws.access.ensure_source("web")
    ws.ingest.send(
        "web",
        [
            {"type": "track", "userId": user, "event": "Order Completed", "timestamp": f"2026-10-{day:02d}T12:00:00Z",
             "properties": {"order_id": order_id, "revenue": revenue, "currency": currency}}
            for user, order_id, revenue, currency, day in orders
        ] + [{"type": "identify", "userId": "nobody", "traits": {"email": "n@example.org"}}],
    )  # fmt: skip
    users = {user for user, *_ in orders} | {"nobody"}
    return {user: ws.profiles.find("user_id", user) for user in users}


def money(ws: Workspace, ids: dict[str, int]) -> dict[str, tuple[Any, ...]]:
    rows = ws.db.query(
        "SELECT profile_id, orders_count, revenue, avg_order_value, currency, uncounted_orders FROM profiles"
    )
    by_id = {row[0]: tuple(row[1:]) for row in rows}
    return {user: by_id[profile_id] for user, profile_id in ids.items()}


def converted(tmp_path: Path, clock: FixedClock, name: str = "ws.duckdb") -> Workspace:
    settings = load_settings(db=tmp_path / name, reporting_currency="UAH", exchange_rates=RATES)
    return Workspace(settings, clock, create=True)


def test_without_rates_each_profile_keeps_its_main_currency_and_counts_the_rest(workspace: Workspace) -> None:
    ids = shop(workspace)
    assert money(workspace, ids) == {
        "ua": (2, 1500.0, 750.0, "UAH", 0),
        "pl": (1, 120.0, 120.0, "PLN", 0),
        "us": (2, 40.0, 20.0, "USD", 0),
        "mix": (3, 110.0, 55.0, "PLN", 1),  # two PLN orders; the USD one is not added
        "none": (1, 7.0, 7.0, "PLN", 0),
        "nobody": (0, 0.0, None, None, 0),
    }
    shown = workspace.profiles.show(ids["mix"])
    assert (shown["currency"], shown["uncounted_orders"]) == ("PLN", 1)
    assert shown["revenue_by_currency"] == {"PLN": 110.0, "USD": 5.0}


def test_with_rates_revenue_is_converted_at_each_orders_day_and_the_unrated_kept_out(
    tmp_path: Path, clock: FixedClock
) -> None:
    with converted(tmp_path, clock) as ws:
        ids = shop(ws)
        assert money(ws, ids) == {
            "ua": (2, 1500.0, 750.0, "UAH", 0),
            "pl": (1, 1200.0, 1200.0, "UAH", 0),
            "us": (2, 1200.0, 1200.0, "UAH", 1),  # o5 came before the first USD rate
            "mix": (3, 1300.0, 1300.0 / 3, "UAH", 0),
            # its only order has no rate: it stays in PLN, compared only with PLN
            "none": (1, 7.0, 7.0, "PLN", 0),
            "nobody": (0, 0.0, None, None, 0),
        }


def test_a_change_of_rates_recomputes_every_profile_when_the_workspace_opens(tmp_path: Path, clock: FixedClock) -> None:
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True) as ws:
        ids = shop(ws)
        plain = money(ws, ids)
    with converted(tmp_path, clock) as ws:
        assert money(ws, ids)["pl"] == (1, 1200.0, 1200.0, "UAH", 0)
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock) as ws:
        assert money(ws, ids) == plain
        ws.profiles.rebuild()
        assert money(ws, ids) == plain


def test_a_workspace_from_before_the_currency_column_keeps_its_data(tmp_path: Path, clock: FixedClock) -> None:
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True) as ws:
        ids = shop(ws)
        after = money(ws, ids)
        events = ws.db.scalar("SELECT count(*) FROM events")
        with ws.db.transaction() as tx:  # the projection as the migration finds it
            tx.execute("DROP VIEW seg_profiles")
            tx.execute("ALTER TABLE profiles DROP COLUMN currency")
            tx.execute("ALTER TABLE profiles DROP COLUMN uncounted_orders")
            tx.execute(
                "CREATE VIEW seg_profiles AS SELECT profile_id, revenue, avg_order_value FROM profiles"
            )  # a stand-in: the migration replaces it
            tx.execute("DELETE FROM meta WHERE key IN ('migration:profiles_2', 'projection:money')")
    with Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock) as ws:
        assert ws.db.scalar("SELECT count(*) FROM events") == events
        assert money(ws, ids) == after
        assert ws.db.scalar("SELECT count(*) FROM seg_profiles WHERE currency = 'PLN'") == 3


def test_rfm_monetary_ranks_each_currency_on_its_own(workspace: Workspace) -> None:
    many = [(f"u{i}", f"a{i}", 100.0 * (i + 1), "UAH", 20) for i in range(5)]
    many += [(f"p{i}", f"b{i}", 10.0 * (i + 1), "PLN", 20) for i in range(5)]
    ids = shop(workspace, many)
    workspace.segments.refresh_rfm()
    m = {
        int(p): int(v)
        for p, v in workspace.db.query("SELECT profile_id, value_num FROM computed_values WHERE name = 'rfm_monetary'")
    }
    # the biggest PLN buyer spent less than the smallest UAH one, and still scores 5 among PLN buyers
    assert [m[ids[f"p{i}"]] for i in range(5)] == [m[ids[f"u{i}"]] for i in range(5)] == [1, 2, 3, 4, 5]


def test_sorting_by_revenue_compares_amounts_of_one_currency(workspace: Workspace) -> None:
    ids = shop(workspace)
    users = {profile_id: user for user, profile_id in ids.items()}
    ranked = [users[row["profile_id"]] for row in workspace.profiles.list(sort="revenue")]
    # the default currency (UAH) first, then PLN and USD, each by revenue; no orders last
    assert ranked == ["ua", "pl", "mix", "none", "us", "nobody"]
    pln = workspace.profiles.list(sort="revenue", currency="pln")
    assert [(users[row["profile_id"]], row["revenue"], row["currency"]) for row in pln] == [
        ("pl", 120.0, "PLN"), ("mix", 110.0, "PLN"), ("none", 7.0, "PLN")
    ]  # fmt: skip
    assert [row["currency"] for row in workspace.profiles.list_ids([ids["us"], ids["nobody"]])] == ["USD", None]
    with pytest.raises(ValueError, match="currency filter 'zloty' is not a three-letter currency code"):
        workspace.profiles.list(currency="zloty")


def test_with_rates_the_revenue_sort_is_one_ranking(tmp_path: Path, clock: FixedClock) -> None:
    with converted(tmp_path, clock) as ws:
        ids = shop(ws, [row for row in ORDERS if row[0] != "none"])
        users = {profile_id: user for user, profile_id in ids.items()}
        assert [users[row["profile_id"]] for row in ws.profiles.list(sort="revenue")] == [
            "ua", "mix", "pl", "us", "nobody"
        ]  # fmt: skip


def test_a_revenue_condition_must_name_its_currency_when_profiles_hold_several(workspace: Workspace) -> None:
    ids = shop(workspace)
    with pytest.raises(ConditionError, match=r'revenue is an amount.*3 currencies \(PLN, UAH, USD\).*currency = "PLN"'):
        workspace.segments.create(SegmentSpec("big", "revenue > 100"))
    with pytest.raises(ConditionError, match="avg_order_value is an amount"):
        workspace.segments.preview(SegmentSpec("big", 'currency in ("PLN", "USD") and avg_order_value > 1'))
    with pytest.raises(ConditionError, match="revenue is an amount"):
        workspace.segments.create(SegmentSpec("big", 'currency = "PLN" or revenue > 100'))
    with pytest.raises(ConditionError, match="currency is text: compare it with = or !="):
        workspace.segments.create(SegmentSpec("big", "currency > 1"))
    created = workspace.segments.create(
        SegmentSpec("big", 'currency = "PLN" and (revenue > 100 or uncounted_orders > 0)')
    )
    assert created["members"] == 2
    members = {row[0] for row in workspace.db.query("SELECT profile_id FROM seg_members WHERE segment = 'big'")}
    assert members == {ids["pl"], ids["mix"]}


def test_a_revenue_condition_needs_no_currency_in_a_shop_with_one(tmp_path: Path, clock: FixedClock) -> None:
    with converted(tmp_path, clock) as ws:
        ids = shop(ws, [row for row in ORDERS if row[0] != "none"])
        created = ws.segments.create(SegmentSpec("big", "revenue >= 1200"))
        members = {row[0] for row in ws.db.query("SELECT profile_id FROM seg_members WHERE segment = 'big'")}
    assert created["members"] == 4
    assert members == {ids["ua"], ids["pl"], ids["us"], ids["mix"]}


def test_personas_spend_features_are_within_currency_percentiles_when_currencies_differ(
    workspace: Workspace, clock: FixedClock
) -> None:
    many = [(f"u{i}", f"a{i}", 100.0 * (i + 1), "UAH", 20) for i in range(3)]
    ids = shop(workspace, many + [(f"p{i}", f"b{i}", 10.0 * (i + 1), "PLN", 20) for i in range(3)])
    features = read_features(workspace.db, clock.now())
    spend = dict(zip(features["profile_id"], zip(features["monetary"], features["aov"], strict=True), strict=True))
    # the smallest, middle and biggest buyer of each currency, whatever the amounts
    for prefix in ("u", "p"):
        assert [spend[ids[f"{prefix}{i}"]] for i in range(3)] == [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]


def test_personas_spend_features_are_the_amounts_in_a_shop_with_one_currency(
    workspace: Workspace, clock: FixedClock
) -> None:
    ids = shop(workspace, [(f"u{i}", f"a{i}", 100.0 * (i + 1), "UAH", 20) for i in range(3)])
    features = read_features(workspace.db, clock.now())
    spend = dict(zip(features["profile_id"], features["monetary"], strict=True))
    assert [spend[ids[f"u{i}"]] for i in range(3)] == [100.0, 200.0, 300.0]


def test_the_cli_lists_one_currencys_profiles_and_refuses_a_bad_code(workspace: Workspace) -> None:
    ids = shop(workspace)
    db = str(workspace.settings.db)
    workspace.close()
    listed = CliRunner().invoke(
        app, ["--db", db, "profiles", "list", "--sort", "revenue", "--currency", "PLN", "--json"]
    )
    assert listed.exit_code == 0, listed.output
    assert [row["profile_id"] for row in orjson.loads(listed.stdout)] == [ids["pl"], ids["mix"], ids["none"]]
    refused = CliRunner().invoke(app, ["--db", db, "profiles", "list", "--currency", "zloty"])
    assert refused.exit_code != 0
    assert "currency filter 'zloty' is not a three-letter currency code" in " ".join(refused.output.split())
