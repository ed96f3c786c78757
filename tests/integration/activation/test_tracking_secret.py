"""The shipped tracking secret signs links in dev only: elsewhere the workspace refuses to start."""

from __future__ import annotations

from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.errors import WorkspaceError
from persona360.settings import load_settings


@pytest.mark.parametrize("env", ["prod", "test"])
def test_default_tracking_secret_is_refused_outside_dev(tmp_path: Path, env: str) -> None:
    db = tmp_path / "ws.duckdb"
    with pytest.raises(WorkspaceError, match="PERSONA360_TRACKING_SECRET is the shipped default") as refused:
        Workspace(load_settings(db=db, env=env), create=True)
    assert f"env={env!r}" in str(refused.value)
    assert not db.exists()  # refused before the file is created or locked


@pytest.mark.parametrize(
    ("env", "secret"), [("dev", None), ("prod", "a-long-random-secret")], ids=["dev default", "prod own"]
)
def test_dev_default_and_own_secrets_start(tmp_path: Path, env: str, secret: str | None) -> None:
    with Workspace(load_settings(db=tmp_path / "ws.duckdb", env=env, tracking_secret=secret), create=True) as ws:
        assert ws.activation.list() == []
