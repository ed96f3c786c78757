"""Segment calls stamped with a test clock."""

from __future__ import annotations

from typing import Any

from persona360.clock import FixedClock


def at(clock: FixedClock, **message: Any) -> dict[str, Any]:
    """A Segment call whose timestamp is the test clock's now."""
    return {"timestamp": clock.now().isoformat(), **message}
