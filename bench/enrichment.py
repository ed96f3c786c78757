"""Enrichment benchmark: profiles enriched per second with the offline providers.

Builds a workspace of seeded synthetic profiles (first name, email, phone, one page
view with an IP and a user agent) in a temp folder and times ``ws.enrichment.run``
with every built-in provider, then with each alone.

Run with ``.venv/bin/python bench/enrichment.py [--profiles N]``. It is never part of
the test run and needs no network.
"""

from __future__ import annotations

import argparse
import random
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


def _time_run(db: Path, provider: str | None) -> tuple[float, int]:
    with Workspace.open(db, consent_default_allow=["transactional", "enrichment"]) as ws:
        started = time.perf_counter()
        report = ws.enrichment.run(provider)
        return time.perf_counter() - started, report.profiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for provider in [None, *BUILTIN_PROVIDERS]:
            db = Path(folder) / f"{provider or 'all'}.duckdb"
            with Workspace.open(db) as ws:
                ws.access.add_source("shop")
                ws.ingest.send("shop", _messages(args.profiles, random.Random(7)))
            seconds, profiles = _time_run(db, provider)
            print(f"{provider or 'all providers':>14}: {profiles / seconds:8.1f} profiles/s ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
