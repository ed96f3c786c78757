"""Activation benchmark: messages rendered and handed to a real SMTP server per second.

Builds a workspace of N seeded synthetic profiles that all consent to marketing email
(``consent_default_allow`` includes ``marketing`` here), a segment of all of them and a
campaign with no control arm, then times ``ws.activation.send``: queueing (consent,
address, cap, quiet hours, render) and delivery to an aiosmtpd server on loopback.

Run with ``.venv/bin/python bench/activation.py [--profiles N]``. Never part of the test
run; needs no network.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from persona360 import Workspace
from persona360.activation import CampaignSpec
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

TEMPLATE = """Subject: {{ greeting() }}, ваш кошик чекає

{{ g("Дорогий", "Дорога", "Вітаємо,") }} {{ greeting() }}!
У кошику: {{ event.name }} за {{ money(event.price) }}.
Повернутися: {{ link("https://shop.example/cart") }}
"""
NAMES = ["Олена", "Тарас", "Ірина", "Микола", "Саша"]
NOW = datetime(2026, 11, 1, 10, tzinfo=UTC)


class _Count:
    received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        self.received += 1
        return "250 OK"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workspace(folder: Path, n: int, port: int) -> Workspace:
    settings = load_settings(
        db=folder / "bench.duckdb",
        smtp_port=port,
        activation_rate_per_second=0,
        consent_default_allow=["transactional", "analytics", "marketing"],
    )
    ws = Workspace(settings, FixedClock(NOW), create=True)
    ws.access.add_source("web")
    stamp = NOW.isoformat()
    calls: list[dict[str, Any]] = []
    for i in range(n):
        traits = {"email": f"user{i}@bench.example", "first_name": NAMES[i % len(NAMES)]}
        calls.append({"type": "identify", "userId": f"u{i}", "timestamp": stamp, "traits": traits})
        calls.append(
            {
                "type": "track",
                "userId": f"u{i}",
                "timestamp": stamp,
                "event": "Product Added",
                "properties": {"name": "Кросівки", "price": 1999},
            }
        )
    ws.ingest.send("web", calls)
    ws.segments.create(SegmentSpec("carts", 'count("Product Added") >= 1'))
    ws.activation.create(CampaignSpec("bench", "carts", TEMPLATE, control_share=0, event="Product Added"))
    return ws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=1000)
    args = parser.parse_args()
    handler, port = _Count(), _port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            ws = _workspace(Path(folder), args.profiles, port)
            started = time.perf_counter()
            counts = ws.activation.send("bench")
            seconds = time.perf_counter() - started
            ws.close()
    finally:
        controller.stop()
    print(
        f"profiles {args.profiles}: queued {counts['queued']}, sent {counts['sent']}, "
        f"received by SMTP {handler.received}"
    )
    print(f"send run {seconds:.2f} s -> {counts['sent'] / seconds:.0f} messages/s (render + SMTP, one connection)")


if __name__ == "__main__":
    main()
