"""Importers: CSV, Parquet, JSON Lines; reject files; idempotent re-import; guardrails."""

from __future__ import annotations

import csv
import gc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from persona360 import Workspace
from persona360.errors import InvalidEventError, MappingError
from persona360.ingest.importers import run
from persona360.ingest.importers.mapping import parse_mapping
from persona360.ingest.importers.rows import RowContext
from persona360.store.files import ExportFile

CUSTOMERS = """email,phone,first_name,signed_up,vip
jane@x.org,067 123 45 67,Jane,2026-01-05,yes
,,Nobody,2026-01-06,no
not-an-email,,Broken,2026-01-07,no
bob@x.org,,Bob,2026-02-30,no
bob@x.org,,Bob,2026-01-08,no
"""
CUSTOMER_MAP = ["email=email", "phone=phone", "first_name=trait:firstName", "signed_up=timestamp"]


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_rows_go_to_the_reject_file_with_line_and_reason(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path, "customers.csv", CUSTOMERS)
    report = workspace.ingest.import_file(path, source="crm", kind="customers", mapping=parse_mapping(CUSTOMER_MAP))
    assert (report.rows, report.stored, report.rejected) == (5, 2, 3)
    with open(report.rejects_path or "", encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert [r["line"] for r in rejects] == ["3", "4", "5"]
    assert "no identifier" in rejects[0]["reason"]
    assert rejects[1]["reason"] == (
        "the row has no valid identifier: column 'email' holds 'not-an-email', not a valid email"
    )
    assert "'signed_up' holds '2026-02-30', not a time" in rejects[2]["reason"]
    profile = workspace.profiles.show(workspace.profiles.find("email", "jane@x.org"))
    unmapped = workspace.profiles.timeline(profile["profile_id"])["events"][0]["properties"]
    assert unmapped == {"vip": "yes"}
    assert profile["traits"]["firstName"]["value"] == "Jane"
    assert profile["traits"]["phone"]["value"] == "+380671234567"


def test_reimporting_the_same_file_stores_nothing_new(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path, "customers.csv", CUSTOMERS)
    mapping = parse_mapping(CUSTOMER_MAP)
    workspace.ingest.import_file(path, source="crm", kind="customers", mapping=mapping)
    events = workspace.db.scalar("SELECT count(*) FROM events")
    again = workspace.ingest.import_file(path, source="crm", kind="customers", mapping=mapping)
    assert (again.stored, again.duplicates) == (0, 2)
    assert gc.isenabled(), "an import pauses the cycle collector and must resume it"
    assert workspace.db.scalar("SELECT count(*) FROM events") == events


def test_orders_with_line_items_become_one_order_each(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        ("A-1", "2026-03-01 10:00:00", "c1", "SKU-1", "10", "2"),
        ("A-2", "2026-03-02 10:00:00", "c2", "SKU-9", "99", "1"),
        ("A-1", "2026-03-01 10:00:00", "c1", "SKU-2", "5", "1"),
    ]
    table = pa.table(
        {
            name: [r[i] for r in rows]
            for i, name in enumerate(["order_id", "ordered_at", "customer", "sku", "price", "qty"])
        }
    )
    path = tmp_path / "orders.parquet"
    pq.write_table(table, path)
    mapping = parse_mapping(
        [
            "order_id=order_id",
            "ordered_at=timestamp",
            "customer=id:shop",
            "sku=item:sku",
            "price=item:price",
            "qty=item:quantity",
        ]
    )
    report = workspace.ingest.import_file(path, source="shop", kind="orders", mapping=mapping)
    assert (report.rows, report.records, report.stored) == (3, 2, 2)
    profile = workspace.profiles.show(workspace.profiles.find("id:shop", "c1"))
    assert (profile["orders_count"], profile["revenue"]) == (1, 25.0)
    event = workspace.profiles.timeline(profile["profile_id"])["events"][0]
    assert [p["sku"] for p in event["properties"]["products"]] == ["SKU-1", "SKU-2"]


def test_json_lines_events_with_an_event_column(workspace: Workspace, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.jsonl",
        '{"user": "u1", "what": "Survey Answered", "at": "2026-04-01T10:00:00Z", "nps": 9}\n'
        '{"user": "u1", "what": "", "at": "2026-04-01T10:00:00Z", "nps": 3}\n',
    )
    mapping = parse_mapping(["user=user_id", "what=event", "at=timestamp"])
    report = workspace.ingest.import_file(path, source="survey", kind="events", mapping=mapping)
    assert (report.stored, report.rejected) == (1, 1)
    assert "event rows need a name" in report.rejects_sample[0]["reason"]
    page = workspace.profiles.timeline(workspace.profiles.find("user_id", "u1"))
    assert page["events"][0]["properties"] == {"nps": 9}


def test_shop_test_email_on_many_orders_does_not_fuse_customers(workspace: Workspace, tmp_path: Path) -> None:
    lines = ["order_id,at,customer,email"] + [
        f"T-{n},2026-05-0{n} 10:00:00,cust-{n},test@example.com" for n in range(1, 6)
    ]
    path = write(tmp_path, "orders.csv", "\n".join(lines) + "\n")
    mapping = parse_mapping(["order_id=order_id", "at=timestamp", "customer=id:shop", "email=email"])
    workspace.ingest.import_file(path, source="shop", kind="orders", mapping=mapping)
    profiles = {workspace.profiles.find("id:shop", f"cust-{n}") for n in range(1, 6)}
    assert len(profiles) == 5
    blocked = workspace.db.query("SELECT count(*) FROM identity_log WHERE code = 'merge_blocked'")
    assert blocked[0][0] == 5


@pytest.mark.parametrize(
    ("name", "content", "flags", "kind", "error", "message"),
    [
        ("missing.csv", None, ["email=email"], "customers", InvalidEventError, "does not exist"),
        ("data.xlsx", "x", ["email=email"], "customers", InvalidEventError, "cannot tell the format"),
        ("bad.parquet", "not parquet", ["email=email"], "customers", InvalidEventError, "cannot be read as parquet"),
        ("c.csv", "email\na@x.org\n", ["mail=email"], "customers", MappingError, "names column\\(s\\) 'mail'"),
        (
            "o.csv",
            "id,at\n1,2026-01-01\n",
            ["at=timestamp"],
            "orders",
            MappingError,
            "needs a column mapped to 'order_id'",
        ),
        ("c.csv", "email\na@x.org\n", ["email=email"], "people", MappingError, "kind 'people' is not one of"),
    ],
)
def test_bad_files_are_refused_before_anything_is_written(
    workspace: Workspace,
    tmp_path: Path,
    name: str,
    content: str | None,
    flags: list[str],
    kind: str,
    error: type[Exception],
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(error, match=message):
        workspace.ingest.import_file(path, source="crm", kind=kind, mapping=parse_mapping(flags))
    assert workspace.db.scalar("SELECT count(*) FROM events") == 0
    assert gc.isenabled(), "an import pauses the cycle collector and must resume it, also when it fails"


@pytest.mark.parametrize("by_rows", [False, True], ids=["columns", "rows"])
def test_without_progress_the_rows_read_are_counted_and_the_file_is_not_read_again(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_rows: bool
) -> None:
    def counted(_: ExportFile) -> int:
        raise AssertionError("the file was counted in a pass of its own")

    monkeypatch.setattr(run, "BLOCK_ROWS", 2)  # rows read over several blocks
    monkeypatch.setattr(ExportFile, "rows", property(counted))
    path = write(tmp_path, "customers.csv", CUSTOMERS)
    ctx = RowContext(parse_mapping(CUSTOMER_MAP), "customers", 1, "crm", workspace.clock.now(), "UA", None)
    report = run.import_file(workspace.writer, path, ctx, by_rows=by_rows)
    assert (report.rows, report.records, report.rejected) == (5, 2, 3)


def test_the_progress_callback_advances_to_the_row_count(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "BLOCK_ROWS", 2)
    monkeypatch.setattr(run, "PROGRESS_ROWS", 2)
    path = write(tmp_path, "customers.csv", CUSTOMERS)
    calls: list[tuple[int, int]] = []
    workspace.ingest.import_file(
        path,
        source="crm",
        kind="customers",
        mapping=parse_mapping(CUSTOMER_MAP),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert len(calls) > 2, calls
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (5, 5)


@pytest.mark.parametrize("by_rows", [False, True], ids=["column path", "row path"])
def test_a_customers_file_without_times_makes_no_one_look_active(
    workspace: Workspace, tmp_path: Path, by_rows: bool
) -> None:
    """Its rows are stored at the import's time, when we learnt of them, which is no activity of theirs."""
    workspace.access.add_source("web")
    seen = "2026-10-01T10:00:00+00:00"
    workspace.ingest.send("web", [{"type": "track", "userId": "u1", "event": "Product Viewed", "timestamp": seen,
                                   "context": {"traits": {"email": "jane@x.org"}}}])  # fmt: skip
    path = write(tmp_path, "handles.csv", "email,instagram\njane@x.org,@jane\nnew@x.org,@newbie\n")
    mapping = parse_mapping(["email=email", "instagram=handle:instagram"])
    source = workspace.access.ensure_source("social")
    ctx = RowContext(mapping, "customers", source.source_id, source.name, workspace.clock.now(), "UA", None)
    report = run.import_file(workspace.writer, path, ctx, by_rows=by_rows)
    assert report.stored == 2
    jane, newbie = (workspace.profiles.show(workspace.profiles.find("email", e)) for e in ("jane@x.org", "new@x.org"))
    assert (jane["first_seen"].isoformat(), jane["last_seen"].isoformat()) == (seen, seen)  # not the import's time
    assert (newbie["first_seen"], newbie["last_seen"]) == (None, None)
    assert "instagram" in str(newbie["identifiers"])  # stored and stitched all the same
    (row,) = workspace.profiles.timeline(newbie["profile_id"])["events"]
    assert row["timestamp"] == workspace.clock.now()  # the timeline says when it came in
    workspace.profiles.rebuild()
    again = workspace.profiles.show(workspace.profiles.find("email", "jane@x.org"))
    assert (again["first_seen"], again["last_seen"]) == (jane["first_seen"], jane["last_seen"])
