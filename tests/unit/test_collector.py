"""The server's collector tuning: start-up frozen, larger young steps, all undone on exit."""

from __future__ import annotations

import gc

import pytest

from persona360.collector import SERVING_THRESHOLDS, collector_tuned_for_serving


def test_tuned_while_serving_and_restored_after() -> None:
    before = gc.get_threshold()
    with collector_tuned_for_serving():
        assert gc.get_threshold() == SERVING_THRESHOLDS
        assert gc.get_freeze_count() > 0  # start-up objects are out of the collector's passes
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_restored_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collector_tuned_for_serving():
        raise RuntimeError("the server failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
