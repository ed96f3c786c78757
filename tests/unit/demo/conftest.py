from __future__ import annotations

import orjson
import pyarrow.parquet as pq
import pytest
from demo_shop_data import SPEC, Demo

from persona360.demo import generate_shop


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    out = tmp_path_factory.mktemp("demo")
    manifest = generate_shop(SPEC, out)
    events = [orjson.loads(line) for line in (out / "events.jsonl").read_bytes().splitlines()]
    table = pq.read_table(out / "truth.parquet").to_pylist()
    truth = {(r["source"], r["record_id"]): r for r in table}
    assert len(truth) == len(table), "truth has a duplicate (source, record_id)"
    pure = {r["person_id"]: (r["primary_archetype"] if len(r["archetypes"]) == 1 else None) for r in table}
    return Demo(SPEC, manifest, events, truth, pure)
