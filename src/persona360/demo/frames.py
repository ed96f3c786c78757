"""Zstandard frames for the demo's spool buckets and its compressed event file.

Why zstd and not gzip: a million-person shop writes about 60 GB of events, once into
the spool's buckets and once into the final file, which does not fit this machine's
free disk. Zstandard level 1 shrinks the demo's JSON lines about 11 times at several
hundred MB/s (gzip level 1: 7.5 times at about 200 MB/s, and half the speed back), so
the buckets of the default shop cost about a second of CPU to compress.

A spool flush appends one frame to a bucket file; a reader takes every frame of the
file in order, so the concatenation reads back as the bytes written.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import zstandard

SUFFIX = ".zst"
SPOOL_LEVEL = 1  # buckets are read back once, minutes later: speed over size
FILE_LEVEL = 3  # the compressed export is kept: zstd's default level
_READ_CHUNK = 1 << 20


def compress_frame(data: bytes, level: int = SPOOL_LEVEL) -> bytes:
    """``data`` as one zstd frame (which records its size, for a fast read back)."""
    return zstandard.ZstdCompressor(level=level).compress(data)


def read_frames(path: Path) -> bytes:
    """Every frame of ``path``, decompressed and concatenated in file order."""
    with path.open("rb") as handle:
        reader = zstandard.ZstdDecompressor().stream_reader(handle, read_across_frames=True)
        return reader.read()


def open_writer(path: Path) -> BinaryIO:
    """A binary file that compresses what is written to it into ``path`` (close it)."""
    handle = path.open("wb")
    return zstandard.ZstdCompressor(level=FILE_LEVEL).stream_writer(handle, closefd=True)


def iter_lines(path: Path) -> Iterator[bytes]:
    """The lines of ``path`` (with their line ends), decompressing it if it ends in ``.zst``."""
    if path.suffix != SUFFIX:
        with path.open("rb") as handle:
            yield from handle
        return
    with path.open("rb") as handle:
        reader = zstandard.ZstdDecompressor().stream_reader(handle, read_across_frames=True)
        yield from io.BufferedReader(reader, _READ_CHUNK)
