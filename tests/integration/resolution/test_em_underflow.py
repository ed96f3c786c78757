"""An EM block that drives a probability to 0.0 is left out, not the whole resolve.

The records are the profiles of a 1,500-customer demo shop (seed 42, made-up people),
as ``persona360 resolve`` handed them to the model: on them Splink's EM blocked on the
email local part set a level's m to 0.0, and Splink 5 refuses that in the middle of the
session, so ``resolve`` failed. The demo of every size and every shop's resolve
could hit it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from persona360.resolution.model import score_all
from persona360.resolution.table import Records

RECORDS = Path(__file__).parent / "data" / "em_underflow_records.parquet"


def test_the_block_that_underflows_is_left_out_and_the_rest_trains(caplog: pytest.LogCaptureFixture) -> None:
    records = Records(pq.read_table(RECORDS))
    with caplog.at_level(logging.WARNING, logger="persona360.resolution.model"):
        pairs, model = score_all(records, train=True, threshold=0.5)
    assert "EM blocked on email_local drove a probability to 0" in caplog.text  # the case is still reproduced
    assert model is not None and len(pairs) > 100
    trained = {c["output_column_name"]: c for c in model["comparisons"]}
    assert trained["name"]["comparison_levels"][1]["m_probability"] > 0  # the name block's estimates are kept
    sure = [pair for pair in pairs if pair.probability >= 0.99]
    assert sure and all(pair.a_profile != pair.b_profile for pair in sure)
