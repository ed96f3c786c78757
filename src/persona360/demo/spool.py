"""An external sort by time with bounded memory.

Lines go to per-slice bucket files, and each bucket is sorted on its own when the output
is assembled.

Buckets are slices of the window, so sorting them one by one and concatenating them in
order sorts the whole file; no bucket holds more than a slice's worth of lines. Each
flush appends a zstd frame to a bucket (see :mod:`persona360.demo.frames`), so the
buckets of a million-person shop take a tenth of the disk the lines would.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from persona360.demo.frames import compress_frame, read_frames

Progress = Callable[[str, int, int], None]
_FLUSH_BYTES = 48 * 1024 * 1024
KEY_END = b"\x1f"


class Spool:
    """Collects ``(time, line)`` pairs and writes them out sorted by line bytes.

    A line must start with its sort key (a fixed-width timestamp), so bytes order is time
    order. Lines that carry a key only for sorting end it with ``KEY_END``; it and the key
    are cut off on output.
    """

    def __init__(self, directory: Path, start: float, end: float, slices: int) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.start, self.width = start, max((end - start) / slices, 1.0)
        self.slices = slices
        self.buffers: list[list[bytes]] = [[] for _ in range(slices)]
        self.pending = 0
        self.count = 0

    def add(self, t: float, line: bytes) -> None:
        bucket = int((t - self.start) / self.width)
        if not 0 <= bucket < self.slices:
            bucket = 0 if bucket < 0 else self.slices - 1
        self.buffers[bucket].append(line)
        self.pending += len(line)
        self.count += 1
        if self.pending > _FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        for bucket, lines in enumerate(self.buffers):
            if lines:
                with open(self._path(bucket), "ab") as f:
                    f.write(compress_frame(b"\n".join(lines) + b"\n"))
                lines.clear()
        self.pending = 0

    def merge(self, out: BinaryIO, stage: str, progress: Progress | None, keyed: bool) -> int:
        """Write every line, sorted, to ``out``; remove the buckets; return the line count."""
        self.flush()
        merge_spools([self.directory], self.slices, out, stage, progress, keyed)
        return self.count

    def _path(self, bucket: int) -> Path:
        return bucket_path(self.directory, bucket)


def bucket_path(directory: Path, bucket: int) -> Path:
    return directory / f"{bucket:05d}.part.zst"


def merge_spools(
    directories: list[Path], slices: int, out: BinaryIO, stage: str, progress: Progress | None, keyed: bool
) -> None:
    """Sort the flushed buckets of several spools of the same window into ``out``.

    Bucket *k* of every spool covers the same slice of time, so sorting the union of the
    *k*-th buckets and concatenating the slices in order sorts everything. Lines sort by
    their bytes, so the result does not depend on how the lines were split between spools
    (the sharded generator relies on this for byte-identical output). Removes the buckets.
    """
    for bucket in range(slices):
        lines: list[bytes] = []
        for directory in directories:
            path = bucket_path(directory, bucket)
            if path.exists():
                lines += read_frames(path).splitlines()
                path.unlink()
        if lines:
            lines.sort()
            if keyed:
                lines = [line[line.index(KEY_END) + 1 :] for line in lines]
            out.write(b"\n".join(lines) + b"\n")
        if progress:
            progress(stage, bucket + 1, slices)
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)
