"""The column path of an import stores exactly what the row path stores, rejects included.

The row path (``by_rows=True``) is the reference: each test imports the same dirty file
both ways into two fresh workspaces with the same clock and compares every table the
import writes, the reject file line by line, and what a second import of the file adds
(nothing). Blocks are made tiny so that orders cross block boundaries.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.ingest.importers import run
from persona360.ingest.importers.bulk import BulkOrders
from persona360.ingest.importers.bulk_plan import bulk_plan
from persona360.ingest.importers.mapping import parse_mapping
from persona360.ingest.importers.rows import RowContext
from persona360.settings import load_settings
from persona360.store.files import ExportFile, FileFormatError

# The row path (the reference), the column path, and the set-based path (orders CSVs
# only; any other file takes the column path there too).
WAYS = ("rows", "columns", "sql")
TABLES = (
    "events",
    "identifiers",
    "edges",
    "identity_log",
    "profile_redirects",
    "profiles",
    "profile_traits",
    "trait_values",
    "orders",
    "anchor_stats",
    "anchor_tags",
    "anchor_event_counts",
)

# A shop's orders export as it comes: lines of one order apart from each other, an
# order whose id is blank, prices with a comma or not a number, a time that is not one
# and one in the future, emails in every case and with spaces, phones in local and
# international spelling, a shop test email on several customers (blocklisted), a
# customer without any identifier, a quoted cell with a comma.
ORDERS = """order_id,ordered_at,customer_id,email,phone,sku,unit_price,quantity,order_total,note
A-1,2026-03-01 10:00:00,c1, Jane.Doe@Gmail.com ,067 123 45 67,SKU-1,10,2,25.50,"gift, wrapped"
A-2,2026-03-02 11:00:00,c2,bob@x.org,+380501112233,SKU-9,"99,5",1,99.5,
A-1,2026-03-01 10:00:00,c1,jane.doe@gmail.com,,SKU-2,5.5,1,25.50,
A-3,2026-03-03 12:00:00,c3,BOB@X.ORG,0501112233,SKU-3,abc,1,3,
A-4,not a time,c4,dana@x.org,,SKU-4,1,1,1,
,2026-03-04 09:00:00,c5,erin@x.org,,SKU-5,1,1,1,
A-5,2026-03-05 09:00:00,c6,test@example.com,,SKU-6,2,3,6,
A-6,2026-03-06 09:00:00,c7,test@example.com,0000000000,SKU-6,2,1,2,
A-7,2026-03-07 09:00:00,,,,SKU-7,2,1,2,
A-8,2030-01-01 09:00:00,c8,fred@x.org,,SKU-8,2,1,2,
A-9,2026-03-09 09:00:00,c1,not-an-email,+44 20 7946 0958,SKU-9,1e2,2,200,
A-2,2026-03-02 11:00:00,c2,bob@x.org,,SKU-10,1,1,99.5,
A-10,2026-03-10 09:00:00,c9,gina@x.org,12,SKU-1,3,,3,
A-11,2026-03-11 09:00:00,c10,hal@x.org,,SKU-1,3,2,six,
A-12,2026-03-12 09:00:00,C1,,,SKU-1,3,1,3,
"""
ORDER_MAP = [
    "order_id=order_id",
    "ordered_at=timestamp",
    "customer_id=id:shop",
    "email=email",
    "phone=phone",
    "sku=item:sku",
    "unit_price=item:price",
    "quantity=item:quantity",
    "order_total=prop:total",
    "note=prop:gift_note",
]

# An export SQL can shape for the most part, with the cells it must leave to the row path
# among them: times spelled four ways, orders without a total (the revenue is the sum of
# their items, a missing price counting 0 and a missing or zero quantity 1), an order
# with no item at all, a currency, a trait and an unmapped column, numbers that are not
# spelled as their JSON ("007", "-0", "1.50", "2e1"), a quoted multi-line note, text with
# quotes, a backslash or non-ASCII letters, an order id that differs only by spaces from
# another one (the first one stored wins), and one customer's identifiers spread over
# several orders (merges).
MOSTLY_CLEAN = """\
order_id,ordered_at,customer_id,email,phone,sku,unit_price,quantity,order_total,currency,tier,channel,skip
B-1,2026-03-01T10:00:00Z,c1,Ann@X.org,+380501112233,SKU-1,10,2,,UAH,gold,web,x
B-1,2026-03-01T10:00:00Z,c1,Ann@X.org,+380501112233,SKU-2,0.5,,,UAH,gold,web,x
B-2,2026-03-02 11:00:00,c2,bo@x.org,,SKU-3,,3,,EUR,,app,
B-3,2026-03-03,c3,cy@x.org,0501112234,,,,,,silver,,
B-4,2026-03-04T09:00:00+02:00,c4,,12,SKU-4,-5.25,1,-5.25,UAH,,,
B-5,2026-03-05T09:00:00Z,c1,ann@x.org,,SKU-5,007,1,7,UAH,gold,web,
B-6,2026-03-06T09:00:00Z,c5,di@x.org,,SKU-6,3,-0,3,UAH,,web,
B-7,2026-03-07T09:00:00Z,c6,ed@x.org,,SKU-7,1.50,1,1.5,UAH,,web,
B-8,2026-03-08T09:00:00Z,c7,fi@x.org,,SKU-8,2e1,1,20,UAH,,web,
B-9,2026-03-09T09:00:00Z,c8,gu@x.org,,SKU-9,1,1,1,UAH,,"web
shop",
B-10,2026-03-10T09:00:00Z,c9,Ha@x.org,,"SKU ""10"" x",1,1,1,UAH,,web,
B-11,2026-03-11T09:00:00Z,c10,io@x.org,,SKU-11,1,1,1,UAH,Zoë,web,
B-12,2026-03-12T09:00:00Z,c11,ju@x.org,,SKU\\12,1,1,1,UAH,,web,
 B-2,2026-03-12T09:00:00Z,c12,ka@x.org,,SKU-13,1,1,1,UAH,,web,
