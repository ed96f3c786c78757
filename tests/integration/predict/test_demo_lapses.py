"""The predictions against the demo's planted lapses: the scorer the demo prints, on a real fit."""

from __future__ import annotations

from pathlib import Path

from persona360 import Workspace
from persona360.demo import DemoSpec, generate_shop
from persona360.demo.pipeline import import_export
from persona360.demo.score_churn import score_churn
from persona360.predict import PredictionOptions


def test_churn_risk_ranks_the_people_who_lapsed_above_the_others(tmp_path: Path) -> None:
    manifest = generate_shop(DemoSpec(customers=900, days=90, seed=11), tmp_path / "shop")
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        import_export(ws, manifest, manifest.file("orders.csv"))
        # as of the end of the shop's data: with today, every customer was as many days
        # quieter as have passed since the spec's end, and the figures moved with the date
        end = manifest.spec.end
        ws.predict.run(as_of=end, options=PredictionOptions(purchase_model="bgnbd"))
        bgnbd = score_churn(ws.db, manifest)
        ws.predict.run(as_of=end)
        score = score_churn(ws.db, manifest)
    assert score["customers"] > 600
    assert 0.2 < score["lapsed"] / score["customers"] < 0.4  # DemoSpec.lapse_share: 0.3
    assert sum(n for counts in score["buckets"].values() for n in counts.values()) == score["customers"]
    assert score["mean_risk_lapsed"] > score["mean_risk_active"]
    assert score["auc_repeat_customers"] > 0.75
    assert score["auc_days_since_last_order"] > 0.6
    # MBG/NBD, the default, ranks one-time buyers too; in BG/NBD they never drop out,
    # so its AUC over everyone (most of the demo's customers bought once) is much lower
    assert score["auc"] > 0.75
    assert bgnbd["auc_repeat_customers"] > bgnbd["auc"] > 0.5
    assert score["auc"] > bgnbd["auc"] + 0.1
    # each bucket means what its name says: few of the low lapsed, most of the high
    lapsed = {name: n["lapsed"] / (n["lapsed"] + n["active"]) for name, n in score["buckets"].items()}
    assert lapsed["low"] < 0.05 < lapsed["medium"] < 0.5 < lapsed["high"]


def test_without_lapses_there_is_nothing_to_score(tmp_path: Path) -> None:
    manifest = generate_shop(DemoSpec(customers=300, days=90, seed=11, lapse_share=0.0), tmp_path / "shop")
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        import_export(ws, manifest, manifest.file("orders.csv"))
        ws.predict.run(as_of=manifest.spec.end)
        score = score_churn(ws.db, manifest)
    assert score["lapsed"] == 0 and score["customers"] > 200 and "auc" not in score
