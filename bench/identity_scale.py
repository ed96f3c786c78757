"""Identity resolution at 100,000 and 1,000,000 demo-shop records, beside plain Splink (bench only).

    .venv/bin/python bench/identity_scale.py grow BASE.duckdb OUT.duckdb --copies 71
    .venv/bin/python bench/identity_scale.py ours OUT.duckdb      # resolve end to end
    .venv/bin/python bench/identity_scale.py plain OUT.duckdb     # plain Splink on the same records

Feeding a million demo customers through the writer takes hours here, so ``grow``
copies a fed demo workspace (``persona360 demo``; e.g. the default 10,000 customers,
14,112 profiles) ``copies`` times with the set-based SQL of ``scale_up.py``, keeping
only the tables identity resolution and re-projection read (identifiers, edges,
redirects, trait values, anchor facts, profiles and their traits). Each copy is a
different population with the demo's own duplicate structure: identifier values get a
three-letter copy prefix (phones instead get their digits shifted, as the model
compares the last nine digits), so do the last name (the last word of a full name),
the street and the email trait, and the birthday moves by N days. First names stay one pool, as in a real
shop; cities and postcodes stay as they are too, so the blocking rules on them meet
the crowds a real shop of that size has. Review pairs and the stored model are not
copied: ``ours`` trains and scores every profile (``retrain``).

``ours`` and ``plain`` each run in their own process so that each peak resident set
is its own; both print wall and CPU seconds (user + system, all threads) and peak
RSS. ``plain`` reads the same records (``resolution.table.load_records``), trains a
plain Splink model with the usual comparisons and blocking (no term frequencies, no
guard) and clusters at 0.99, but writes nothing back.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path
from typing import Any

from scale_up import OFFSETS, copy_sql, existing_tables

from persona360.store.database import Database

# Three letters per copy, one-to-one for up to 676 copies (the first names c % 26, the
# second c // 26 once the first is known), put in *front*: a copy suffix would leave two
# copies' last names one letter apart, which the model rightly reads as a typo.
_PREFIX = (
    "chr((97 + (7 * (c % 26)) % 26)::INT) || chr((97 + (5 * (c // 26) + c % 26) % 26)::INT) "
    "|| chr((97 + (3 * (c % 26) + 11 * (c // 26) + 7) % 26)::INT)"
)
_NAMES = "('lastName', 'name', 'address.street')"  # first names stay a pool, as in a real shop
# trait values are JSON text; last names, street, birthday, email and phone differ per copy
_TRAIT = (
    "CASE WHEN name IN {names} THEN to_json(regexp_replace(trim(value ->> '$'), '(\\S+)$', {prefix} || '\\1'))"
    "::VARCHAR "  # the last word
    "WHEN name = 'birthday' THEN coalesce(to_json(strftime(TRY_CAST(value ->> '$' AS DATE) + c::INT, '%Y-%m-%d'))"
    "::VARCHAR, value) "
    "WHEN name = 'email' THEN to_json({prefix} || (value ->> '$'))::VARCHAR "
    "WHEN name = 'phone' THEN coalesce(to_json({phone})::VARCHAR, value) "
    "ELSE value END AS value"
)
_PHONE = "'+' || (TRY_CAST(regexp_replace({v}, '\\D', '', 'g') AS HUGEINT) + c * 7919)::VARCHAR"  # digits shifted
COPIES: dict[str, str] = {
    "identifiers": "identifier_id + c * $i AS identifier_id, profile_id + c * $p AS profile_id, "
    "CASE WHEN kind = 'phone' THEN coalesce(" + _PHONE.format(v="value") + ", value) "
    "ELSE " + _PREFIX + " || value END AS value",
    "edges": "edge_id + c * $e AS edge_id, a + c * $i AS a, b + c * $i AS b, NULL AS message_key",
    "profile_redirects": "old_id + c * $p AS old_id, new_id + c * $p AS new_id",
    "trait_values": "anchor_id + c * $i AS anchor_id, "
    + _TRAIT.format(names=_NAMES, prefix=_PREFIX, phone=_PHONE.format(v="value ->> '$'")),
    "anchor_stats": "anchor_id + c * $i AS anchor_id",
    "anchor_tags": "anchor_id + c * $i AS anchor_id",
    "anchor_event_counts": "anchor_id + c * $i AS anchor_id",
    "profiles": "profile_id + c * $p AS profile_id",
    "profile_traits": "profile_id + c * $p AS profile_id, "
    + _TRAIT.format(names=_NAMES, prefix=_PREFIX, phone=_PHONE.format(v="value ->> '$'")),
    "profile_event_counts": "profile_id + c * $p AS profile_id",
}


def grow(base: Path, out: Path, copies: int) -> dict[str, int]:
    shutil.copyfile(base, out)
    db = Database(out)
    try:
        params = {name: int(db.scalar(sql)) for name, sql in OFFSETS.items() if name != "s"}
        present = existing_tables(db)
        with db.transaction() as tx:
            tx.execute("DELETE FROM meta WHERE key LIKE 'resolution%'")
        # one transaction per table: all of them in one peaked at 6.7 GB for 71 copies
        for table, shifted in COPIES.items():
            if table not in present:
                continue
            sql = copy_sql(table, shifted, copies)
            with db.transaction() as tx:
                tx.execute("SET memory_limit = '3GB'")
                tx.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
        db.checkpoint()
        return {t: int(db.scalar(f"SELECT count(*) FROM {t}")) for t in ("identifiers", "profiles", "profile_traits")}
    finally:
        db.close()


def _figures(started: float, cpu: float) -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime - cpu, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ours(path: Path) -> dict[str, Any]:
    """``ws.resolution.resolve(retrain=True)``: records, Splink, graph, merges, re-projection."""
    import pandas  # noqa: F401  (DuckDB imports it on the first Arrow registration: not timed)
    import splink  # noqa: F401

    from persona360 import Workspace

    started, cpu = time.perf_counter(), _cpu()
    with Workspace.open(path) as ws:
        report = ws.resolution.resolve(retrain=True)
    return {**report.as_dict(), **_figures(started, cpu)}


def plain(path: Path) -> dict[str, Any]:
    """Plain Splink on the same records: train, predict, cluster at 0.99; nothing written back."""
    import pandas  # noqa: F401
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink import comparison_library as cl

    from persona360.resolution.records import COLUMNS
    from persona360.resolution.table import load_records

    started, cpu = time.perf_counter(), _cpu()
    db = Database(path, create=False)
    rows = load_records(db).table.select(["unique_id", *COLUMNS])
    db.close()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name"),
            cl.DateOfBirthComparison("birthday", input_is_string=True),
            cl.EmailComparison("email_local"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("city"),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"),
            block_on("last_name", "birthday"),
            block_on("email_local"),
            block_on("phone"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(DuckDBAPI().register(rows), settings, log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("first_name", "last_name"), block_on("email_local")):  # the demo keeps no birthdays
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.99)
    found = clusters.as_duckdbpyrelation().aggregate("count(*), count(DISTINCT cluster_id)").fetchall()[0]
    return {"records": rows.num_rows, "clustered": found[0], "clusters": found[1], **_figures(started, cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grow")
    g.add_argument("base", type=Path)
    g.add_argument("out", type=Path)
    g.add_argument("--copies", type=int, required=True)
    for name in ("ours", "plain"):
        sub.add_parser(name).add_argument("db", type=Path)
    args = parser.parse_args()
    if args.command == "grow":
        print(json.dumps(grow(args.base, args.out, args.copies)))
    else:
        print(json.dumps({args.command: (ours if args.command == "ours" else plain)(args.db)}), flush=True)


if __name__ == "__main__":
    main()
