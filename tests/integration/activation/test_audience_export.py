"""Audience export on a workspace: consent for the purpose as a whole, hashed rows, the audit trail, the CLI."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import orjson
import pytest

from integration.activation.test_activation_cli import cli
from integration.segments.clocked import at
from persona360 import Workspace
from persona360.activation import AudienceError
from persona360.clock import FixedClock
from persona360.errors import NotFoundError
from persona360.segments.definitions import SegmentSpec


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def shoppers(ws: Workspace, clock: FixedClock) -> dict[str, int]:
    """a grants marketing, b grants it for email only, c never does, d grants but has no email or phone."""
    ws.access.add_source("web")
    traits = {
        "a": {"email": "Ann@X.org", "phone": "0671234501"},
        "b": {"email": "bob@x.org"},
        "c": {"email": "cy@x.org"},
        "d": {"name": "Dee"},
    }
    ws.ingest.send("web", [at(clock, type="identify", userId=u, traits=t) for u, t in traits.items()])
    ids = {u: ws.profiles.find("user_id", u) for u in traits}
    ws.privacy.grant(ids["a"], "marketing")
    ws.privacy.grant(ids["b"], "marketing", "email")
    ws.privacy.grant(ids["d"], "marketing")
    ws.segments.create(SegmentSpec("all", "event_count >= 1"))
    return ids


def test_only_purpose_wide_consent_is_exported_hashed_and_audited(workspace: Workspace, clock: FixedClock) -> None:
    shoppers(workspace, clock)
    audience = workspace.activation.export_audience("all", "google")
    assert (audience.members, audience.no_consent, audience.no_identifier, audience.exported) == (4, 2, 1, 1)
    rows = list(csv.reader(io.StringIO(audience.csv)))
    assert rows == [["Email", "Phone"], [h("ann@x.org"), h("+380671234501")]]
    assert "bob" not in audience.csv and "ann" not in audience.csv
    entry = workspace.privacy.audit_log(1)[0]
    assert (entry["action"], entry["target"]) == ("audience.export", "segment:all")


@pytest.mark.parametrize(
    ("segment", "fmt", "error"),
    [("all", "tiktok", AudienceError), ("nope", "facebook", NotFoundError)],
    ids=["unknown format", "unknown segment"],
)
def test_bad_export_requests_are_named(
    workspace: Workspace, clock: FixedClock, segment: str, fmt: str, error: type[Exception]
) -> None:
    shoppers(workspace, clock)
    with pytest.raises(error, match=fmt if error is AudienceError else segment):
        workspace.activation.export_audience(segment, fmt)


def test_cli_writes_the_facebook_file(workspace: Workspace, clock: FixedClock, tmp_path: Path) -> None:
    shoppers(workspace, clock)
    db = Path(workspace.settings.db)
    workspace.close()
    out = tmp_path / "fb.csv"
    done = cli(db, "audiences", "export", "all", "--out", str(out), "--json")
    assert done.exit_code == 0, done.output
    assert orjson.loads(done.stdout)["exported"] == 1
    assert out.read_text().splitlines() == ["email,phone", f"{h('ann@x.org')},{h('380671234501')}"]
