"""The tables of the personas room, as named migrations (see store/schema.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = []
