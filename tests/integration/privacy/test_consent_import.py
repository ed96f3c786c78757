"""Consent from an email service's export: the subscription status column, mapped to consent."""

from __future__ import annotations

from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.errors import MappingError
from persona360.ingest.importers.mapping import parse_mapping

EXPORT = """email,status,consent_date
subscribed@example.org,subscribed,2026-01-10
left@example.org,Unsubscribed,2026-01-11
pending@example.org,pending,2026-01-12
odd@example.org,maybe later,2026-01-13
"""
MAPPING = ["email=email", "status=consent:marketing:email", "consent_date=timestamp"]


@pytest.fixture
def ws(tmp_path: Path, clock: FixedClock) -> Workspace:
    workspace = Workspace.open(tmp_path / "ws.duckdb", clock)
    workspace.access.add_source("mailchimp")
    yield workspace
    workspace.close()


def test_subscription_status_becomes_consent_with_its_source_and_time(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(EXPORT)
    report = ws.ingest.import_file(path, source="mailchimp", kind="customers", mapping=parse_mapping(MAPPING))

    assert (report.stored, report.rejected) == (3, 1)
    assert "column 'status'" in report.rejects_sample[0]["reason"]
    assert "'maybe later' is not known" in report.rejects_sample[0]["reason"]
    yes, left, pending = (
        ws.profiles.find("email", f"{name}@example.org") for name in ("subscribed", "left", "pending")
    )
    assert ws.privacy.may(yes, "marketing", "email")
    assert not ws.privacy.may(yes, "marketing", "sms")  # the email service speaks for email only
    assert not ws.privacy.may(left, "marketing", "email")
    assert not ws.privacy.may(pending, "marketing", "email")  # double opt-in not confirmed: no grant
    [decision] = ws.privacy.consent(yes, history=True)
    assert (decision["purpose"], decision["channel"], decision["granted"], decision["source"]) == (
        "marketing",
        "email",
        True,
        "mailchimp",
    )
    assert decision["changed_at"].date().isoformat() == "2026-01-10"

    again = tmp_path / "contacts-later.csv"
    again.write_text("email,status,consent_date\nsubscribed@example.org,unsubscribed,2026-02-01\n")
    ws.ingest.import_file(again, source="mailchimp", kind="customers", mapping=parse_mapping(MAPPING))
    assert not ws.privacy.may(yes, "marketing", "email")  # a later export withdraws it
    assert len(ws.privacy.consent(yes, history=True)) == 2


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("status=consent:spam", "unknown purpose 'spam'"),
        ("status=consent:marketing:fax", "unknown channel 'fax'"),
        ("status=consent:", "has unknown role 'consent:'"),
    ],
)
def test_a_bad_consent_role_is_named(flag: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        parse_mapping(["email=email", flag])
