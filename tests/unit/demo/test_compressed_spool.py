"""Compressed spool buckets and the compressed event file read back as the bytes written."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from persona360.demo import DemoSpec, generate_shop
from persona360.demo.feed import read_batches
from persona360.demo.frames import iter_lines, read_frames
from persona360.demo.spool import Spool, bucket_path


def _lines(count: int, seed: int = 1) -> list[tuple[float, bytes]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        t = rng.uniform(0, 1000)
        out.append((t, f"{t:012.4f} event {n} {'x' * rng.randint(1, 40)}".encode()))
    return out


def test_spool_buckets_are_compressed_and_merge_back_sorted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("persona360.demo.spool._FLUSH_BYTES", 2_000)  # many frames per bucket
    pairs = _lines(3_000)
    spool = Spool(tmp_path / "spool", 0, 1000, 7)
    for t, line in pairs:
        spool.add(t, line)
    spool.flush()
    bucket = bucket_path(tmp_path / "spool", 0)
    raw = read_frames(bucket)
    assert bucket.stat().st_size < len(raw) / 2, "the bucket is not compressed"
    out = tmp_path / "sorted"
    with out.open("wb") as handle:
        assert spool.merge(handle, "sort", None, keyed=False) == len(pairs)
    assert out.read_bytes().splitlines() == sorted(line for _, line in pairs)
    assert not (tmp_path / "spool").exists()


def test_a_compressed_event_file_holds_the_same_lines(tmp_path: Path) -> None:
    spec = DemoSpec(customers=120, days=20, seed=5)
    plain = generate_shop(spec, tmp_path / "plain")
    packed = generate_shop(spec, tmp_path / "packed", compress_events=True)
    assert (plain.events.name, packed.events.name) == ("events.jsonl", "events.jsonl.zst")
    assert packed.events.rows == plain.events.rows
    text = (tmp_path / "plain" / "events.jsonl").read_bytes()
    compressed = tmp_path / "packed" / "events.jsonl.zst"
    assert compressed.stat().st_size < len(text) / 4
    assert read_frames(compressed) == text
    assert b"".join(iter_lines(compressed)) == text
    assert not (tmp_path / "packed" / "events.jsonl").exists()
    for name in ("orders.csv", "email_contacts.csv", "truth.parquet"):
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "packed" / name).read_bytes()


def test_batches_keep_the_file_order_and_stay_under_the_byte_cap(tmp_path: Path) -> None:
    lines = [line for _, line in _lines(500)]
    lines[100] = b"y" * 5_000  # larger than the cap: it goes alone, not dropped
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n\n")
    batches = list(read_batches(path, 60, 2_000))
    assert [line for batch in batches for line in batch] == lines
    assert [b"y" * 5_000] in batches
    for batch in batches:
        assert len(batch) <= 60
        assert len(batch) == 1 or sum(len(line) + 1 for line in batch) <= 2_000
