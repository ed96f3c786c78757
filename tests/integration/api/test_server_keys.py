"""Write keys send only to their own source; keys and tokens are stored only as hashes."""

from __future__ import annotations

import hashlib

import duckdb
import httpx
import pytest

from integration.server import Credentials, LiveServer, cli, stored_message_ids

pytestmark = [pytest.mark.serial, pytest.mark.xdist_group("server")]


def test_a_write_key_sends_only_to_its_source_and_no_secret_is_stored_plain(fresh_workspace: Credentials) -> None:
    db = fresh_workspace.db
    crm_key = cli(db, "sources", "add", "crm")["write_key"]
    with LiveServer(db) as live, httpx.Client(base_url=live.url, timeout=60) as http:
        web = (fresh_workspace.write_key, "")
        event = {"userId": "u-keys", "event": "Viewed", "writeKey": crm_key, "messageId": "keys-1"}
        assert http.post("/v1/track", json=event, auth=web).status_code == 200  # the header's key decides
        batch = {"writeKey": crm_key, "batch": [{"type": "track", "userId": "u-keys", "event": "X",
                                                  "messageId": "keys-2", "writeKey": crm_key}]}  # fmt: skip
        assert http.post("/v1/batch", json=batch, auth=web).status_code == 200
        alone = {"userId": "u-keys", "event": "Viewed", "writeKey": crm_key, "messageId": "keys-3"}
        assert http.post("/v1/track", json=alone).status_code == 200  # no header: the body's key, crm's
    assert {"keys-1", "keys-2"} <= set(stored_message_ids(db, "shop-web"))
    assert set(stored_message_ids(db, "crm")) == {"keys-3"}

    raw = db.read_bytes() + (
        db.with_suffix(".duckdb.wal").read_bytes() if db.with_suffix(".duckdb.wal").exists() else b""
    )
    for secret in (fresh_workspace.write_key, crm_key, fresh_workspace.admin_token, fresh_workspace.read_token):
        assert secret.encode() not in raw
    con = duckdb.connect(str(db), read_only=True)
    try:
        hashes = {row[0] for row in con.execute("SELECT token_hash FROM tokens").fetchall()}
        keys = {row[0] for row in con.execute("SELECT write_key_hash FROM sources").fetchall()}
    finally:
        con.close()
    assert hashlib.sha256(fresh_workspace.admin_token.encode()).hexdigest() in hashes
    assert hashlib.sha256(crm_key.encode()).hexdigest() in keys
