"""Web UI benchmark: server time per page on a synthetic workspace.

Builds a workspace of N profiles through the real writer (``ws.ingest.send``: an
identify, two page views and an order per person, four sources), saves three segments,
then furnishes what the newer pages show through the rooms' APIs: personas
(``ws.personas.build``, k = 4, no bootstraps), a campaign sent to a loopback SMTP server
(aiosmtpd) with its consent grants, review pairs (``ws.resolution.resolve``, skipped
above ``--resolve-max`` profiles: Splink on a million records is its own benchmark) and
audit entries. Then it times every page of the UI in-process (FastAPI test client, no
network), as the median of several requests after one warm-up. Figures only; never
part of the tests.

Run with ``.venv/bin/python bench/ui.py --profiles 100000`` (the writer takes about
4,000 events/s on a small machine, so 1,000,000 profiles take about 20 minutes to build;
``--keep DIR`` reuses a workspace built before). ``--copies K`` then grows the built
workspace K-fold with set-based SQL (``bench/scale_up.py``): ``--profiles 10000
--copies 100`` times the pages on 1,000,000 profiles in minutes.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from scale_up import scale_up

from persona360 import Workspace, web
from persona360.activation.campaigns import CampaignSpec
from persona360.api.app import create_app
from persona360.personas import DiscoveryOptions
from persona360.segments.definitions import SegmentSpec

SOURCES = ("shop-web", "app", "crm", "pos")
CITIES = ("Kyiv", "Lviv", "Odesa", "Kharkiv", "Dnipro", "Warsaw", "London")
EVENTS = ("Product Viewed", "Product Added", "Order Completed")
SEGMENTS = {
    "Kyiv buyers": 'orders_count >= 1 and city = "Kyiv"',
    "Active this week": "last_seen within 7d",
    "Big spenders": "revenue >= 150",
}
BATCH = 5_000
CAMPAIGN = "Bench sale"
AUDIENCE = "Big spenders"
TEMPLATE = "Subject: {{ greeting() }}\n\nNew: {{ link('https://shop.example/new') }}\n"
GRANTS = 200  # marketing opt-ins, and so campaign recipients


def person_messages(i: int, rng: random.Random, now: Any) -> list[dict[str, Any]]:
    when = now - timedelta(days=rng.random() * 60)
    user = {"userId": f"u{i}", "anonymousId": f"a{i}"}
    stamp = lambda minutes: (when + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    return [
        {
            "type": "identify",
            **user,
            "messageId": f"i{i}",
            "timestamp": stamp(0),
            "traits": {"email": f"person{i}@example.org", "name": f"Person {i}", "city": rng.choice(CITIES)},
        },
        {"type": "page", **user, "messageId": f"p{i}", "timestamp": stamp(1), "name": "Home"},
        {
            "type": "track",
            **user,
            "messageId": f"v{i}",
            "timestamp": stamp(2),
            "event": "Product Viewed",
            "properties": {"product_id": f"p{rng.randrange(500)}"},
        },
        {
            "type": "track",
            **user,
            "messageId": f"o{i}",
            "timestamp": stamp(3),
            "event": "Order Completed",
            "properties": {"order_id": f"o{i}", "revenue": round(rng.random() * 200, 2), "currency": "UAH"},
        },
    ]


def build(db: Path, profiles: int) -> tuple[str, float]:
    started = time.perf_counter()
    with Workspace.open(db) as ws:
        for source in SOURCES:
            ws.access.add_source(source)
        rng = random.Random(7)
        now = ws.clock.now()
        pending: list[dict[str, Any]] = []
        for i in range(profiles):
            pending += person_messages(i, rng, now)
            if len(pending) >= BATCH or i == profiles - 1:
                ws.ingest.send(SOURCES[i % len(SOURCES)], pending)
                pending = []
        for name, condition in SEGMENTS.items():
            ws.segments.create(SegmentSpec(name, condition))
        token = ws.access.create_token(["admin"], "bench")
    return token, time.perf_counter() - started


class _Accept:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        return "250 OK"


def furnish(db: Path, profiles: int, resolve_max: int) -> dict[str, float]:
    """Personas, a sent campaign, review pairs and audit entries; seconds per step."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    smtp = Controller(_Accept(), hostname="127.0.0.1", port=port)
    smtp.start()
    took: dict[str, float] = {}
    try:
        with Workspace.open(db, smtp_port=port) as ws:
            took["personas"] = timed(lambda: ws.personas.build(DiscoveryOptions(k_min=4, k_max=4, bootstraps=0)))
            if profiles <= resolve_max:
                took["resolve"] = timed(ws.resolution.resolve)
            members = ws.segments.members(AUDIENCE, limit=GRANTS)["members"]
            emails = [e for m in members for e in ws.privacy.addresses(m["profile_id"], "marketing", "email")]
            took["opt-ins"] = timed(lambda: ws.ingest.send(SOURCES[0], [opt_in(e) for e in emails]))
            ws.activation.create(CampaignSpec(CAMPAIGN, AUDIENCE, TEMPLATE, control_share=0.2))
            took["campaign"] = timed(lambda: ws.activation.send(CAMPAIGN))
    finally:
        smtp.stop()
    return took


def opt_in(email: str) -> dict[str, Any]:
    traits = {"email": email, "consent": {"marketing": {"email": True}}}
    return {"type": "identify", "anonymousId": f"opt-in-{email}", "traits": traits}


def grow(db: Path, copies: int) -> None:
    started = time.perf_counter()
    with Workspace.open(db) as ws:
        rows = scale_up(ws.db, copies)
    print(
        f"scaled up {copies}-fold with SQL in {time.perf_counter() - started:.0f} s: {rows['profiles']:,} profiles, "
        f"{rows['identifiers']:,} identifiers, {rows['events']:,} events"
    )


def timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def time_pages(db: Path, token: str, runs: int) -> dict[str, float]:
    opened = time.perf_counter()
    with Workspace.open(db) as ws:
        print(f"opening the workspace took {time.perf_counter() - opened:.0f} s", flush=True)
        app = create_app(ws)
        app.include_router(web.router)
        with TestClient(app) as client:
            client.post("/login", data={"token": token})
            counted = timed(lambda: web.routes.count_overview(ws))
            print(f"overview figures (counted off the request path) take {counted:.1f} s", flush=True)
            overview_ready(client)
            csrf = client.get("/segments/new").text.split('name="csrf-token" content="')[1].split('"')[0]
            pages = {
                "overview /": ("GET", "/", None),
                "profiles list": ("GET", "/profiles", None),
                "profiles by revenue": ("GET", "/profiles?sort=revenue", None),
                "profile 360": ("GET", "/profiles/1", None),
                "search by email": ("GET", "/search?q=person42@example.org", None),
                "timeline page": ("GET", "/profiles/1/timeline", None),
                "segments list": ("GET", "/segments", None),
                "segment page": ("GET", "/segments/1", None),
                "segment builder": ("GET", "/segments/new", None),
                "preview (live)": ("POST", "/segments/preview", {"condition": "revenue >= 100"}),
                "personas": ("GET", "/personas", None),
                "persona members": ("GET", "/personas/0", None),
                "campaigns list": ("GET", "/campaigns", None),
                "campaign page": ("GET", f"/campaigns/{CAMPAIGN}", None),
                "review queue": ("GET", "/review", None),
                "erase (confirm)": ("GET", "/profiles/2/erase", None),
                "access export": ("GET", "/profiles/2/export", None),
                "audit log": ("GET", "/audit", None),
                "audit filtered": ("GET", "/audit?action=consent&target=profile:1", None),
            }
            return {
                name: median_ms(client, method, url, body, csrf, runs) for name, (method, url, body) in pages.items()
            }


def overview_ready(client: TestClient) -> None:
    """Wait until the overview shows counted figures (its first count runs in the background)."""
    while "Figures as of" not in client.get("/").text:
        time.sleep(0.2)


def median_ms(client: TestClient, method: str, url: str, body: Any, csrf: str, runs: int) -> float:
    samples = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        answer = client.request(method, url, json=body, headers={"X-CSRF-Token": csrf}, follow_redirects=False)
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code in (200, 303), (url, answer.status_code, answer.text[:300])
    return statistics.median(samples[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="folder to build in (or reuse)")
    parser.add_argument("--copies", type=int, default=1, help="grow the built workspace K-fold with SQL")
    parser.add_argument("--resolve-max", type=int, default=200_000, help="skip resolve above this many profiles")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="p360-bench-ui-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "ws.duckdb"
    token_file = folder / "token.txt"
    if not db.exists():
        token, seconds = build(db, args.profiles)
        token_file.write_text(token)
        print(f"built {args.profiles:,} profiles ({args.profiles * 4:,} events) in {seconds:.0f} s")
        steps = furnish(db, args.profiles, args.resolve_max)
        print("furnished: " + ", ".join(f"{name} {s:.1f} s" for name, s in steps.items()))
    grown = folder / f"grown-{args.copies}"
    if args.copies > 1 and not grown.exists():
        grow(db, args.copies)
        grown.touch()
    opened = time.perf_counter()
    figures = time_pages(db, token_file.read_text(), args.runs)
    print(f"(opening the workspace and timing took {time.perf_counter() - opened:.0f} s)")
    print(f"{'page':<22}{'median ms':>10}")
    for name, ms in figures.items():
        print(f"{name:<22}{ms:>10.1f}{'  > 300 ms' if ms > 300 else ''}")


if __name__ == "__main__":
    main()
