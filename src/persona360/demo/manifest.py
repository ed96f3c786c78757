"""What the generator wrote and how to import each file: the lead's importer reads this."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from persona360.demo.spec import DemoSpec

ORDERS_MAPPING = {
    "order_id": "order_id", "ordered_at": "timestamp", "customer_id": "id:shop",
    "first_name": "trait:firstName", "last_name": "trait:lastName", "email": "email",
    "phone": "phone", "ship_name": "prop:ship_name", "ship_city": "prop:ship_city",
    "ship_address": "prop:ship_address", "gift_wrap": "prop:gift_wrap", "sku": "item:sku",
    "product_name": "item:name", "brand": "item:brand", "category": "item:category",
    "quantity": "item:quantity", "unit_price": "item:price", "discount_code": "prop:coupon",
    "order_total": "prop:total", "currency": "prop:currency",
    "billing_city": "trait:address.city",
}  # fmt: skip
CONTACTS_MAPPING = {
    "contact_id": "message_id", "email": "email", "name": "trait:name",
    "status": "trait:emailStatus", "consent_date": "timestamp", "sends": "trait:emailSends",
    "opens": "trait:emailOpens", "clicks": "trait:emailClicks",
}  # fmt: skip
TICKETS_MAPPING = {
    "ticket_id": "message_id", "created_at": "timestamp", "phone": "phone", "email": "email",
    "topic": "prop:topic", "satisfaction": "prop:satisfaction", "event": "event",
}  # fmt: skip
SOCIAL_MAPPING = {
    "row_id": "message_id", "instagram": "handle:instagram", "facebook": "handle:facebook",
    "tiktok": "handle:tiktok", "display_name": "trait:name", "email": "email", "phone": "phone",
}  # fmt: skip
# roles of the survey-answer importer (``persona360 surveys import``), not the event importer
SURVEY_MAPPING = {
    "response_id": "message_id", "email": "email", "answered_at": "timestamp",
    "nps": "answer:nps", "cart_abandon_reason": "answer:cart_abandon_reason",
    "shoe_size": "answer:shoe_size", "preferred_category": "answer:preferred_category",
    "event": "ignore",
}  # fmt: skip


@dataclass(frozen=True)
class ManifestFile:
    """One written file.

    Attributes:
        name: file name inside the output folder.
        source: the source to import it as (``None`` for the truth file, never imported).
        kind: ``events``, ``orders``, ``customers``, ``survey`` (answers to the demo's
            survey, see ``survey.py``) or ``truth``.
        format: ``segment-jsonl`` (one Segment message a line), ``csv`` or ``parquet``.
        rows: lines written, not counting the header (order line items for orders).
        records: records the truth file knows (orders, not line items).
        mapping: ``COLUMN -> ROLE`` for the CSV importer; empty for Segment and truth.
        event_name: the event every row becomes, when the file has no event column.
    """

    name: str
    source: str | None
    kind: str
    format: str
    rows: int
    records: int
    mapping: dict[str, str] = field(default_factory=dict)
    event_name: str | None = None


@dataclass(frozen=True)
class Manifest:
    """Everything :func:`~persona360.demo.generate_shop` wrote into ``out_dir``."""

    spec: DemoSpec
    out_dir: Path
    files: tuple[ManifestFile, ...]

    def file(self, name: str) -> ManifestFile:
        """The entry for file ``name`` (e.g. ``"orders.csv"``)."""
        for entry in self.files:
            if entry.name == name:
                return entry
        raise KeyError(f"the demo wrote no file {name!r}; it wrote {[f.name for f in self.files]}")

    def path(self, name: str) -> Path:
        return self.out_dir / self.file(name).name

    @property
    def events(self) -> ManifestFile:
        """The web and app events (``events.jsonl``, or ``events.jsonl.zst`` when compressed)."""
        for entry in self.files:
            if entry.format == "segment-jsonl":
                return entry
        raise KeyError(f"the demo wrote no events file; it wrote {[f.name for f in self.files]}")

    def to_dict(self) -> dict[str, Any]:
        spec = asdict(self.spec)
        spec["end"] = self.spec.end.isoformat()
        return {"spec": spec, "files": [asdict(f) for f in self.files]}

    def write(self) -> Path:
        """Save as ``manifest.json`` next to the files (deterministic: no timings, no paths)."""
        path = self.out_dir / "manifest.json"
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return path
