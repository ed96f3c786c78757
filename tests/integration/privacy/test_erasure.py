"""Erasure on a real workspace file: nothing about the person left, not even in freed blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.errors import NotFoundError
from persona360.ingest.importers.mapping import parse_mapping
from persona360.privacy.erasure import BY_IDENTIFIER, BY_PROFILE, NO_PERSONAL_DATA, SCANNED, VIEWS
from persona360.segments.definitions import SegmentSpec

EMAIL = "zanzibar.quixotlyn@erasure-probe.org"
PHONE = "+380671239457"
NAME = "Zanzibarqux Quixotlyn"
COOKIE = "anon-zq-5c1d7e2f"
SECRETS = (EMAIL, PHONE.removeprefix("+"), NAME, COOKIE, "u-zq-777")
SURVEY: dict[str, Any] = {
    "id": "delivery",
    "name": "Delivery",
    "questions": [{"id": "why", "text": "Anything?", "kind": "free_text", "trait": "delivery_comment"}],
}


def leaks(folder: Path) -> dict[str, list[str]]:
    """Each file of the workspace folder (database, WAL, exports) that holds a secret."""
    found: dict[str, list[str]] = {}
    for path in folder.iterdir():
        data = path.read_bytes() if path.is_file() else b""
        hits = [secret for secret in SECRETS if secret.encode() in data]
        if hits:
            found[path.name] = hits
    return found


def fill(ws: Workspace) -> int:
    """The person to erase, seen by two sources, with every kind of data; and a neighbour."""
    ws.access.add_source("web")
    ws.access.add_source("crm")
    person = [
        {"type": "page", "anonymousId": COOKIE, "name": "Home"},
        {"type": "identify", "anonymousId": COOKIE, "userId": "u-zq-777", "traits": {"email": EMAIL, "name": NAME}},
        {
            "type": "track",
            "userId": "u-zq-777",
            "event": "Order Completed",
            "properties": {"order_id": "zq-order-1", "revenue": 512.5, "shipping_name": NAME},
            "context": {"consent": {"categoryPreferences": {"marketing": True}}},
        },
    ]
    neighbour = [
        {"type": "identify", "userId": "u-kept", "traits": {"email": "kept@example.org", "name": "Olena Kept"}},
        {"type": "track", "userId": "u-kept", "event": "Order Completed", "properties": {"order_id": "k-1"}},
    ]
    ws.ingest.send("web", person + neighbour)
    ws.ingest.send("crm", [{"type": "identify", "userId": "u-zq-777", "traits": {"email": EMAIL, "phone": PHONE}}])
    ws.segments.create(SegmentSpec("buyers", 'count("Order Completed") >= 1'))
    ws.surveys.create(SURVEY)
    ws.surveys.answer("delivery", ("email", EMAIL), {"why": f"ring {NAME} at the door"})
    profile_id = ws.profiles.find("email", EMAIL)
    ws.privacy.grant(profile_id, "marketing", "sms")
    ws.db.checkpoint()  # into the file proper, so the freed blocks are the test
    return profile_id


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock) -> Workspace:
    folder = tmp_path / "ws"
    folder.mkdir()
    workspace = Workspace.open(folder / "ws.duckdb", clock)
    yield workspace
    workspace.close()


def test_erasure_leaves_no_byte_of_the_person(ws: Workspace) -> None:
    folder = Path(ws.db.path).parent
    profile_id = fill(ws)
    kept = ws.profiles.find("user_id", "u-kept")
    assert set(leaks(folder)["ws.duckdb"]) == set(SECRETS)  # the scan sees them before

    report = ws.privacy.erase(profile_id, actor="test")

    assert report.rewritten and report.identifiers >= 4 and report.suppressed == report.identifiers
    assert report.rows["events"] >= 5 and report.rows["survey_answers"] == 1
    assert report.rows["segment_memberships"] == 1 and report.rows["consent_ledger"] >= 2
    ws.db.checkpoint()
    assert leaks(folder) == {}
    with pytest.raises(NotFoundError):
        ws.profiles.find("email", EMAIL)
    assert ws.profiles.show(kept)["traits"]["name"]["value"] == "Olena Kept"
    assert ws.segments.members("buyers")["total"] == 1


def test_without_the_rewrite_deleted_rows_stay_in_the_file(ws: Workspace) -> None:
    """Why erasure rewrites the file: DuckDB's DELETE and CHECKPOINT leave the old blocks."""
    profile_id = fill(ws)
    ws.privacy.erase(profile_id, rewrite=False)
    ws.db.checkpoint()
    assert leaks(Path(ws.db.path).parent)


