"""The batched reader gives providers what the per-profile reads of ``ws.profiles`` give."""

from __future__ import annotations

from typing import Any

import pytest

from persona360 import Workspace
from persona360.enrichment import run
from persona360.enrichment.selection import load_views


def _people(ws: Workspace) -> list[int]:
    messages: list[dict[str, Any]] = []
    for i in range(5):
        messages.append(
            {
                "type": "identify",
                "userId": f"u{i}",
                "traits": {"firstName": f"N{i}", "email": f"p{i}@x.org"},
                "timestamp": f"2026-10-0{i + 1}T10:00:00Z",
            }
        )
        for j in range(i):  # user i has i page views, each from its own IP, newest last
            messages.append(
                {
                    "type": "page",
                    "userId": f"u{i}",
                    "name": "Home",
                    "context": {"ip": f"10.0.{i}.{j}", "userAgent": f"agent-{j}"},
                    "timestamp": f"2026-10-1{j}T10:00:00Z",
                }
            )
    ws.ingest.send("shop", messages)
    return [ws.profiles.find("user_id", f"u{i}") for i in range(5)]


def test_views_of_a_batch_match_the_profiles(ws: Workspace) -> None:
    ids = _people(ws)
    ws.enrichment.run("name")  # a shown inferred trait (gender) for some of them
    views = load_views(ws, [*reversed(ids), 999_999], with_events=True)
    assert [view.profile_id for view in views] == list(reversed(ids))  # unknown ids left out, order kept
    for view in views:
        traits = ws.profiles.traits(view.profile_id, now=ws.clock.now())
        assert view.traits == {name: trait["value"] for name, trait in traits.items()}
        assert view.inferred == {name for name, trait in traits.items() if trait["inferred"]}
        assert view.observed == {name for name, trait in traits.items() if not trait["inferred"]}
        kinds = [(row["kind"], row["value"]) for row in ws.profiles.identifiers(view.profile_id)]
        assert list(view.identifiers) == kinds
        events = ws.profiles.timeline(view.profile_id, limit=100)["events"]
        assert view.ips == tuple(e["context"]["ip"] for e in events if e["context"].get("ip"))
        agents = [e["context"]["userAgent"] for e in events if e["context"].get("userAgent")]
        assert view.user_agents == tuple(dict.fromkeys(agents))  # distinct, newest first
        assert view.last_event_at == ws.profiles.list_ids([view.profile_id])[0]["last_seen"]


def test_views_without_events_use_last_seen(ws: Workspace) -> None:
    ids = _people(ws)
    views = load_views(ws, ids, with_events=False)
    assert all(view.ips == () and view.user_agents == () for view in views)
    assert [view.last_event_at for view in views] == [ws.profiles.list_ids([p])[0]["last_seen"] for p in ids]


def test_a_run_in_small_batches_enriches_every_profile(ws: Workspace) -> None:
    _people(ws)
    small = ws.enrichment.run(["email", "name"], batch=2)
    assert small.profiles == 5 and small.enriched == 5
    assert ws.enrichment.run(["email", "name"]).traits_written == 0  # nothing left to add


def test_a_run_reading_views_in_several_passes_enriches_each_profile_once(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _people(ws)
    monkeypatch.setattr(run, "READ_AHEAD", 3)  # views read 3 at a time, written 2 at a time
    passes: list[int] = []
    real = run.load_views
    monkeypatch.setattr(run, "load_views", lambda ws, ids, **kw: passes.append(len(ids)) or real(ws, ids, **kw))
    done: list[tuple[int, int]] = []
    report = ws.enrichment.run(["email", "name"], batch=2, progress=lambda n, total: done.append((n, total)))
    assert passes == [3, 2]
    assert done == [(2, 5), (3, 5), (5, 5)]
    assert (report.profiles, report.enriched) == (5, 5)
    assert ws.enrichment.run(["email", "name"]).traits_written == 0


def test_a_run_over_every_profile_reaches_each_live_profile_once(ws: Workspace) -> None:
    ids = _people(ws)
    merged = ws.identity.merge(("user_id", "u1"), ("user_id", "u2"))  # one of the two ids goes away
    assert ws.profiles.ids() == sorted({*ids} - {ids[1], ids[2]} | {merged})
    report = ws.enrichment.run("name", batch=2)  # batches smaller than the shop
    assert report.profiles == len(ws.profiles.ids()) == 4
