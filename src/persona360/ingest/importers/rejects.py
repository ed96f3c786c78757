"""The reject file every importer writes: ``line,reason,row``, made only on the first reject.

One bad row must not stop an import, and the user must be able to find and fix it: the
line number in the source file, the reason, and the row as JSON.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson

from persona360.store.files import LINE

SAMPLE = 5  # rejects shown in a report; the file holds them all


class RejectFile:
    """The reject file of one import, created only when a row is rejected."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.sample: list[dict[str, Any]] = []
        self._handle: Any = None
        self._writer: Any = None

    def add(self, row: dict[str, Any], reason: str) -> None:
        if self._writer is None:
            self._handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["line", "reason", "row"])
        line = row.get(LINE)
        content = {key: value for key, value in row.items() if key != LINE}
        self._writer.writerow([line, reason, orjson.dumps(content, default=str).decode()])
        self.count += 1
        if len(self.sample) < SAMPLE:
            self.sample.append({"line": line, "reason": reason})

    def close(self) -> str | None:
        """Close the file; its path, or None when nothing was rejected."""
        if self._handle is None:
            return None
        self._handle.close()
        return str(self.path)
