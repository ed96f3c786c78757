"""ExportFile.reader numbers a file's rows by the table it copies them into: its line numbers must be the file's."""

from __future__ import annotations

from pathlib import Path

import pytest

from persona360.store.files import LINE, ExportFile, FileFormatError


def test_reader_numbers_rows_as_the_file_does_across_many_read_buffers(tmp_path: Path) -> None:
    # ~40 MB: DuckDB reads it in several buffers on both threads, so a copy that lost
    # the file's order would give some row another line number than the file's.
    path = tmp_path / "lines.csv"
    rows = 1_200_000
    with path.open("w") as out:
        out.write("n,text\n")
        out.writelines(f"{n},row number {n} {'x' * (n % 17)}\n" for n in range(rows))
    export = ExportFile(path)
    try:
        con, numbered = export.reader()
        wrong = con.execute(f"SELECT count(*) FROM ({numbered}) WHERE {LINE} <> n::BIGINT + 2").fetchall()[0][0]
        assert wrong == 0
        assert export.rows == rows  # counted by the copy: no second read of the file
        first = next(export.chunks(size=3))
        assert [(row["n"], row[LINE]) for row in first] == [("0", 2), ("1", 3), ("2", 4)]
    finally:
        export.close()


def test_reader_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    # the dialect is sniffed from the first lines; a line far below has too many cells
    path = tmp_path / "broken.csv"
    path.write_text("a,b\n" + "".join(f"{n},x\n" for n in range(30_000)) + "1,2,3,4,5\n")
    export = ExportFile(path)
    try:
        with pytest.raises(FileFormatError, match="broken.csv cannot be read"):
            export.reader()
    finally:
        export.close()
