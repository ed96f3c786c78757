"""Saved segments: a name, the condition as text and as a JSON tree, and its state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from persona360.errors import NotFoundError
from persona360.segments.nodes import Node, from_json, to_json
from persona360.segments.parse import parse_condition
from persona360.store.database import Database, Transaction

# Letters and digits of any alphabet (a shop in Kyiv names its segments in Ukrainian), then
# also spaces, '_', '.' and '-'; no '/' or quote, so a name is a safe URL part and CLI word.
_NAME = re.compile(r"^[^\W_][\w .-]{0,79}$")


@dataclass(frozen=True)
class SegmentSpec:
    """A segment as a user writes it: a name and a condition (text or JSON tree)."""

    name: str
    condition: str | None = None
    tree: dict[str, Any] | None = None
    description: str = ""

    def node(self) -> Node:
        """The parsed condition; the text wins when both are given."""
        if self.condition is not None:
            return parse_condition(self.condition)
        if self.tree is None:
            raise ValueError("a segment needs a condition (text) or a tree (JSON)")
        node: Node = from_json(self.tree)
        return node


@dataclass(frozen=True)
class Segment:
    segment_id: int
    name: str
    definition: str
    node: Node
    description: str
    created_at: datetime
    evaluated_at: datetime | None
    swept_at: datetime | None = None

    def public(self) -> dict[str, Any]:
        return {
            "segment_id": self.segment_id,
            "name": self.name,
            "definition": self.definition,
            "tree": to_json(self.node),
            "description": self.description,
            "created_at": self.created_at,
            "evaluated_at": self.evaluated_at,
        }


def check_name(name: str) -> str:
    """``name`` when it may name a segment, else a ValueError saying what a name may hold."""
    if not _NAME.match(name):
        raise ValueError(
            f"segment name {name!r} must be 1-80 letters (of any alphabet), digits, spaces, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


def insert_segment(tx: Transaction, spec: SegmentSpec, node: Node, definition: str, now: datetime) -> int:
    if tx.fetchone("SELECT 1 FROM segments WHERE name = ?", [spec.name]):
        raise ValueError(f"a segment named {spec.name!r} already exists")
    row = tx.fetchone("SELECT coalesce(max(segment_id), 0) + 1 FROM segments")
    segment_id = int(row[0])  # type: ignore[index]
    tx.execute(
        "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, TRUE)",
        [
            segment_id,
            spec.name,
            definition,
            orjson.dumps(to_json(node)).decode(),
            spec.description,
            now,
            now,
        ],
    )
    return segment_id


def load_segments(db: Database | Transaction, name_or_id: str | int | None = None) -> list[Segment]:
    """Active segments (all, or the one named or numbered)."""
    sql = (
        "SELECT segment_id, name, definition, tree, description, created_at, evaluated_at, swept_at "
        "FROM segments WHERE active"
    )
    params: list[Any] = []
    if name_or_id is not None:
        sql += " AND (name = ? OR CAST(segment_id AS VARCHAR) = ?)"
        params = [str(name_or_id), str(name_or_id)]
    rows = (
        db.fetchall(sql + " ORDER BY segment_id", params)
        if isinstance(db, Transaction)
        else db.query(sql + " ORDER BY segment_id", params)
    )
    segments = [
        Segment(int(r[0]), r[1], r[2], from_json(orjson.loads(r[3])), r[4] or "", r[5], r[6], r[7]) for r in rows
    ]
    if name_or_id is not None and not segments:
        raise NotFoundError(f"no segment {name_or_id!r}: see `persona360 segments list`")
    return segments
