"""Fixtures for tests against a real ``persona360 serve`` process.

``live`` is one server for the whole session (tests that only add data use it, each
with its own identifiers); tests that stop, kill or count the file start their own
with ``fresh_server``.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from integration.server import Credentials, Live, LiveServer, make_workspace


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    """A workspace made once with the CLI; each server gets a copy (the CLI takes ~2 s a call)."""
    return make_workspace(tmp_path_factory.mktemp("template"))


def copy_workspace(template: Credentials, folder: Path) -> Credentials:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "ws.duckdb"
    shutil.copyfile(template.db, db)
    return replace(template, db=db)


@pytest.fixture(scope="session")
def live(template: Credentials, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    creds = copy_workspace(template, tmp_path_factory.mktemp("live"))
    server = LiveServer(creds.db).start()
    try:
        yield Live(server, creds)
    finally:
        server.stop()


@pytest.fixture
def fresh_workspace(template: Credentials, tmp_path: Path) -> Credentials:
    """A new, empty workspace of its own, for tests that stop, kill or read the file."""
    return copy_workspace(template, tmp_path / "ws")


@pytest.fixture
def tracking(live: Live) -> Iterator[httpx.Client]:
    with live.tracking() as client:
        yield client


@pytest.fixture
def admin(live: Live) -> Iterator[httpx.Client]:
    with live.admin() as client:
        yield client


@pytest.fixture
def tag() -> str:
    """A short unique tag so tests sharing the session server never share identifiers."""
    return uuid.uuid4().hex[:10]
