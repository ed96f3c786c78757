"""Enrichment on a real workspace: consent, events of enrich. sources, inferred marks, rebuild."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.enrichment import Inferred, ProfileView, Provider
from persona360.errors import NotFoundError
from persona360.ingest.importers.mapping import parse_mapping
from persona360.settings import load_settings

UA_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def _olena(ws: Workspace, **traits: Any) -> int:
    ws.ingest.send(
        "shop",
        [
            {
                "type": "identify",
                "userId": "u1",
                "traits": {"firstName": "Олена", "email": "olena@acme.com.ua", "phone": "+380501234567", **traits},
                "timestamp": "2026-10-01T10:00:00Z",
            },
            {
                "type": "page",
                "userId": "u1",
                "name": "Home",
                "context": {"ip": "81.2.69.142", "userAgent": UA_IPHONE},
                "timestamp": "2026-10-02T10:00:00Z",
            },
        ],
    )
    return ws.profiles.find("user_id", "u1")


def test_every_builtin_provider_writes_inferred_traits(ws: Workspace) -> None:
    profile_id = _olena(ws)
    before = ws.profiles.get(profile_id, now=ws.clock.now())
    report = ws.enrichment.run()
    assert report.enriched == 1
    traits = ws.profiles.get(profile_id, now=ws.clock.now())["traits"]
    expected = {
        "gender": "female",
        "phone_country": "UA",
        "phone_line_type": "mobile",
        "phone_carrier": "Vodafone",
        "email_valid": True,
        "email_free": False,
        "email_disposable": False,
        "email_role": False,
        "email_company_domain": "acme.com.ua",
        "ip_country": "GB",
        "ua_os": "iOS",
        "ua_browser": "Mobile Safari",
        "ua_device_type": "mobile",
    }
    assert {name: traits[name]["value"] for name in expected} == expected
    assert traits["gender"]["source"] == "enrich.name"
    assert traits["gender"]["confidence"] == pytest.approx(0.99)
    assert traits["phone_carrier"]["confidence"] == pytest.approx(0.6)
    assert all(traits[name]["inferred"] for name in expected)
    assert not traits["firstName"]["inferred"]
    assert report.by_trait["gender"] == 1
    after = ws.profiles.get(profile_id, now=ws.clock.now())
    assert after["last_seen"] == before["last_seen"]  # enrichment is not activity


def test_rerun_writes_nothing_new(ws: Workspace) -> None:
    _olena(ws)
    first = ws.enrichment.run()
    second = ws.enrichment.run()
    assert first.traits_written > 0
    assert second.traits_written == 0


def test_observed_traits_are_never_overwritten(ws: Workspace) -> None:
    profile_id = _olena(ws, gender="male")  # what the person told us wins over a guess
    report = ws.enrichment.run("name")
    gender = ws.profiles.get(profile_id, now=ws.clock.now())["traits"]["gender"]
    assert gender["value"] == "male"
    assert gender["source"] == "shop"
    assert not gender["inferred"]
    assert report.kept_observed == 1
    assert report.traits_written == 0


def test_no_consent_no_enrichment(tmp_path: Path, clock: FixedClock) -> None:
    workspace = Workspace(load_settings(db=tmp_path / "ws.duckdb"), clock, create=True)
    workspace.access.add_source("shop")
    profile_id = _olena(workspace)
    report = workspace.enrichment.run("name")
    assert (report.skipped_no_consent, report.traits_written, report.consent_checked) == (1, 0, True)
    workspace.privacy.grant(profile_id, "enrichment")
    assert workspace.enrichment.run("name").traits_written == 1
    workspace.close()


def test_consent_unchecked_without_privacy_room(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    _olena(ws)
    privacy = ws.__dict__.pop("privacy")
    try:
        with caplog.at_level(logging.WARNING):
            report = ws.enrichment.run("name")
    finally:
        ws.privacy = privacy
    assert not report.consent_checked
    assert report.traits_written == 1
    assert "consent unchecked" in caplog.text


def test_results_are_events_and_survive_rebuild(ws: Workspace) -> None:
    profile_id = _olena(ws)
    ws.enrichment.run("phone")
    events = ws.profiles.timeline(profile_id, event_type="identify")["events"]
    assert {event["source"] for event in events} == {"shop", "enrich.phone"}
    ws.profiles.rebuild()
    traits = ws.profiles.get(ws.profiles.find("user_id", "u1"), now=ws.clock.now())["traits"]
    assert traits["phone_country"]["value"] == "UA"
    assert traits["phone_country"]["confidence"] == pytest.approx(0.99)
    assert traits["phone_country"]["inferred"]


def test_selection_by_ids_and_segment(ws: Workspace) -> None:
    profile_id = _olena(ws)
    ws.ingest.send("shop", [{"type": "identify", "userId": "u2", "traits": {"firstName": "Taras"}}])
    other = ws.profiles.find("user_id", "u2")
    seen = ws.profiles.get(other, now=ws.clock.now())["last_seen"]
    assert ws.enrichment.run("name", profile_ids=[other]).profiles == 1
    assert ws.profiles.get(other, now=ws.clock.now())["last_seen"] == seen  # without reading events too
    assert ws.profiles.get(profile_id, now=ws.clock.now())["traits"].get("gender") is None
    with pytest.raises(NotFoundError):
        ws.enrichment.run("name", segment="no-such-segment")
    with pytest.raises(NotFoundError, match="no profile with id 987654"):
        ws.enrichment.run("name", profile_ids=[other, 987654])
    merged = ws.identity.merge(("user_id", "u1"), ("user_id", "u2"))
    gone = other if merged != other else profile_id
    assert ws.enrichment.run("name", profile_ids=[gone]).profiles == 1  # the merged-away id finds its profile


class _Remote(Provider):
    name, traits = "custom", ("score", "email")

    def enrich(self, profile: ProfileView) -> list[Inferred]:
        return [Inferred("score", 7, 0.5), Inferred("email", "x@y.z", 1.0), Inferred("bad", 1, 2.0)]


def test_custom_provider_and_refused_answers(ws: Workspace) -> None:
    profile_id = _olena(ws)
    report = ws.enrichment.run(_Remote())
    traits = ws.profiles.get(profile_id, now=ws.clock.now())["traits"]
    assert traits["score"]["source"] == "enrich.custom"
    assert traits["email"]["value"] == "olena@acme.com.ua"  # an identifier is never inferred
    assert "bad" not in traits  # confidence out of range
    assert report.traits_written == 1


def test_unknown_provider_names_the_choices(ws: Workspace) -> None:
    with pytest.raises(NotFoundError, match="use one of phone, email"):
        ws.enrichment.run("nope")


def test_a_profile_never_seen_active_is_not_made_so_by_its_enrichment(ws: Workspace, tmp_path: Path) -> None:
    """Known only from a customers file without times: enriched, and still no first or last seen."""
    path = tmp_path / "contacts.csv"
    path.write_text("email,name\nolena@acme.com.ua,Олена Коваль\n", encoding="utf-8")
    mapping = parse_mapping(["email=email", "name=trait:name"])
    ws.ingest.import_file(path, source="crm", kind="customers", mapping=mapping)
    profile_id = ws.profiles.find("email", "olena@acme.com.ua")
    assert ws.enrichment.run().enriched == 1
    profile = ws.profiles.show(profile_id)
    assert profile["traits"]["email_company_domain"]["value"] == "acme.com.ua"  # enriched all the same
    assert (profile["first_seen"], profile["last_seen"]) == (None, None)
    ws.profiles.rebuild()
    assert ws.profiles.show(profile_id)["last_seen"] is None


def test_a_merge_made_later_does_not_date_the_enrichment(ws: Workspace) -> None:
    """The merge is an event of now; the person was last active on 2 October, and stays so."""
    _olena(ws)
    ws.ingest.send("shop", [{"type": "identify", "userId": "u2", "timestamp": "2026-09-01T10:00:00Z"}])
    merged = ws.identity.merge(("user_id", "u1"), ("user_id", "u2"))
    last_seen = ws.profiles.show(merged)["last_seen"]
    assert last_seen.isoformat() == "2026-10-02T10:00:00+00:00"
    assert ws.enrichment.run().enriched == 1
    assert ws.profiles.show(merged)["last_seen"] == last_seen


def test_coverage_counts_shown_traits_per_provider_and_keeps_one_no_longer_configured(ws: Workspace) -> None:
    """``ws.enrichment.coverage`` (the web's enrichment page): observed values win and are not counted."""
    _olena(ws, gender="female")
    ws.enrichment.run(["name", "email"])
    ws.enrichment.run(_Remote())
    rows = {row["provider"]: row for row in ws.enrichment.coverage()}
    assert list(rows)[:5] == ["phone", "email", "name", "ip", "user_agent"]
    assert (rows["name"]["profiles"], rows["name"]["by_trait"], rows["name"]["events"]) == (0, {}, 0)  # she said
    assert rows["email"]["profiles"] == 1 and rows["email"]["by_trait"]["email_free"] == 1
    assert rows["email"]["last_written"] is not None and rows["phone"]["last_written"] is None
    custom = rows["custom"]
    assert (custom["usable"], custom["remote"], custom["by_trait"], custom["events"]) == (False, True, {"score": 1}, 1)
