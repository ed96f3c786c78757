"""A workspace where enrichment is allowed by default, with one source ``shop``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.settings import load_settings


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    settings = load_settings(db=tmp_path / "ws.duckdb", consent_default_allow=["transactional", "enrichment"])
    workspace = Workspace(settings, clock, create=True)
    workspace.access.add_source("shop")
    yield workspace
    workspace.close()
