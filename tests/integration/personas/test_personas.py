"""Personas on a small demo shop: the planted archetypes come back, with full cards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
import typer
from typer.testing import CliRunner

from persona360 import Workspace
from persona360.cli import personas_cmds
from persona360.cli.state import STATE
from persona360.clock import FixedClock
from persona360.demo import DemoSpec, generate_shop
from persona360.demo.pipeline import load_without_server
from persona360.personas import DiscoveryOptions, PersonaDiscoveryError, assign_profiles
from persona360.personas.assignment import assign_in_sql
from persona360.personas.features import read_features
from persona360.personas.persistence import assignments
from persona360.personas.recovery import score_recovery
from persona360.personas.trait import changed_customers
from persona360.profiles.reading import profile_orders_sql
from persona360.settings import Settings, load_settings

SPEC = DemoSpec(customers=600, days=90, seed=7)
END = SPEC.end
PROFILING = ["transactional", "analytics", "profiling"]
OPTIONS = DiscoveryOptions(k_min=5, k_max=9, bootstraps=3, seed=0)


@dataclass
class Shop:
    settings: Settings
    truth: Path
    built: dict[str, Any]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    folder = tmp_path_factory.mktemp("personas")
    manifest = generate_shop(SPEC, folder / "shop")
    settings = load_settings(db=folder / "ws.duckdb", consent_default_allow=PROFILING)
    with Workspace(settings, FixedClock(END), create=True) as ws:
        load_without_server(ws, manifest)
        built = ws.personas.build(OPTIONS)
    return Shop(settings, manifest.path("truth.parquet"), built)


@pytest.fixture
def ws(shop: Shop) -> Iterator[Workspace]:
    with Workspace(shop.settings, FixedClock(END + timedelta(days=2))) as workspace:
        yield workspace


def test_planted_archetypes_are_recovered(shop: Shop, ws: Workspace) -> None:
    score = score_recovery(ws.db, shop.truth, shop.built["version"])
    assert score["profiles"] > 300
    # a random assignment scores about 0; the behaviour clusters score far above it
    assert score["ari"] > 0.45, score
    named = {card["archetypes"][0]["archetype"] for card in shop.built["cards"] if card["archetypes"]}
    assert len(named) >= 5, named
    agree = [
        card for card in shop.built["cards"]
        if card["archetypes"] and score["personas"][card["persona"]]["archetype"] == card["archetypes"][0]["archetype"]
    ]  # fmt: skip
    assert sum(c["size"] for c in agree) > 0.6 * shop.built["profiles"]


def test_cards_are_complete(shop: Shop) -> None:
    cards = shop.built["cards"]
    assert sum(c["size"] for c in cards) == shop.built["profiles"]
    assert sum(c["revenue_share"] for c in cards) == pytest.approx(1.0, abs=0.01)
    for card in cards:
        assert card["name"] and card["description"] and card["avatar_svg"].startswith("<svg")
        assert len(card["distinguishing"]) == 5 and all("z" in row for row in card["distinguishing"])
        assert {"frequency", "aov", "discount_share"} <= set(card["behaviour"])
        assert {"mobile_share", "social_share"} <= set(card["channels"])
        assert card["best_send_hour"] is None or 0 <= card["best_send_hour"] < 24
        assert 0 < card["close_profiles"] <= card["size"] and len(card["exemplars"]) <= 3
        assert card["stability"]["jaccard"] is not None
        if card["archetypes"]:
            assert card["triggers"] and card["offers"]
    assert len({c["name"] for c in cards}) == len(cards)
    report = shop.built["report"]
    assert report["consent"] == {"checked": True, "excluded": 0}
    assert set(report["silhouettes"]) == {str(k) for k in range(5, 10)}
    assert 0 <= report["stability"]["ari_mean"] <= 1


def test_the_gift_givers_card_shows_the_gift_signals(shop: Shop) -> None:
    """Orders sent to someone else and orders before gift holidays set the gift givers apart."""
    cards = shop.built["cards"]
    gift = next(c for c in cards if c["archetypes"] and c["archetypes"][0]["archetype"] == "gift_giver")
    others = [c for c in cards if c is not gift]
    for signal in ("other_recipient_share", "gift_share", "holiday_share"):
        rest = sum(c["behaviour"][signal] * c["size"] for c in others) / sum(c["size"] for c in others)
        assert gift["behaviour"][signal] > rest, signal
    rest = max(c["behaviour"]["other_recipient_share"] for c in others)
    assert gift["behaviour"]["other_recipient_share"] > 3 * rest


def test_read_back_show_and_export(shop: Shop, ws: Workspace) -> None:
    listed = ws.personas.list()
    assert [row["persona"] for row in listed] == list(range(shop.built["k"]))
    card = ws.personas.show(listed[0]["name"].upper())
    assert card["persona"] == 0 and card["age_days"] == 2.0 and card["stale"] is False
    assert ws.personas.show("v1-p1")["persona"] == 1
    with pytest.raises(LookupError, match="no persona 'nobody'"):
        ws.personas.show("nobody")
    document = orjson.loads(ws.personas.export("json"))
    assert len(document["personas"]) == shop.built["k"]
    assert "## 0. " in ws.personas.export("md")
    some_profile = shop.built["cards"][0]["exemplars"][0]
    assert ws.personas.of_profile(some_profile) == {"version": 1, "persona": 0, "name": listed[0]["name"]}


def test_nearest_centroid_scoring_matches_the_stored_assignment(shop: Shop, ws: Workspace) -> None:
    stored = ws.personas.latest(shop.built["version"])
    assert stored is not None
    profile_ids, labels = assign_profiles(stored, ws, END)
    expected = assignments(ws.db, shop.built["version"])
    assert np.mean([expected[int(p)] == label for p, label in zip(profile_ids, labels, strict=True)]) > 0.99


def test_the_persona_trait_is_published(shop: Shop, ws: Workspace) -> None:
    assert shop.built["trait_profiles"] == shop.built["profiles"]
    card = shop.built["cards"][0]
    assert ws.segments.computed_of(card["exemplars"][0])["persona"] == card["name"]
    members = ws.db.scalar(
        "SELECT count(*) FROM seg_traits WHERE name = 'persona' AND value_text = ?", [card["name"]]
    )  # what a segment `persona = "..."` reads, once the catalogue lists published traits
    assert abs(members - card["size"]) <= max(2, card["size"] // 100)
    assert ws.personas.publish() == shop.built["profiles"]


def test_without_profiling_consent_nobody_is_clustered(shop: Shop) -> None:
    # a shop that asks for profiling consent instead of relying on legitimate interest
    settings = load_settings(db=shop.settings.db, consent_default_allow=["transactional", "analytics"])
    with Workspace(settings, FixedClock(END)) as ws, pytest.raises(PersonaDiscoveryError, match="profiling"):
        ws.personas.build(OPTIONS)


def test_cli(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONA360_CONSENT_DEFAULT_ALLOW", orjson.dumps(PROFILING).decode())
    built = orjson.loads(cli(shop.settings.db, "build", "--k", "7", "--bootstraps", "0", "--json").stdout)
    assert built["k"] == 7 and built["version"] >= 2
    listed = cli(shop.settings.db, "list")
    assert listed.exit_code == 0 and "customers" in listed.stdout
    shown = cli(shop.settings.db, "show", "0")
    assert shown.exit_code == 0 and "Best send hour" in shown.stdout
    words = " ".join(shown.stdout.split())  # the console wraps long lines
    assert re.search(r"revenue [\d.]+ % of PLN · [\d.]+ % of UAH · [\d.]+ % of USD;", words), words
    exported = cli(shop.settings.db, "export", "--format", "json")
    assert len(orjson.loads(exported.stdout)["personas"]) == 7
    bad = cli(shop.settings.db, "export", "--format", "pdf")
    assert bad.exit_code == 1


def cli(db: Path, *args: str) -> Any:
    app = typer.Typer()
    app.callback()(lambda: None)
    personas_cmds.register(app)
    STATE.db = db
    try:
        return CliRunner().invoke(app, ["personas", *args])
    finally:
        STATE.db = None


def test_an_empty_workspace_says_what_to_do(tmp_path: Path) -> None:
    with Workspace(
        load_settings(db=tmp_path / "empty.duckdb"), FixedClock(datetime(2026, 1, 1, tzinfo=UTC)), create=True
    ) as ws:
        assert ws.personas.latest() is None
        with pytest.raises(LookupError, match="personas build"):
            ws.personas.list()
        with pytest.raises(PersonaDiscoveryError, match="load orders first"):
            ws.personas.build(OPTIONS)


# -- assignment in SQL, drift, refresh, schedule ----------------------------------
def test_sql_assignment_equals_the_python_assignment(ws: Workspace) -> None:
    stored = ws.personas.latest()
    assert stored is not None
    python_ids, python_labels = assign_profiles(stored, ws, END)
    sql_ids, sql_labels, distances = assign_in_sql(ws.db, stored["model"], END)
    assert sql_ids.tolist() == python_ids.tolist()
    assert sql_labels.tolist() == python_labels.tolist()
    assert (distances >= 0).all()
    some = sql_ids[::50].tolist()
    scoped_ids, scoped_labels, _ = assign_in_sql(ws.db, stored["model"], END, some)
    assert scoped_ids.tolist() == some
    assert scoped_labels.tolist() == sql_labels[::50].tolist()


def test_a_rebuild_reports_drift_against_the_previous_version(ws: Workspace) -> None:
    fixed = DiscoveryOptions(k=6, bootstraps=0, seed=0)
    first = ws.personas.build(fixed)
    same = ws.personas.build(fixed)
    drift = ws.personas.drift()
    assert drift == same["report"]["drift"] and drift is not None
    assert (drift["from_version"], drift["to_version"]) == (first["version"], same["version"])
    assert drift["ari"] == 1.0 and drift["changed_share"] == 0.0
    assert drift["born"] == [] and drift["gone"] == [] and drift["shifted_features"] == []
    assert max(drift["psi"].values()) < 0.01
    # a planted change: one persona more, so one of them has no predecessor
    more = ws.personas.build(DiscoveryOptions(k=7, bootstraps=0, seed=0))
    drift = ws.personas.drift(more["version"])
    assert drift is not None and len(drift["born"]) >= 1 and drift["changed_share"] > 0
    assert all(m["feature_shifts"] for m in drift["matches"])
    assert ws.personas.drift(first["version"])["to_version"] == first["version"]  # type: ignore[index]
    with pytest.raises(LookupError, match="v999"):
        ws.personas.drift(999)


def test_refresh_scores_changed_customers_in_sql(ws: Workspace) -> None:
    stored = ws.personas.latest()
    assert stored is not None
    customers = changed_customers(ws, END - timedelta(days=400))
    assert len(customers) == stored["profiles"]
    done = ws.personas.refresh(customers[:20], now=END + timedelta(days=2))
    assert done == {"version": stored["version"], "profiles": 20}
    assert ws.personas.refresh(now=END + timedelta(days=2))["profiles"] == 0  # nothing received since
    page = ws.personas.members(0, limit=5)
    assert page["total"] == stored["cards"][0]["size"] and len(page["members"]) == 5
    assert [m["distance"] for m in page["members"]] == sorted(m["distance"] for m in page["members"])


def test_the_server_schedule_rebuilds_a_stale_model(shop: Shop) -> None:
    with Workspace(shop.settings, FixedClock(END + timedelta(days=2))) as fresh:
        before = fresh.personas.latest()
        assert before is not None
        # one customer refreshed now, so no refresh is due: alone (or before the refresh test) one was
        fresh.personas.refresh(changed_customers(fresh, END - timedelta(days=400))[:1])
        assert fresh.personas.rebuild_if_stale() is None  # refreshed 0 minutes ago, not stale
    late = before["built_at"] + timedelta(days=shop.settings.personas_stale_days + 1)
    with Workspace(shop.settings, FixedClock(late)) as stale:
        rebuilt = stale.personas.rebuild_if_stale()
        assert rebuilt is not None and rebuilt["version"] == before["version"] + 1
        assert rebuilt["model"]["options"] == before["model"]["options"]
        assert rebuilt["report"]["drift"]["from_version"] == before["version"]


def test_cli_drift(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONA360_CONSENT_DEFAULT_ALLOW", orjson.dumps(PROFILING).decode())
    cli(shop.settings.db, "build", "--k", "6", "--bootstraps", "0", "--json")
    shown = cli(shop.settings.db, "drift")
    assert shown.exit_code == 0 and "Changed persona" in shown.stdout, shown.stdout
    answer = orjson.loads(cli(shop.settings.db, "drift", "--json", "--version", "1").stdout)
    assert answer == {"drift": None}
    refreshed = orjson.loads(cli(shop.settings.db, "refresh", "--json").stdout)
    assert refreshed["profiles"] == 0


def test_cards_show_the_pains_their_members_wrote(ws: Workspace) -> None:
    """The demo's survey answers (imported through the surveys room) become each card's pains."""
    pains = ws.personas.pains()
    members = assignments(ws.db, ws.personas.latest()["version"])
    written = dict(
        ws.db.query(
            "SELECT i.profile_id, json_extract_string(a.answer, '$') FROM survey_answers a "
            "JOIN identifiers i ON i.identifier_id = a.anchor_id WHERE a.question = 'cart_abandon_reason'"
        )
    )
    assert len(written) > 20
    # every customer who wrote a reason is a respondent of exactly their own persona
    assert sum(p["respondents"] for p in pains.values()) == len(set(written) & set(members))
    for persona, described in pains.items():
        own = [text for profile_id, text in written.items() if members.get(profile_id) == persona]
        for pain in described["pains"]:
            naming = sum(1 for text in own if text.lower() == pain["theme"])
            assert pain["respondents"] == naming and pain["share"] == round(naming / len(own), 4)
            assert pain["examples"] == [pain["theme"]]
    card = ws.personas.show(0)
    assert card["pains"] == pains[0]
    assert "**Pains** (free-text survey answers of" in ws.personas.export("md")
    assert ws.surveys.nps("post-purchase")["responses"] > 20


def test_pauses_and_regularity_match_a_count_by_hand(ws: Workspace) -> None:
    """The per-customer list arithmetic of the features query, against plain Python on the raw rows.

    The pause: the median of the gaps under 30 minutes between a customer's consecutive
    non-imported events; the regularity: the CV of the days between their orders (3+).
    """
    features = read_features(ws.db, END)
    clicks: dict[int, list[datetime]] = {}
    for profile, at in ws.db.query(
        """SELECT i.profile_id, e."timestamp" FROM events e JOIN identifiers i ON i.identifier_id = e.anchor_id
        WHERE e.type IN ('track', 'page', 'screen') AND coalesce(e.context ->> 'channel', '') <> 'import'"""
    ):
        clicks.setdefault(profile, []).append(at)
    orders: dict[int, list[datetime]] = {}
    for profile, at in ws.db.query(
        "SELECT i.profile_id, o.ordered_at FROM orders o JOIN identifiers i ON i.identifier_id = o.anchor_id"
    ):
        orders.setdefault(profile, []).append(at)
    checked = 0
    for profile, pause, cv in zip(features["profile_id"], features["event_gap"], features["gap_cv"], strict=True):
        times = sorted(clicks.get(profile, []))
        gaps = [g for a, b in pairwise(times) if (g := (b - a).total_seconds()) < 1800]
        assert pause == (pytest.approx(float(np.median(gaps))) if gaps else None), profile
        days = sorted(orders[profile])
        between = [(b - a).total_seconds() / 86400 for a, b in pairwise(days)]
        expected = float(np.std(between, ddof=1) / np.mean(between)) if len(between) >= 2 else None
        assert cv == (pytest.approx(expected) if expected is not None else None), profile
        checked += pause is not None and cv is not None
    assert checked > 50


def test_revenue_shares_are_of_one_currency_at_a_time(ws: Workspace) -> None:
    # the demo shop sells in UAH, PLN and USD; the overview's chart added them up
    stored = ws.personas.latest()
    assert stored is not None
    persona = assignments(ws.db, stored["version"])
    by_hand: dict[str, dict[int, float]] = {}
    for profile_id, _, revenue, currency, _ in ws.db.query(profile_orders_sql()):
        if profile_id in persona and revenue is not None:
            spent = by_hand.setdefault(currency or "UAH", {})
            spent[persona[profile_id]] = spent.get(persona[profile_id], 0.0) + revenue
    shares = ws.personas.revenue_shares(stored)
    assert sorted(shares) == ["PLN", "UAH", "USD"] == sorted(by_hand)
    names = [card["name"] for card in stored["cards"]]
    for currency, rows in shares.items():
        total = sum(by_hand[currency].values())
        expected = [(name, by_hand[currency].get(i, 0.0) / total) for i, name in enumerate(names)]
        assert rows == [(name, pytest.approx(share)) for name, share in expected]
    # the list, the card and the CLI say the same shares, one currency at a time
    listed = {row["persona"]: row["revenue_shares"] for row in ws.personas.list()}
    assert listed[0] == {currency: rows[0][1] for currency, rows in shares.items()}
    assert ws.personas.show(0)["revenue_shares"] == listed[0]
