"""Importing survey answers from a file: good rows land, each kind of bad row is rejected."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from persona360 import Workspace
from persona360.errors import MappingError

HEADER = "email,Rating,size,why,timestamp,comment_col"
GOOD = [
    "ann@example.org,5,41,price;size,2026-10-20 10:00,fine",
    "bob@example.org,2,42,,2026-10-21T09:30:00Z,",
]
# One line per kind of bad row, with what the reject file must say.
BAD = [
    (",4,41,,2026-10-20 10:00,x", "names no respondent"),
    ("cat@example.org,,,,2026-10-20 10:00,", "answers no question"),
    ("dan@example.org,9,,,2026-10-20 10:00,", "question 'rating': 9 is out of range"),
    ("eve@example.org,,39,,2026-10-20 10:00,", "question 'size': '39' is not one of its choices"),
    ("fay@example.org,,,price;cost,2026-10-20 10:00,", "question 'why': 'cost' is not one of its choices"),
    ("gus@example.org,3,,,yesterday,", "column 'timestamp' holds 'yesterday', not a time"),
    ("hal@example.org,3,,,2027-06-01 10:00,", "timestamp"),
    ("not-an-email,3,,,2026-10-20 10:00,", "email 'not-an-email' is not a valid email address"),
]
FLAGS = ["Rating=answer:rating", "why=answer:why", "comment_col=ignore"]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_good_rows_land_and_bad_rows_are_rejected_by_kind(surveyed: Workspace, tmp_path: Path) -> None:
    file = _write(tmp_path / "answers.csv", [*GOOD, *(line for line, _ in BAD)])
    report = surveyed.surveys.import_file(file, "post-delivery", FLAGS)
    assert (report.rows, report.records, report.rejected) == (len(GOOD) + len(BAD), 2, len(BAD))
    ann = surveyed.profiles.find("email", "ann@example.org")
    traits = surveyed.profiles.traits(ann, now=surveyed.clock.now())
    assert traits["delivery_rating"]["value"] == 5 and traits["cart_abandon_reason"]["value"] == ["price", "size"]
    assert traits["shoe_size"]["source"] == "surveys"
    with Path(report.rejects_path or "").open(encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert [int(row["line"]) for row in rejected] == list(range(len(GOOD) + 2, len(GOOD) + len(BAD) + 2))
    for row, (_, says) in zip(rejected, BAD, strict=True):
        assert says in row["reason"], row
    assert json.loads(rejected[0]["row"])["Rating"] == "4"


def test_importing_again_stores_nothing_new_and_a_new_answer_updates(surveyed: Workspace, tmp_path: Path) -> None:
    file = _write(tmp_path / "answers.csv", GOOD)
    first = surveyed.surveys.import_file(file, "post-delivery", FLAGS)
    again = surveyed.surveys.import_file(file, "post-delivery", FLAGS)
    assert first.stored > 0 and again.stored == 0 and again.duplicates == first.stored
    assert again.rejects_path is None  # no reject file when nothing is rejected
    later = _write(tmp_path / "later.csv", ["ann@example.org,3,,,2026-10-25 10:00,"])
    surveyed.surveys.import_file(later, "post-delivery", FLAGS)
    ratings = [
        (r["profile_id"], r["answer"]) for r in surveyed.surveys.responses("post-delivery") if r["question"] == "rating"
    ]
    assert sorted(answer for _, answer in ratings) == [2, 3]  # ann's 5 became 3, not a second row


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["Rating"], "--map 'Rating' must look like COLUMN=ROLE"),
        (["Rating=score", "why=answer:why", "comment_col=ignore"], "column 'Rating' has unknown role 'score'"),
        (["Rating=answer:stars", "why=answer:why", "comment_col=ignore"], "has no question 'stars'"),
        (["Stars=answer:rating", *FLAGS], "names column(s) 'Stars' that the file does not have"),
        (["Rating=answer:rating", "why=answer:why"], "column(s) 'comment_col' have no role"),
        (["email=ignore", *FLAGS], "no column says who answers"),
    ],
)
def test_a_bad_mapping_is_refused_before_any_row(
    surveyed: Workspace, tmp_path: Path, flags: list[str], says: str
) -> None:
    file = _write(tmp_path / "answers.csv", GOOD)
    with pytest.raises(MappingError) as error:
        surveyed.surveys.import_file(file, "post-delivery", flags)
    assert says in str(error.value)
    assert surveyed.profiles.count() == 0


def test_an_import_is_audited_once_by_whoever_ran_it(surveyed: Workspace, tmp_path: Path) -> None:
    """Audited where the import happens, so a web or API import is too (the CLI used to write the entry itself)."""
    file = _write(tmp_path / "answers.csv", [*GOOD, BAD[0][0]])
    surveyed.surveys.import_file(file, "post-delivery", FLAGS, actor="web:ops")
    (entry,) = surveyed.privacy.audit_log(10, action="survey.import")
    assert (entry["actor"], entry["target"]) == ("web:ops", "survey:post-delivery")
    assert entry["detail"] == {"file": "answers.csv", "rows": 3, "stored": 7, "rejected": 1}
