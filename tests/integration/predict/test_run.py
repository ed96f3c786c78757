"""Predictions on a real workspace: orders imported, fitted, stored, read back, reported."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
import typer
from typer.testing import CliRunner

from integration.web.pages import fetch
from persona360 import Workspace
from persona360.cli import predict_cmds, profile_cmds
from persona360.cli.state import STATE
from persona360.clock import FixedClock
from persona360.ingest.importers.mapping import parse_mapping
from persona360.predict import (
    ModelFitError,
    PredictAPI,
    PredictionOptions,
    TooFewRepeatCustomersError,
    estimation,
    run_predictions,
)
from persona360.store.money import amounts_text

MAPPING = ["order_id=order_id", "ordered_at=timestamp", "customer=id:shop"]
Order = tuple[str, int, float]  # customer, days before now, revenue


def shop_orders(customers: int = 400, seed: int = 6) -> list[Order]:
    """Customers who buy like BG/NBD says, over the last two years, in whole days."""
    rng = np.random.default_rng(seed)
    orders: list[Order] = []
    for number in range(customers):
        start = int(rng.integers(0, 730))
        rate, dropout = rng.gamma(0.8, 1 / 60), rng.beta(1.0, 4.0)
        ago, alive = start, True
        orders.append((f"c{number}", ago, round(float(rng.gamma(4, 10)), 2)))
        while alive:
            ago -= int(np.ceil(rng.exponential(1 / rate)))
            if ago < 1:
                break
            orders.append((f"c{number}", ago, round(float(rng.gamma(4, 10)), 2)))
            alive = rng.random() > dropout
    return orders


def import_orders(ws: Workspace, tmp_path: Path, orders: list[Order]) -> None:
    path = tmp_path / "orders.csv"
    now = ws.clock.now()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "ordered_at", "customer", "revenue"])
        for index, (customer, ago, revenue) in enumerate(orders):
            moment = (now - timedelta(days=ago, hours=3)).strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow([f"o{index}", moment, customer, revenue])
    report = ws.ingest.import_file(path, source="shop", kind="orders", mapping=parse_mapping(MAPPING))
    assert report.rejected == 0


@pytest.fixture
def shop(workspace: Workspace, tmp_path: Path) -> Workspace:
    orders = shop_orders()
    # a customer with a refund: the negative order is not a purchase and not spend
    orders += [("refunder", 300, 80.0), ("refunder", 200, 40.0), ("refunder", 100, -40.0)]
    # a repeat purchase with no revenue counts as a purchase but not as spend
    orders += [("freebie", 50, 30.0), ("freebie", 20, 0.0)]
    import_orders(workspace, tmp_path, orders)
    return workspace


def profile(ws: Workspace, customer: str) -> int:
    return ws.profiles.find("id:shop", customer)


def test_predictions_are_stored_and_read_back(shop: Workspace) -> None:
    steps: list[str] = []
    report = run_predictions(shop, progress=lambda step, done, total: steps.append(step))
    assert steps[0] == "reading orders" and steps[-1] == "done"
    assert report["customers"] == 402 and report["repeat_customers"] > 100
    stored = shop.db.scalar("SELECT count(*) FROM profile_predictions")
    assert stored == 402
    api = PredictAPI(shop)
    row = api.get(profile(shop, "c1"))
    assert row is not None and row["model_version"] == "mbgnbd+gamma-gamma/1"
    assert 0 <= row["p_alive"] <= 1 and row["churn_risk"] == pytest.approx(1 - row["p_alive"])
    assert row["churn_bucket"] in ("low", "medium", "high")
    assert row["expected_purchases_30d"] <= row["expected_purchases_90d"] <= row["expected_purchases_365d"]
    assert 0 <= row["p_purchase_30d"] <= row["p_alive"]
    assert row["clv"] > 0 and row["clv_horizon_months"] == 12
    assert api.report() == orjson.loads(orjson.dumps(report))


def test_refunds_and_zero_revenue_orders(shop: Workspace) -> None:
    run_predictions(shop)
    refunder = PredictAPI(shop).get(profile(shop, "refunder"))
    assert refunder is not None
    assert (refunder["frequency"], refunder["recency_days"], refunder["age_days"]) == (1, 100, 300)
    assert refunder["average_spend"] == 40.0
    freebie = PredictAPI(shop).get(profile(shop, "freebie"))
    assert freebie is not None and freebie["frequency"] == 1
    assert freebie["average_spend"] is None
    assert freebie["expected_spend"] > 0


def test_report_has_standard_errors_and_holdout_diagnostics(shop: Workspace) -> None:
    report = run_predictions(shop, options=PredictionOptions(holdout_days=120))
    assert report["purchase_model"] == "mbgnbd" and "bgnbd" not in report
    assert set(report["mbgnbd"]["params"]) == {"r", "alpha", "a", "b"}
    assert all(error is not None and error > 0 for error in report["mbgnbd"]["standard_errors"].values())
    diagnostics = report["diagnostics"]
    assert diagnostics["holdout_days"] == 120 and "skipped" not in diagnostics
    assert diagnostics["calibration_end"] == "2026-07-04"
    assert diagnostics["by_frequency"][0]["frequency"] == "0"
    assert diagnostics["actual"] > 0 and diagnostics["correlation"] > 0.3
    # the model is right about a shop drawn from it: the holdout total within 20%
    assert abs(diagnostics["error_percent"]) < 20


def one_time_buyers(ws: Workspace) -> list[tuple[int, float, str]]:
    """(age in days, P(alive), model version) of every stored one-time buyer, youngest first."""
    rows = ws.db.query(
        "SELECT age_days, p_alive, model_version FROM profile_predictions WHERE frequency = 0 ORDER BY 1"
    )
    return [(int(age), float(alive), str(version)) for age, alive, version in rows]


def test_one_time_buyers_fade_with_mbgnbd_and_stay_alive_with_bgnbd(shop: Workspace) -> None:
    run_predictions(shop)
    mbg = one_time_buyers(shop)
    assert len(mbg) > 50 and {version for _, _, version in mbg} == {"mbgnbd+gamma-gamma/1"}
    alive = np.array([p for _, p, _ in mbg])
    assert alive.max() < 1 and np.all(np.diff(alive) <= 0) and alive[-1] < 0.5 * alive[0]
    report = run_predictions(shop, options=PredictionOptions(purchase_model="bgnbd"))
    assert report["purchase_model"] == "bgnbd" and report["model_version"] == "bgnbd+gamma-gamma/1"
    assert "mbgnbd" not in report and set(report["bgnbd"]["params"]) == {"r", "alpha", "a", "b"}
    bg = one_time_buyers(shop)
    assert [age for age, _, _ in bg] == [age for age, _, _ in mbg]
    assert {(p, version) for _, p, version in bg} == {(1.0, "bgnbd+gamma-gamma/1")}


def test_a_holdout_longer_than_half_the_history_is_shortened(workspace: Workspace, tmp_path: Path) -> None:
    """90 days of orders and the default 90-day holdout left no calibration period to learn from."""
    recent = [(customer, ago, revenue) for customer, ago, revenue in shop_orders(customers=1_500) if ago <= 90]
    import_orders(workspace, tmp_path, recent)
    diagnostics = run_predictions(workspace)["diagnostics"]
    assert diagnostics["holdout_days_asked"] == 90
    assert 40 <= diagnostics["holdout_days"] <= 45  # half the span from the first order to now
    assert "skipped" not in diagnostics and diagnostics["actual"] > 0


def test_as_of_leaves_later_orders_out(shop: Workspace) -> None:
    earlier = shop.clock.now() - timedelta(days=150)
    report = run_predictions(shop, as_of=earlier)
    assert report["customers"] < 402
    row = PredictAPI(shop).get(profile(shop, "refunder"))
    # bought 300 and 200 days before now, so 150 and 50 days before as_of
    assert row is not None and (row["frequency"], row["recency_days"], row["age_days"]) == (1, 100, 150)
    assert row["as_of"] == earlier


def test_ineligible_profiles_are_neither_used_nor_scored(shop: Workspace) -> None:
    run_predictions(shop)
    excluded = profile(shop, "c1")
    api = PredictAPI(shop, eligible=lambda ws, ids: ids != excluded)
    report = api.run()
    assert report["customers"] == 401
    assert api.get(excluded) is None
    assert api.get(profile(shop, "c2")) is not None


def test_nothing_is_stored_before_the_first_run(workspace: Workspace) -> None:
    assert PredictAPI(workspace).report() is None


Setup = Callable[[list[Order]], list[Order]]
GUARDRAIL_CASES: list[tuple[str, list[Order], str]] = [
    ("no orders", [], "0 customers have bought again"),
    (
        "one-time buyers only",
        [(f"c{i}", 10 + i, 20.0) for i in range(50)],
        "0 customers have bought again on a later day than their first order, and at least 30",
    ),
    (
        "same-day repeats are one purchase",
        [(f"c{i}", 10, 20.0) for i in range(40)] * 2,
        "0 customers have bought again",
    ),
    (
        "refunds are not purchases",
        [(f"c{i}", 60, 20.0) for i in range(40)] + [(f"c{i}", 30, -20.0) for i in range(40)],
        "0 customers have bought again",
    ),
    (
        "too few repeat buyers",
        [(f"c{i}", 60, 20.0) for i in range(40)] + [(f"c{i}", 30, 20.0) for i in range(12)],
        "cannot fit the purchase model: 12 customers have bought again on a later day than "
        "their first order, and at least 30 are needed",
    ),
    (
        "repeat orders without revenue",
        [(f"c{i}", 60, 20.0) for i in range(40)] + [(f"c{i}", 30, 0.0) for i in range(40)],
        "cannot fit the spend model: 0 customers have made a repeat purchase with a positive "
        "revenue, and at least 30 are needed",
    ),
]


@pytest.mark.parametrize(("orders", "message"), [c[1:] for c in GUARDRAIL_CASES], ids=[c[0] for c in GUARDRAIL_CASES])
def test_guardrails(workspace: Workspace, tmp_path: Path, orders: list[Order], message: str) -> None:
    if orders:
        import_orders(workspace, tmp_path, orders)
    with pytest.raises(TooFewRepeatCustomersError, match=message):
        run_predictions(workspace)
    assert PredictAPI(workspace).report() is None


def cli(ws_path: Path, *args: str) -> Any:
    app = typer.Typer()
    app.callback()(lambda: None)
    predict_cmds.register(app)
    STATE.db = ws_path
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        STATE.db = None


def test_cli_predict_and_report(shop: Workspace) -> None:
    path = Path(shop.settings.db)
    shop.close()
    result = cli(path, "predict", "--json", "--as-of", "2026-10-01T00:00:00+00:00")
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["as_of"] == "2026-10-01T00:00:00+00:00"
    shown = cli(path, "predict", "report", "--json")
    assert orjson.loads(shown.stdout)["customers"] == orjson.loads(result.stdout)["customers"]
    text = cli(path, "predict", "report")
    assert "MBG/NBD" in text.stdout and "Holdout" in text.stdout
    assert cli(path, "predict", "--purchase-model", "bgnbd").exit_code == 0
    text = cli(path, "predict", "report")
    assert "BG/NBD" in text.stdout and "MBG/NBD" not in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["predict", "--horizon-months", "0"], "horizon_months is 0"),
        (["predict", "--purchase-model", "pareto"], "purchase_model is 'pareto'; it must be one of mbgnbd, bgnbd"),
        (["predict", "--as-of", "yesterday"], "--as-of 'yesterday' is not an ISO 8601"),
        (["predict", "report"], "no predictions yet: run `persona360 predict` first"),
    ],
)
def test_cli_errors(workspace: Workspace, args: list[str], message: str) -> None:
    path = Path(workspace.settings.db)
    workspace.close()
    result = cli(path, *args)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_scheduled_run_that_cannot_fit_waits_for_new_orders_or_the_interval(
    workspace: Workspace, tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's ticker calls run_if_due every few seconds: a fit that cannot be made
    is logged in one line, without a traceback, and not tried again on the same data."""
    every = timedelta(hours=24)
    too_few = [(f"c{i}", 60, 20.0) for i in range(40)] + [(f"c{i}", 30, 20.0) for i in range(12)]
    import_orders(workspace, tmp_path, too_few)
    api = PredictAPI(workspace)

    def skipped() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "scheduled predictions skipped" in r.getMessage()]

    with caplog.at_level(logging.INFO, logger="persona360.predict"):
        assert api.run_if_due(every) is None
        assert len(skipped()) == 1
        assert skipped()[0].exc_info is None
        assert "12 customers have bought again" in skipped()[0].getMessage()
        clock.advance(minutes=5)
        assert api.run_if_due(every) is None
        assert len(skipped()) == 1, "the same orders were fitted again"
        more = [*too_few, ("c20", 10, 25.0)]  # the same orders (stored once) and one more
        (tmp_path / "more").mkdir()
        import_orders(workspace, tmp_path / "more", more)
        assert api.run_if_due(every) is None
        assert len(skipped()) == 2, "new orders did not lead to a new attempt"
        clock.advance(hours=25)
        assert api.run_if_due(every) is None
        assert len(skipped()) == 3, "the normal interval passed without a new attempt"
        enough = [(f"r{i}", 90, 20.0 + i) for i in range(40)] + [(f"r{i}", 20, 30.0 + i) for i in range(40)]
        (tmp_path / "enough").mkdir()
        import_orders(workspace, tmp_path / "enough", [*more, *enough])
        assert api.run_if_due(every) is not None
        assert api.run_if_due(every) is None  # fitted a moment ago
    assert len(skipped()) == 3


