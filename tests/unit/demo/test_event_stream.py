"""The hand-over of sorted event lines from the generator to the feed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from persona360.demo import DemoSpec, generate_shop
from persona360.demo.stream import EventStream, StreamAbandonedError


def test_lines_come_out_in_the_order_written_through_a_small_queue() -> None:
    stream = EventStream(chunks=1)  # the writer must wait for the reader
    chunks = [b"".join(f"{n:05d}-{k}\n".encode() for k in range(3)) for n in range(50)]

    def write() -> None:
        for chunk in chunks:
            stream.write(chunk)
        stream.close()

    writer = threading.Thread(target=write)
    writer.start()
    lines = list(stream.lines())
    writer.join()
    assert lines == b"".join(chunks).splitlines()
    assert stream.first_at is not None


def test_a_reader_that_stops_makes_the_writer_raise_not_wait() -> None:
    stream = EventStream(chunks=1)
    stream.write(b"a\n")
    stream.abandon()
    with pytest.raises(StreamAbandonedError, match="stopped"):
        stream.write(b"b\n")
    with pytest.raises(StreamAbandonedError):
        stream.close()


def test_a_writer_that_stops_makes_the_reader_raise() -> None:
    stream = EventStream()
    stream.abandon()
    with pytest.raises(StreamAbandonedError):
        list(stream.lines())


def test_the_generator_hands_over_exactly_the_event_file(tmp_path: Path) -> None:
    stream = EventStream(chunks=2)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.extend(stream.lines()))
    reader.start()
    generate_shop(DemoSpec(customers=120, days=20, seed=5), tmp_path, events_tap=stream)
    reader.join()
    assert got == (tmp_path / "events.jsonl").read_bytes().splitlines()