def test_suppression_stops_a_returning_cookie_an_import_and_a_rebuild(ws: Workspace, tmp_path: Path) -> None:
    profile_id = fill(ws)
    ws.privacy.erase(profile_id)
    again = ws.ingest.send("web", [{"type": "page", "anonymousId": COOKIE, "name": "Home"}])
    assert again.stored == 0
    rows = tmp_path / "crm.csv"
    rows.write_text(f"email,first_name\n{EMAIL.upper()},Zanzibarqux\nnew@example.org,New\n")
    mapping = parse_mapping(["email=email", "first_name=trait:first_name"])
    report = ws.ingest.import_file(rows, source="crm", kind="customers", mapping=mapping)
    assert report.stored == 1
    assert ws.profiles.count() == 2  # the neighbour and new@example.org only
    ws.profiles.rebuild()
    ws.db.rewrite()
    assert leaks(Path(ws.db.path).parent) == {}
    with pytest.raises(NotFoundError):
        ws.profiles.find("email", EMAIL)


def test_a_lifted_suppression_lets_the_person_sign_up_again(ws: Workspace) -> None:
    ws.privacy.erase(fill(ws))
    assert ws.privacy.lift_suppression(EMAIL.upper(), actor="test")
    ws.ingest.send("web", [{"type": "identify", "userId": "u-back", "traits": {"email": EMAIL}}])
    assert ws.profiles.find("email", EMAIL) == ws.profiles.find("user_id", "u-back")
    assert ws.ingest.send("web", [{"type": "page", "anonymousId": COOKIE}]).stored == 0  # still erased
    assert not ws.privacy.lift_suppression("never@example.org")


def test_erasure_is_audited_without_the_identifiers(ws: Workspace) -> None:
    profile_id = fill(ws)
    ws.privacy.erase(profile_id, actor="token:dpo")
    entry = ws.privacy.audit_log(1)[0]
    assert (entry["actor"], entry["action"], entry["target"]) == (
        "token:dpo",
        "erasure.completed",
        f"profile:{profile_id}",
    )
    assert {"anonymous_id", "user_id", "email", "phone"} <= set(entry["detail"]["kinds"])
    text = str(ws.privacy.audit_log(100))
    assert not [secret for secret in SECRETS if secret in text]


def test_erasing_an_unknown_profile_is_a_clear_error(ws: Workspace) -> None:
    with pytest.raises(NotFoundError, match="no profile with id 4242"):
        ws.privacy.erase(4242)
    with pytest.raises(ValueError, match="write profile:ID with a number"):
        ws.profiles.find_person("profile:jane")


def test_every_table_is_in_the_erasure_plan(ws: Workspace) -> None:
    """A table added by any room must say whether it holds per-person data, and by what key."""
    planned = set(BY_IDENTIFIER) | set(BY_PROFILE) | set(SCANNED) | set(NO_PERSONAL_DATA)
    tables = {row[0] for row in ws.db.query("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")}
    views = {row[0] for row in ws.db.query("SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    assert tables - planned == set(), "add these tables to privacy/erasure.py"
    assert planned - tables == set()
    assert views - set(VIEWS) == set(), "a new view: does it expose per-person data beyond its tables?"


def test_outside_dev_erasure_needs_a_secret_of_ones_own(tmp_path: Path, clock: FixedClock) -> None:
    from persona360.privacy.suppression import SuppressionError
    from persona360.settings import load_settings

    # Outside dev the tracking secret must be one's own too (refused on open otherwise).
    settings = load_settings(db=tmp_path / "prod.duckdb", env="prod", tracking_secret="own-" + "t" * 40)
    with Workspace(settings, clock, create=True) as ws:
        profile_id = fill(ws)
        with pytest.raises(SuppressionError, match="PERSONA360_SUPPRESSION_SECRET"):
            ws.privacy.erase(profile_id)
        assert ws.profiles.find("email", EMAIL) == profile_id  # nothing was deleted


def test_erased_ids_are_never_given_to_a_newcomer_not_even_after_a_rebuild(ws: Workspace) -> None:
    """Audit entries say ``profile:ID``: that id must keep naming the erased person, or nobody."""
    profile_id = fill(ws)
    kept = ws.profiles.find("user_id", "u-kept")
    erased_ids = {int(row[0]) for row in ws.db.query("SELECT identifier_id FROM identifiers WHERE profile_id = ?",
                                                     [profile_id])} | {profile_id}  # fmt: skip
    highest = int(ws.db.scalar("SELECT max(identifier_id) FROM identifiers"))
    assert highest in erased_ids  # the CRM phone came last: a naive counter would hand it out again
    ws.privacy.erase(profile_id, rewrite=False)

    ws.ingest.send("web", [{"type": "identify", "userId": "u-new", "traits": {"email": "new@example.org"}}])
    newcomer = ws.profiles.find("user_id", "u-new")
    new_ids = {int(row[0]) for row in ws.db.query("SELECT identifier_id FROM identifiers WHERE profile_id = ?",
                                                  [newcomer])}  # fmt: skip
    assert newcomer not in erased_ids and not new_ids & erased_ids
    assert min(new_ids) > highest

    ws.profiles.rebuild()  # replays what is left: the same ids again, the erased ones skipped
    assert ws.profiles.find("user_id", "u-kept") == kept
    assert ws.profiles.find("user_id", "u-new") == newcomer
    ws.ingest.send("web", [{"type": "identify", "userId": "u-later", "traits": {"email": "later@example.org"}}])
    assert ws.profiles.find("user_id", "u-later") not in erased_ids