B-13,2026-03-13T09:00:00Z,c2,ann@x.org,+380501112233,SKU-14,0,0,0.0,UAH,,web,
B-14,2026-03-14T09:00:00.5Z,c13,lu@x.org,,SKU-15,1,1,1,UAH,,web,
B-15,2026-03-15T09:00:00Z,,,,SKU-16,1,1,1,UAH,,web,
B-16,2026-03-16T09:00:00Z,c14,,,SKU-17,1,1,,,,web,
"""
MOSTLY_CLEAN_MAP = [flag for flag in ORDER_MAP if not flag.startswith("note=")] + ["tier=trait:tier", "skip=ignore"]

# Orders whose later lines carry a valid phone no first line has, an invalid one,
# another spelling of a first line's number, and a phone where the first line has none.
LATER_PHONES = """\
order_id,ordered_at,email,phone,sku
P-1,2026-03-01T10:00:00Z,a@x.org,+380501112233,SKU-1
P-1,2026-03-01T10:00:00Z,a@x.org,+380671234567,SKU-2
P-1,2026-03-01T10:00:00Z,a@x.org,12,SKU-3
P-2,2026-03-02T10:00:00Z,b@x.org,,SKU-1
P-2,2026-03-02T10:00:00Z,b@x.org,0931112233,SKU-2
P-3,2026-03-03T10:00:00Z,c@x.org,12,SKU-1
P-3,2026-03-03T10:00:00Z,c@x.org,050 111 22 33,SKU-2
"""

CUSTOMERS = """email,phone,instagram,first_name,signed_up,vip
jane@x.org,067 123 45 67,@Jane_Doe,Jane,2026-01-05,yes
,,,Nobody,2026-01-06,no
not-an-email,,,Broken,2026-01-07,no
bob@x.org,,https://instagram.com/Bobby,Bob,2026-02-30,no
bob@x.org,,,Bob,2026-01-08,no
BOB@x.org ,,bobby,Bob,,no
jane@x.org,067 123 45 67,@Jane_Doe,Jane,2026-01-05,yes
"""
CUSTOMER_MAP = [
    "email=email",
    "phone=phone",
    "instagram=handle:instagram",
    "first_name=trait:firstName",
    "signed_up=timestamp",
]


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 4 rows, so that the lines of one order land in different blocks; 3 orders a commit."""
    monkeypatch.setattr(run, "BLOCK_ROWS", 4)
    monkeypatch.setattr(run, "WRITE_CHUNK", 3)


