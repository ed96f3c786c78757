"""Naming personas: their lift profiles matched against an editable archetype table.

The table (``archetypes.toml`` here, or the file the ``personas_archetypes`` setting
names) says which features mark each archetype. A persona's score for an archetype is
the weighted mean of its standardised lift on those features; the confidence is the
softmax of the scores, so it reads as "how much more this archetype than the others".
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from persona360.errors import Persona360Error

DEFAULT_TABLE = Path(__file__).with_name("archetypes.toml")
MATCH_AT = 0.5  # a persona whose best score is lower is not named after an archetype


class ArchetypeTableError(ValueError, Persona360Error):
    """The archetype table cannot be read or is not well formed."""


@dataclass(frozen=True)
class Signal:
    feature: str
    weight: float
    direction: int  # +1 high, -1 low


@dataclass(frozen=True)
class Archetype:
    key: str
    title: str
    description: str
    signals: tuple[Signal, ...]
    triggers: tuple[str, ...]
    offers: tuple[str, ...]


def load_archetypes(path: Path | None = None) -> list[Archetype]:
    """Read and check the archetype table (the packaged one when ``path`` is None)."""
    source = path or DEFAULT_TABLE
    try:
        table = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ArchetypeTableError(f"archetype table {source}: {error}") from None
    return [_archetype(key, entry, source) for key, entry in table.items()]


def _archetype(key: str, entry: Any, source: Path) -> Archetype:
    try:
        signals = tuple(
            Signal(str(s["feature"]), float(s.get("weight", 1.0)), _direction(s.get("direction", "high")))
            for s in entry["signals"]
        )
        return Archetype(
            key,
            str(entry.get("title", key)),
            str(entry.get("description", "")),
            signals,
            tuple(entry.get("triggers", ())),
            tuple(entry.get("offers", ())),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ArchetypeTableError(
            f"archetype table {source}, [{key}]: {error!r}; each entry needs "
            'signals = [{feature = "...", weight = 1.0, direction = "high"|"low"}]'
        ) from None


def _direction(text: str) -> int:
    if text not in ("high", "low"):
        raise ValueError(f"direction={text!r} (use high or low)")
    return 1 if text == "high" else -1


def score_archetypes(lift: dict[str, float], archetypes: list[Archetype]) -> dict[str, float]:
    """Each archetype's score for one persona, from its standardised lift per feature."""
    scores: dict[str, float] = {}
    for archetype in archetypes:
        used = [s for s in archetype.signals if s.feature in lift]
        if not used:
            continue
        total = sum(s.weight for s in used)
        scores[archetype.key] = sum(s.direction * s.weight * lift[s.feature] for s in used) / total
    return scores


def match_archetypes(scores: dict[str, float], top: int = 2) -> list[dict[str, Any]]:
    """The best archetypes, with softmax confidence, best first; empty when none fits."""
    if not scores or max(scores.values()) < MATCH_AT:
        return []
    keys = sorted(scores, key=lambda key: -scores[key])
    weights = np.exp(np.array([scores[key] for key in keys]) * 2.0)
    confidence = weights / weights.sum()
    return [
        {"archetype": key, "score": round(scores[key], 3), "confidence": round(float(conf), 3)}
        for key, conf in zip(keys[:top], confidence[:top], strict=False)
        if scores[key] >= MATCH_AT
    ]
