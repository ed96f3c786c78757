"""Fixtures for workspace tests: small hand-written exports of real-looking systems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.ingest.importers.mapping import parse_mapping


def write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def _import_jane(ws: Workspace, tmp: Path) -> None:
    orders = write(
        tmp / "orders.csv",
        """
order_id,ordered_at,customer_id,first_name,last_name,email,phone,sku,unit_price,quantity,order_total
1001,2026-10-01 10:00:00,1234,Jane,Doe,Jane.Doe@gmail.com,,SKU-1,50,2,130
1001,2026-10-01 10:00:00,1234,Jane,Doe,Jane.Doe@gmail.com,,SKU-2,30,1,130
1002,2026-10-02 11:00:00,9999,John,Roe,john@roe.org,,SKU-1,50,1,50
""",
    )
    ws.ingest.import_file(
        orders,
        source="shop",
        kind="orders",
        mapping=parse_mapping(
            [
                "order_id=order_id",
                "ordered_at=timestamp",
                "customer_id=id:shop",
                "email=email",
                "phone=phone",
                "first_name=trait:firstName",
                "last_name=trait:lastName",
                "sku=item:sku",
                "unit_price=item:price",
                "quantity=item:quantity",
                "order_total=prop:total",
            ]
        ),
    )
    contacts = write(
        tmp / "contacts.csv",
        """
email,name,status,phone
JANEDOE@GMAIL.COM ,Jane D.,subscribed,(067) 123-45-67
""",
    )
    ws.ingest.import_file(
        contacts,
        source="email",
        kind="customers",
        mapping=parse_mapping(["email=email", "name=trait:name", "status=trait:email_status", "phone=phone"]),
    )
    social = write(
        tmp / "social.csv",
        """
facebook,display_name,email
@JaneDoe,Jane Doe,jane.doe+fb@gmail.com
""",
    )
    ws.ingest.import_file(
        social,
        source="social",
        kind="customers",
        mapping=parse_mapping(["facebook=handle:facebook", "display_name=trait:name", "email=email"]),
    )
    tickets = write(
        tmp / "tickets.csv",
        """
ticket_id,created_at,phone,topic
T-1,2026-10-05 09:00:00,+380671234567,delivery late
""",
    )
    ws.ingest.import_file(
        tickets,
        source="support",
        kind="events",
        event_name="Ticket Created",
        mapping=parse_mapping(["ticket_id=message_id", "created_at=timestamp", "phone=phone", "topic=prop:topic"]),
    )


@pytest.fixture
def import_jane() -> Callable[[Workspace, Path], None]:
    """Import Jane Doe's four fragments (shop order, email list, Facebook, support)."""
    return _import_jane