def test_scheduled_run_whose_fit_does_not_converge_is_skipped_in_one_line(
    workspace: Workspace,
    tmp_path: Path,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The optimiser, capped at one iteration, really stops unconverged.

    A data set that made L-BFGS-B stop with ABNORMAL on one CPU converged on another
    (its line search is at the mercy of rounding), so the test caps the iterations
    instead: the same real optimiser, stopped where it cannot have converged.
    """
    monkeypatch.setattr(estimation, "MAX_ITERATIONS", 1)
    orders: list[Order] = []
    for n in range(60):
        orders.append((f"c{n}", 85, 20.0 + 37 * (n % 7)))
        orders += [(f"c{n}", 80 - 2 * day - n % 2, 15.0 + 11 * (n % 5)) for day in range(1 + n % 4)]
    import_orders(workspace, tmp_path, orders)
    with pytest.raises(ModelFitError, match="did not converge"):
        run_predictions(workspace)
    api = PredictAPI(workspace)
    with caplog.at_level(logging.INFO, logger="persona360.predict"):
        assert api.run_if_due(timedelta(hours=24)) is None
        clock.advance(seconds=15)
        assert api.run_if_due(timedelta(hours=24)) is None
    skipped = [r for r in caplog.records if "scheduled predictions skipped" in r.getMessage()]
    assert len(skipped) == 1
    assert "did not converge" in skipped[0].getMessage()
    assert skipped[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_fit_with_parameters_at_the_search_bound_warns_in_the_report(workspace: Workspace, tmp_path: Path) -> None:
    """Customers who all buy at one rate: r and alpha run to the bound, only r/alpha is fitted."""
    orders: list[Order] = []
    for n in range(60):
        orders.append((f"c{n}", 85, 20.0 + 37 * (n % 7)))
        orders += [(f"c{n}", 80 - 2 * day - n % 2, 15.0 + 11 * (n % 5)) for day in range(1 + n % 4)]
    import_orders(workspace, tmp_path, orders)
    report = run_predictions(workspace)
    at_bound = report["mbgnbd"]["at_bound"]
    assert at_bound, "this shop's fit used to reach the bound; the test needs one that does"
    [warning] = [w for w in report["warnings"] if "search bound" in w]
    assert warning.startswith("mbgnbd: ") and all(name in warning for name in at_bound)
    assert "{" not in warning and ("pin them down" if len(at_bound) > 1 else "pin it down") in warning


def test_the_profile_card_and_profile_show_give_the_predictions_and_computed_traits(shop: Workspace) -> None:
    run_predictions(shop)
    shop.segments.refresh_rfm()
    person = profile(shop, "refunder")
    predicted = shop.predict.get(person)
    assert predicted is not None and predicted["currency"] == "UAH"  # one currency: CLV is money
    clv = amounts_text({"UAH": predicted["clv"]}, "UAH")
    risk = f"{predicted['churn_bucket']}</span> {predicted['churn_risk'] * 100:.0f} %"

    [card] = fetch(shop, f"/profiles/{person}")
    assert "Predicted and computed" in card and risk in card and clv in card
    assert "rfm_segment" in card and shop.segments.computed_of(person)["rfm_segment"] in card

    path = Path(shop.settings.db)
    shop.close()
    app = typer.Typer()
    app.callback()(lambda: None)
    profile_cmds.register(app)
    STATE.db = path
    try:
        shown = CliRunner().invoke(app, ["profile", "show", "id:shop:refunder"], env={"COLUMNS": "160"})
    finally:
        STATE.db = None
    assert shown.exit_code == 0, shown.output
    assert f"{predicted['churn_bucket']} ({predicted['churn_risk']:.0%})" in shown.stdout
    assert clv in shown.stdout and "rfm_segment" in shown.stdout


def test_a_profile_without_predictions_says_the_one_reason_that_applies(shop: Workspace) -> None:
    def why(person: int) -> str:
        [card] = fetch(shop, f"/profiles/{person}")
        return " ".join(card.split("No predictions:")[1].split("</p>")[0].split())

    assert why(profile(shop, "refunder")).startswith("none have been fitted yet")
    shop.ingest.send("shop", [{"type": "identify", "userId": "browser", "traits": {"email": "b@x.org"}}])
    assert why(shop.profiles.find("user_id", "browser")).startswith("no order yet")
    run_predictions(shop)
    order = {"order_id": "late-1", "revenue": 25.0, "currency": "UAH"}  # after the fit
    shop.ingest.send("shop", [{"type": "track", "userId": "newcomer", "event": "Order Completed", "properties": order}])
    assert why(shop.profiles.find("user_id", "newcomer")).startswith("this profile's orders came after the last fit")
