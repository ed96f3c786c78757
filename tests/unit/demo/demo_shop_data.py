"""The demo generated once per test session, with lookups the tests share."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from persona360.demo import DemoSpec, Manifest

SPEC = DemoSpec(customers=400, days=90, seed=7)


@dataclass
class Demo:
    spec: DemoSpec
    manifest: Manifest
    events: list[dict[str, Any]]
    truth: dict[tuple[str, str], dict[str, Any]]
    pure: dict[str, str | None]  # person_id -> archetype, for people with only one

    def rows(self, name: str) -> list[dict[str, str]]:
        with open(self.manifest.path(name), newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def person(self, source: str, record_id: str) -> str:
        return str(self.truth[(source, record_id)]["person_id"])

    def primary(self, source: str, record_id: str) -> str | None:
        """The archetype of a pure (single-archetype) person, else None."""
        row = self.truth[(source, record_id)]
        return row["primary_archetype"] if len(row["archetypes"]) == 1 else None

    def orders(self) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in self.rows("orders.csv"):
            grouped[row["order_id"]].append(row)
        return grouped
