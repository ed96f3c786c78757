"""Enrichment benchmark: profiles enriched per second with the offline providers.

Builds a workspace of seeded synthetic profiles (first name, email, phone, one page
view with an IP and a user agent) in a temp folder once, then times
``ws.enrichment.run`` on fresh copies of it (a run writes, so each repeat starts from
the same file): every built-in provider together, and with ``--each`` each alone.
Prints the median and the spread of the repeats.

Run with ``.venv/bin/python bench/enrichment.py [--profiles N] [--repeat R] [--each]``.
It is never part of the test run and needs no network.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from persona360 import Workspace
from persona360.enrichment.registry import BUILTIN_PROVIDERS

NAMES = ["Olena", "Taras", "Микола", "Ірина", "Małgorzata", "Paweł", "John", "Mary", "Sasha", "Nikita"]
DOMAINS = ["gmail.com", "ukr.net", "acme.com.ua", "mailinator.com", "wp.pl"]
IPS = ["81.2.69.142", "8.8.8.8", "91.198.174.192", "193.0.6.139", "10.0.0.1"]
AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
]


def _messages(n: int, rng: random.Random) -> list[dict[str, Any]]:
    messages = []
    for i in range(n):
        user = f"u{i}"
        traits = {
            "firstName": rng.choice(NAMES),
            "email": f"p{i}@{rng.choice(DOMAINS)}",
            "phone": f"+38050{rng.randrange(10**7):07d}",
        }
        context = {"ip": rng.choice(IPS), "userAgent": rng.choice(AGENTS)}
        messages.append({"type": "identify", "userId": user, "traits": traits})
        messages.append({"type": "page", "userId": user, "name": "Home", "context": context})
    return messages


def _time_run(db: Path, provider: str | None) -> tuple[float, int, int]:
    with Workspace.open(db, consent_default_allow=["transactional", "enrichment"]) as ws:
        ws.enrichment.provider("phone")  # load provider data outside the timing
        started = time.perf_counter()
        report = ws.enrichment.run(provider)
        return time.perf_counter() - started, report.profiles, report.traits_written


def _bench(template: Path, folder: Path, provider: str | None, repeat: int) -> None:
    rates, written = [], 0
    for i in range(repeat):
        db = folder / f"run-{provider or 'all'}-{i}.duckdb"
        shutil.copy(template, db)
        seconds, profiles, written = _time_run(db, provider)
        rates.append(profiles / seconds)
        db.unlink()
    print(
        f"{provider or 'all providers':>14}: median {statistics.median(rates):8.1f} profiles/s "
        f"(min {min(rates):.1f}, max {max(rates):.1f}, {repeat} runs, {written} traits written per run)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--each", action="store_true", help="also time each provider alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        template = folder / "template.duckdb"
        with Workspace.open(template) as ws:
            ws.access.add_source("shop")
            ws.ingest.send("shop", _messages(args.profiles, random.Random(7)))
        for provider in [None, *(BUILTIN_PROVIDERS if args.each else [])]:
            _bench(template, folder, provider, args.repeat)


if __name__ == "__main__":
    main()
