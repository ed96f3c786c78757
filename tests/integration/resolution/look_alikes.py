"""Profiles that share no identifier but look alike: what the resolver queues for a person to review."""

from __future__ import annotations

from persona360 import Workspace


def send_two_likely_pairs(ws: Workspace, source: str) -> None:
    """Two pairs of look-alike profiles (same name and city, nothing else): queued by ``resolve``, not merged."""
    people = [("u1", "Olena"), ("u2", "Olena"), ("u3", "Taras"), ("u4", "Taras")]
    ws.ingest.send(
        source,
        [
            {"type": "identify", "userId": u, "traits": {"name": f"{n} Shevchuk", "address": {"city": "Kyiv"}}}
            for u, n in people
        ],
    )


def queue_two_likely_pairs(ws: Workspace) -> Workspace:
    """A source ``shop`` sends :func:`send_two_likely_pairs`; ``resolve`` queues both pairs."""
    ws.access.add_source("shop")
    send_two_likely_pairs(ws, "shop")
    assert ws.resolution.resolve().queued == 2
    return ws