def open_workspace(folder: Path, clock: FixedClock) -> Workspace:
    folder.mkdir()
    return Workspace(load_settings(db=folder / "ws.duckdb"), clock, create=True)


def import_both_ways(
    tmp_path: Path,
    clock: FixedClock,
    path: Path,
    kind: str,
    flags: list[str],
    event: str | None = None,
    ways: tuple[str, ...] = WAYS,
) -> Iterator[tuple[Workspace, run.ImportReport, list[list[str]], run.ImportReport]]:
    """Import ``path`` each way (twice); yield per way: ws, report, rejects, second report."""
    for way in ways:
        by_rows, by_sql = way == "rows", way == "sql"
        ws = open_workspace(tmp_path / way, clock)
        source = ws.access.ensure_source("shop")
        ctx = RowContext(parse_mapping(flags), kind, source.source_id, source.name, clock.now(), "UA", event)
        rejects = tmp_path / f"rejects_{way}.csv"
        report = run.import_file(ws.writer, path, ctx, rejects_path=rejects, by_rows=by_rows, by_sql=by_sql)
        lines = list(csv.reader(rejects.read_text(encoding="utf-8").splitlines())) if rejects.exists() else []
        again = run.import_file(
            ws.writer, path, ctx, rejects_path=tmp_path / "again.csv", by_rows=by_rows, by_sql=by_sql
        )
        yield ws, report, lines, again
        ws.close()


