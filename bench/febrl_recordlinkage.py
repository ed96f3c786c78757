"""recordlinkage's classic pipeline on FEBRL, run in its own interpreter by ``identity.py``.

recordlinkage needs pandas < 3, which the project's venv does not have, so this file
runs under a separate Python that has it (``--recordlinkage-python``; make one with
``uv venv /tmp/rl-venv && uv pip install --python /tmp/rl-venv/bin/python
recordlinkage==0.16 'pandas<3'``). It reads the cleaned CSVs ``identity.py`` wrote (no
``soc_sec_id``, street number joined to the street, ISO birthdays) and prints JSON:
the matched pairs of ``rec_id`` and the wall and CPU seconds the pipeline took.

The pipeline is the package's tutorial one: candidate pairs from blocking on each of
given name, surname, birthday and postcode (union); Jaro-Winkler ≥ 0.85 on the names
and the street, exact birthday, suburb, postcode and state; the unsupervised ECM
classifier (Fellegi-Sunter by expectation maximisation) on those binary features.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd
import recordlinkage as rl


def _frame(paths: list[str]) -> pd.DataFrame:
    frame = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths], ignore_index=True)
    return frame.replace("", None).set_index("rec_id")


def _candidates(frame: pd.DataFrame) -> pd.MultiIndex:
    found = None
    for column in ("given_name", "surname", "date_of_birth", "postcode"):
        pairs = rl.Index().block(column).index(frame)
        found = pairs if found is None else found.union(pairs)
    return found


def _features(frame: pd.DataFrame, pairs: pd.MultiIndex) -> pd.DataFrame:
    compare = rl.Compare()
    for column in ("given_name", "surname", "street"):
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in ("date_of_birth", "suburb", "postcode", "state"):
        compare.exact(column, column, label=column)
    return compare.compute(pairs, frame)


def main() -> None:
    started, cpu = time.perf_counter(), time.process_time()
    frame = _frame(sys.argv[1:])
    features = _features(frame, _candidates(frame))
    matches = rl.ECMClassifier(binarize=0.5).fit_predict(features)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "pairs": [[str(a), str(b)] for a, b in matches]}))


if __name__ == "__main__":
    main()
