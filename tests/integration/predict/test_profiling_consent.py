"""Predictions leave out whoever withdrew ``profiling`` consent: not fitted on, not scored."""

from __future__ import annotations

from pathlib import Path

from integration.predict.test_run import import_orders, profile, shop_orders
from persona360 import Workspace


def test_a_profiling_withdrawal_excludes_the_profile_from_predictions(workspace: Workspace, tmp_path: Path) -> None:
    import_orders(workspace, tmp_path, shop_orders(customers=200, seed=11))
    objector = profile(workspace, "c1")
    workspace.privacy.withdraw(objector, "profiling")
    report = workspace.predict.run()
    everyone = workspace.db.scalar("SELECT count(DISTINCT anchor_id) FROM orders")
    assert report["customers"] == everyone - 1
    assert workspace.predict.get(objector) is None
    assert workspace.predict.get(profile(workspace, "c2")) is not None
    workspace.privacy.grant(objector, "profiling")
    workspace.predict.run()
    assert workspace.predict.get(objector) is not None
