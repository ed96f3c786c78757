"""The events' JSON columns go to DuckDB typed as Arrow JSON and are stored as written."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from persona360.ingest.record import json_column


def test_json_column_is_stored_as_json_unchanged() -> None:
    texts = ['{"a":1,"b":"\u00e9"}', None, "[1,2]"]
    con = duckdb.connect()  # in memory
    con.execute("CREATE TABLE t (j JSON)")
    p360_rows = pa.table({"j": json_column(texts)})  # noqa: F841 - read by DuckDB's replacement scan
    con.execute("INSERT INTO t SELECT * FROM p360_rows")
    assert con.execute("SELECT j, typeof(j) FROM t").fetchall() == [
        (texts[0], "JSON"),
        (None, "JSON"),
        (texts[2], "JSON"),
    ]
