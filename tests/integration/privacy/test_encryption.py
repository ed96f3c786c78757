"""Encryption at rest: the workspace file holds no plain personal data when a key is set.

This machine has no DuckDB ``httpfs`` extension (OpenSSL), so the tests accept DuckDB's
built-in crypto (``encryption_allow_mbedtls``); refusing it by default is tested too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.errors import WorkspaceError
from persona360.settings import load_settings

EMAIL = "cipher.ostapenko@encrypted-probe.org"
CITY = "Ternopilvaultcity"
KEY = "correct horse battery staple"


def open_ws(path: Path, clock: FixedClock, **settings: Any) -> Workspace:
    return Workspace(load_settings(db=path, encryption_allow_mbedtls=True, **settings), clock, create=True)


def plain(path: Path) -> list[str]:
    data = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
    return [text for text in (EMAIL, CITY) if text.encode() in data]


def fill(ws: Workspace) -> int:
    ws.access.add_source("web")
    ws.ingest.send("web", [{"type": "identify", "userId": "u1", "traits": {"email": EMAIL, "city": CITY}}])
    ws.db.checkpoint()
    return ws.profiles.find("email", EMAIL)


def test_an_encrypted_workspace_holds_no_plain_trait_and_reopens_with_its_key(
    tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "enc" / "ws.duckdb"
    path.parent.mkdir()
    with open_ws(path, clock, encryption_key=KEY) as ws:
        jane = fill(ws)
        assert plain(path) == []
    with open_ws(path, clock, encryption_key=KEY) as ws:
        assert ws.profiles.show(jane)["traits"]["city"]["value"] == CITY


def test_the_same_data_unencrypted_is_plain_in_the_file(tmp_path: Path, clock: FixedClock) -> None:
    """The control: without a key the scan does find the values."""
    path = tmp_path / "plain" / "ws.duckdb"
    path.parent.mkdir()
    with open_ws(path, clock) as ws:
        fill(ws)
        assert plain(path) == [EMAIL, CITY]


def test_erasure_keeps_the_file_encrypted(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "ws.duckdb"
    with open_ws(path, clock, encryption_key=KEY) as ws:
        ws.privacy.erase(fill(ws))
        ws.ingest.send("web", [{"type": "identify", "userId": "u2", "traits": {"city": CITY}}])
        ws.db.checkpoint()
        assert plain(path) == []
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(path)).execute("SELECT count(*) FROM events").fetchall()
    with open_ws(path, clock, encryption_key=KEY) as ws:
        assert ws.profiles.count() == 1


def test_a_key_file_wins_over_the_variable(tmp_path: Path, clock: FixedClock) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    path = tmp_path / "ws.duckdb"
    with open_ws(path, clock, encryption_key_file=key_file, encryption_key="ignored") as ws:
        fill(ws)
    with open_ws(path, clock, encryption_key=KEY) as ws:
        assert ws.profiles.count() == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"encryption_key": "wrong key"}, "Wrong encryption key"),
        ({}, "encrypted"),
        ({"encryption_key_file": "missing-key"}, "PERSONA360_ENCRYPTION_KEY_FILE .*missing-key: cannot read it"),
        ({"encryption_key_file": "empty-key"}, "PERSONA360_ENCRYPTION_KEY_FILE .*empty-key is empty"),
    ],
)
def test_opening_with_a_bad_key_is_a_clear_error(
    tmp_path: Path, clock: FixedClock, settings: dict[str, Any], message: str
) -> None:
    path = tmp_path / "ws.duckdb"
    with open_ws(path, clock, encryption_key=KEY) as ws:
        fill(ws)
    (tmp_path / "empty-key").write_text("\n")
    if "encryption_key_file" in settings:
        settings = {"encryption_key_file": tmp_path / settings["encryption_key_file"]}
    with pytest.raises(WorkspaceError, match=message):
        open_ws(path, clock, **settings)


def test_without_openssl_the_weak_crypto_is_refused_unless_accepted(tmp_path: Path, clock: FixedClock) -> None:
    try:
        duckdb.connect().execute("LOAD httpfs")
    except duckdb.Error:
        pass
    else:
        pytest.skip("httpfs (OpenSSL) is installed here: nothing is refused")
    settings = load_settings(db=tmp_path / "ws.duckdb", encryption_key=KEY)
    with pytest.raises(WorkspaceError, match="PERSONA360_ENCRYPTION_ALLOW_MBEDTLS"):
        Workspace(settings, clock, create=True)


def test_what_an_encrypted_workspace_spills_goes_beside_it_encrypted(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "ws.duckdb"
    with open_ws(path, clock, encryption_key=KEY, memory_limit="256MB") as ws:
        folder, encrypted = ws.db.query(
            "SELECT current_setting('temp_directory'), current_setting('temp_file_encryption')"
        )[0]
    assert (folder, encrypted) == (f"{path}.tmp", True)