def snapshot(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    return {table: ws.db.query(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}


def assert_same_import(tmp_path: Path, clock: FixedClock, path: Path, kind: str, flags: list[str]) -> None:
    results = []
    for ws, report, rejects, again in import_both_ways(tmp_path, clock, path, kind, flags):
        results.append((snapshot(ws), report, rejects, again))
    rows_tables, rows_report, rows_rejects, rows_again = results[0]
    assert rows_tables["events"], "the file stored nothing: the comparison would be empty"
    keys = ("rows", "records", "stored", "duplicates", "rejected", "rejects_sample")
    for way, (tables, report, rejects, again) in zip(WAYS[1:], results[1:], strict=True):
        for table in TABLES:
            assert tables[table] == rows_tables[table], (way, table)
        assert rejects == rows_rejects, way
        assert [getattr(report, k) for k in keys] == [getattr(rows_report, k) for k in keys], way
        assert (again.stored, again.duplicates) == (0, report.records), way
    assert (rows_again.stored, rows_again.duplicates) == (0, rows_report.records)


def assert_same_orders(tmp_path: Path, clock: FixedClock, text: str, flags: list[str]) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    assert_same_import(tmp_path, clock, path, "orders", flags)


def test_a_dirty_orders_csv_ends_the_same_both_ways(tmp_path: Path, clock: FixedClock, small_blocks: None) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    assert_same_import(tmp_path, clock, path, "orders", ORDER_MAP)


def test_mostly_clean_orders_end_the_same_every_way(tmp_path: Path, clock: FixedClock, small_blocks: None) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(MOSTLY_CLEAN, encoding="utf-8")
    assert_same_import(tmp_path, clock, path, "orders", MOSTLY_CLEAN_MAP)


def test_orders_without_a_total_end_the_same_every_way(tmp_path: Path, clock: FixedClock, small_blocks: None) -> None:
    """Without a total column, every order's revenue is the sum of its items."""
    path = tmp_path / "orders.csv"
    path.write_text(MOSTLY_CLEAN, encoding="utf-8")
    flags = [flag for flag in MOSTLY_CLEAN_MAP if not flag.startswith("order_total")] + ["order_total=ignore"]
    assert_same_import(tmp_path, clock, path, "orders", flags)


def test_columns_named_like_the_sql_s_own_end_the_same_every_way(tmp_path: Path, clock: FixedClock) -> None:
    text = (
        "id,at,mail,n,ordinal,line,oid,v\n"
        "O-1,2026-03-01T10:00:00Z,a@x.org,1,2,3,4,5\n"
        "O-1,2026-03-01T10:00:00Z,a@x.org,6,7,8,9,10\n"
        "O-2,2026-03-02T10:00:00Z,b@x.org,,,,,\n"
    )
    flags = ["id=order_id", "at=timestamp", "mail=email", "v=item:sku", "line=item:quantity"]
    assert_same_orders(tmp_path, clock, text, flags)


def test_phones_only_on_an_order_s_later_lines_end_the_same_every_way(tmp_path: Path, clock: FixedClock) -> None:
    """The set-based path normalises every phone of the file, but an order takes its first line's only."""
    flags = ["order_id=order_id", "ordered_at=timestamp", "email=email", "phone=phone", "sku=item:sku"]
    assert_same_orders(tmp_path, clock, LATER_PHONES, flags)
    with Workspace(load_settings(db=tmp_path / "sql" / "ws.duckdb"), clock) as ws:
        phones = ws.db.query("SELECT value FROM identifiers WHERE kind = 'phone' ORDER BY value")
    assert phones == [("+380501112233",)]


def test_an_orders_file_without_rows_stores_nothing_every_way(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS.splitlines()[0] + "\n", encoding="utf-8")
    for ws, report, rejects, again in import_both_ways(tmp_path, clock, path, "orders", ORDER_MAP):
        assert (report.records, report.stored, report.rejected, rejects, again.stored) == (0, 0, 0, [], 0)
        assert ws.db.scalar("SELECT count(*) FROM events") == 0


def test_the_set_based_path_takes_most_orders_and_leaves_the_doubtful_ones(tmp_path: Path, clock: FixedClock) -> None:
    """The comparisons above would pass if SQL took nothing: check what it takes."""
    path = tmp_path / "orders.csv"
    path.write_text(MOSTLY_CLEAN, encoding="utf-8")
    ctx = RowContext(parse_mapping(MOSTLY_CLEAN_MAP), "orders", 2, "shop", clock.now(), "UA", None)
    export = ExportFile(path)
    try:
        plan = bulk_plan(ctx, export.columns, export.format)
        assert plan is not None
        left: list[str] = []
        batches = list(BulkOrders(export, ctx, plan).batches(1000, lambda rows: left.append(rows[0]["order_id"])))
        assert export._rows == 18  # counted by the pass that groups the file, not by a second read
    finally:
        export.close()
    taken = batches[0][1].rows.column("order_id").to_pylist()
    assert set(left) == {" B-2", "B-10", "B-11", "B-12", "B-14", "B-15", "B-5", "B-6", "B-7", "B-8", "B-9"}
    assert set(taken) == {"B-1", "B-13", "B-16", "B-2", "B-3", "B-4"}


def test_an_erased_customer_is_screened_out_every_way(tmp_path: Path, clock: FixedClock) -> None:
    """The privacy screen drops a later import's orders of an erased person, on every path."""
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(MOSTLY_CLEAN, encoding="utf-8")
    second.write_text(MOSTLY_CLEAN.replace("B-", "C-"), encoding="utf-8")
    results = []
    for way in WAYS:
        ws = open_workspace(tmp_path / way, clock)
        source = ws.access.ensure_source("shop")
        ctx = RowContext(
            parse_mapping(MOSTLY_CLEAN_MAP), "orders", source.source_id, source.name, clock.now(), "UA", None
        )
        paths = {"by_rows": way == "rows", "by_sql": way == "sql"}
        run.import_file(ws.writer, first, ctx, rejects_path=tmp_path / "first.rejects.csv", **paths)
        ann = ws.db.scalar("SELECT profile_id FROM identifiers WHERE kind = 'email' AND value = 'ann@x.org'")
        ws.privacy.erase(int(ann), actor="test")
        report = run.import_file(ws.writer, second, ctx, rejects_path=tmp_path / f"{way}.rejects.csv", **paths)
        rejects = (tmp_path / f"{way}.rejects.csv").read_text(encoding="utf-8")
        results.append((snapshot(ws), report.stored, report.duplicates, rejects))
        ws.close()
    assert results[0][1] < 15, "the erased customer's orders were not screened out"
    for way, result in zip(WAYS[1:], results[1:], strict=True):
        for table in TABLES:
            assert result[0][table] == results[0][0][table], (way, table)
        assert result[1:] == results[0][1:], way


@pytest.mark.parametrize(
    ("flags", "why"),
    [
        (["note=consent:marketing"], "consent columns are read per record by the privacy room"),
        (["note=message_id"], "a message id column"),
        (["note=email", "order_total=email"], "two columns of one identifier role"),
        (["note=prop:order_id"], "a property named like the one the importer sets"),
        (["note=trait:email"], "a trait named like an identifier's trait"),
    ],
)
def test_mappings_the_set_based_path_leaves_to_the_column_path(flags: list[str], why: str, clock: FixedClock) -> None:
    mapping = [flag for flag in ORDER_MAP if not flag.startswith(("note=", "order_total="))] + flags
    ctx = RowContext(parse_mapping(mapping), "orders", 2, "shop", clock.now(), "UA", None)
    columns = ORDERS.splitlines()[0].split(",")
    assert bulk_plan(ctx, columns, "csv") is None, why
    assert (
        bulk_plan(
            RowContext(parse_mapping(ORDER_MAP), "orders", 2, "shop", clock.now(), "UA", None), columns, "parquet"
        )
        is None
    )


def test_the_dirty_orders_reject_the_rows_they_should(tmp_path: Path, clock: FixedClock, small_blocks: None) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    ws, report, rejects, _ = next(iter(import_both_ways(tmp_path, clock, path, "orders", ORDER_MAP)))
    ws.close()
    reasons = {int(line): reason for line, reason, _ in rejects[1:]}
    assert sorted(reasons) == [5, 6, 7, 10, 11, 15]
    assert "'unit_price' holds 'abc', not a number" in reasons[5]
    assert "'ordered_at' holds 'not a time'" in reasons[6]
    assert "the order id) is empty" in reasons[7]
    assert "no identifier" in reasons[10]
    assert "in the future" in reasons[11]
    assert "'total' holds 'six', not a number" in reasons[15]
    assert report.stored == 7


def test_a_dirty_customers_csv_ends_the_same_both_ways(tmp_path: Path, clock: FixedClock, small_blocks: None) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    assert_same_import(tmp_path, clock, path, "customers", CUSTOMER_MAP)


def test_typed_parquet_events_end_the_same_both_ways(tmp_path: Path, clock: FixedClock, small_blocks: None) -> None:
    table = pa.table(
        {
            "user": ["u1", "u2", None, "u1", " u3 ", "u4"],
            "email": ["A@x.org", None, "c@x.org", "a@x.org", "bad", "d@x.org"],
            "event": ["Signed Up", "Viewed", "Viewed", None, "Viewed", "Bought"],
            "at": pa.array([1_767_000_000_000_000 + n * 3_600_000_000 for n in range(6)], pa.timestamp("us")),
            "score": pa.array([9, 7, None, 3, 1, 10], pa.int64()),
            "price": pa.array([1.5, None, 2.0, 3.25, 0.0, 8.0], pa.float64()),
            "day": pa.array([None, None, 19_000, 19_001, None, 19_002], pa.date32()),
        }
    )
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    flags = ["user=user_id", "email=email", "event=event", "at=timestamp", "score=trait:score"]
    assert_same_import(tmp_path, clock, path, "events", flags)


def test_a_csv_broken_past_its_first_lines_is_named_every_way(tmp_path: Path, clock: FixedClock) -> None:
    """The set-based path reads the file only while it groups it: a line DuckDB cannot read is still a clear error.

    The first lines are fine (the dialect is sniffed from them); a line far below has a
    quote that never closes. Every way names the file and stores nothing.
    """
    good = "".join(f"X-{n},2026-03-01T10:00:00Z,c{n},p{n}@x.org,,SKU-1,1,1,1,\n" for n in range(3000))
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS.splitlines()[0] + "\n" + good + "X-9,2026-03-01T10:00:00Z,c9,a,b,c,d,e,f,g,h,i,j,k\n")
    for way in WAYS:
        ws = open_workspace(tmp_path / way, clock)
        source = ws.access.ensure_source("shop")
        ctx = RowContext(parse_mapping(ORDER_MAP), "orders", source.source_id, source.name, clock.now(), "UA", None)
        with pytest.raises(FileFormatError, match=r"orders\.csv cannot be read"):
            run.import_file(ws.writer, path, ctx, by_rows=way == "rows", by_sql=way == "sql")
        assert ws.db.scalar("SELECT count(*) FROM events") == 0, way
        ws.close()
