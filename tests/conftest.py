"""Fixtures shared by every layer of tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.settings import load_settings

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def workspace(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    """A fresh workspace in a real DuckDB file, with a pinned clock."""
    ws = Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True)
    yield ws
    ws.close()
