"""Personas at scale and against the demo's planted archetypes.

    .venv/bin/python bench/personas.py scale [--buyers 100000 1000000] [--runs 1] [--k-min 5 --k-max 9]
    .venv/bin/python bench/personas.py recovery [--seeds 42 1 2 3 4] [--customers 1000]

``--keep DIR`` keeps each filled workspace as ``DIR/bench-N.duckdb`` and reuses it on
the next run (the fill of a million buyers takes minutes; a run that reuses it measures
the same data, so base and branch can be compared on one file). A build stores nothing
in those tables, so a kept file stays as filled.

``scale`` times the three steps of a build and the SQL refresh on a synthetic shop:
the features query (``read_features`` + ``feature_matrix``), discovery (k-means over
the k range, silhouette on a 3,000 sample, bootstrap stability) and the nearest-persona
assignment of every buyer in DuckDB (``assign_in_sql``), plus a scoped assignment of
1,000 buyers (the cheap refresh between rebuilds).

The data is a **bench-only direct fill**: no events go through the writer (at a
million buyers that would take hours), so the tables the features query reads
(``profiles``, ``identifiers``, ``events``, ``orders``, ``profile_traits``) are filled
by set-based DuckDB SQL over ``range()``, in the shapes the writer stores: one
``user_id`` anchor per profile, ``Order Completed`` tracks with ``products``,
``discount`` and ``gift_wrap`` properties, ``Product List Viewed`` sessions with
``context.device.type``, ``context.app`` and ``context.campaign.medium``, ``Product
Viewed``/``Reviews Read`` tracks, ``createdAt``/``loyaltyMember`` traits. Behaviour is
drawn from seven made-up groups by hashing the buyer number, so the clusters are real
but the figures say nothing about recovery; ``recovery`` does that on demo shops.

``recovery`` generates a demo shop per seed, loads it without a server, builds
personas with the settings' defaults (k 3-12, 10 bootstraps) and scores them against
``truth.parquet``: ARI overall, on people with one planted archetype and on people who
mix two, bootstrap ARI, and whether every planted archetype names some persona.

Figures only; nothing here is a test assertion. Runs are medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.demo import DemoSpec, generate_shop
from persona360.demo.pipeline import load_without_server
from persona360.personas import DiscoveryOptions, discover, feature_matrix, read_features
from persona360.personas.assignment import assign_in_sql
from persona360.personas.build import CLUSTERED, assignment_model
from persona360.personas.discovery import adjusted_rand
from persona360.personas.persistence import assignments
from persona360.personas.recovery import planted_archetypes
from persona360.settings import load_settings

NOW = DemoSpec().end
PROFILING = ["transactional", "analytics", "profiling"]

# Seven groups; per group: orders, discount, gift, app, social, email, views/order, reviews/order
_GROUPS = "[[3,0.9,0.05,0.2,0.1,0.4,3,0.1],[1,0.1,0.05,0.05,0.05,0.1,9,4],[5,0.1,0.05,0.3,0.05,0.25,2,0.2]," \
    "[2,0.2,0.1,0.2,0.7,0.05,3,0.3],[3,0.1,0.02,0.2,0.0,0.25,2,0.05],[2,0.15,0.05,0.8,0.2,0.05,3,0.1]," \
    "[2,0.15,0.8,0.05,0.1,0.1,4,1]]"  # fmt: skip
_FILL = [
    f"CREATE TEMP TABLE __bench_buyers AS SELECT range AS id, range % 7 AS g, ({_GROUPS})[range % 7 + 1] AS p "
    "FROM range(1, $n + 1)",
    "INSERT INTO identifiers SELECT id, 'user_id', 'u' || id, id, $now - INTERVAL 400 DAY, 1 FROM __bench_buyers",
    # orders: 1..(2 x the group's mean) per buyer, spread over the last 90 days
    """CREATE TEMP TABLE __bench_orders AS SELECT b.id, b.p, o.range AS n,
        $now - to_seconds((hash(b.id, o.range) % 7776000)::BIGINT) AS at_,
        20 + hash(b.id, o.range, 'r') % 200 AS revenue
        FROM __bench_buyers b, range(1, 1 + (1 + hash(b.id, 'n') % (2 * b.p[1]::BIGINT))::BIGINT) o""",
    """INSERT INTO orders SELECT 'o' || id || '-' || n, id, 1, hash(id, n, 'order'), revenue, 'UAH', at_
        FROM __bench_orders""",
    """INSERT INTO profiles (profile_id, first_seen, last_seen, event_count, orders_count, revenue, avg_order_value,
        first_order_at, last_order_at, identifier_count)
        SELECT id, min(at_) - INTERVAL 30 DAY, max(at_), 0, count(*), sum(revenue), avg(revenue), min(at_), max(at_), 1
        FROM __bench_orders GROUP BY id""",
    """INSERT INTO events (seq, message_key, message_id, source_id, type, event, user_id, anchor_id, "timestamp",
        received_at, properties, context, identifiers, reason)
        SELECT row_number() OVER (), hash(id, n, 'completed'), 'm' || id || '-' || n, 1, 'track', 'Order Completed',
        'u' || id, id, at_, at_,
        json_object('order_id', 'o' || id || '-' || n,
            'discount', CASE WHEN hash(id, n, 'd') % 100 < p[2] * 100 THEN 5 ELSE 0 END,
            'gift_wrap', hash(id, n, 'g') % 100 < p[3] * 100,
            'products', [json_object('product_id', 'sku' || (hash(id, 'fav') % 40), 'brand', 'b' || (hash(id, n) % 9),
                                     'category', 'c' || (hash(id, n, 'c') % 5))]),
        '{}', '[]', 'record' FROM __bench_orders""",
    # sessions: three per order, on the group's channels
    """INSERT INTO events (seq, message_key, message_id, source_id, type, event, user_id, anchor_id, "timestamp",
        received_at, properties, context, identifiers, reason)
        SELECT 1e12 + row_number() OVER (), hash(id, n, s.range, 'list'), 'l' || id || '-' || n || '-' || s.range, 1,
        'track', 'Product List Viewed', 'u' || id, id, at_ - INTERVAL 1 HOUR, at_, '{}',
        json_object('device', json_object('type', CASE WHEN hash(id, s.range, 'm') % 2 = 0 THEN 'mobile'
                                                     ELSE 'desktop' END),
            'app', CASE WHEN hash(id, n, s.range, 'a') % 100 < p[4] * 100 THEN json_object('name', 'shop') END,
            'campaign', json_object('medium', CASE WHEN hash(id, n, s.range, 's') % 100 < p[5] * 100 THEN 'social'
                WHEN hash(id, n, s.range, 'e') % 100 < p[6] * 100 THEN 'email' ELSE 'organic' END)),
        '[]', 'record' FROM __bench_orders, range(3) s""",
    # product views and review reads in proportion to the group's means
    """INSERT INTO events (seq, message_key, message_id, source_id, type, event, user_id, anchor_id, "timestamp",
        received_at, properties, context, identifiers, reason)
        SELECT 2e12 + row_number() OVER (), hash(id, n, v.range, 'view'), 'v' || id || '-' || n || '-' || v.range, 1,
        'track', CASE WHEN v.range < p[8] THEN 'Reviews Read' ELSE 'Product Viewed' END, 'u' || id, id,
        at_ - INTERVAL 2 HOUR, at_, '{}', '{}', '[]', 'record'
        FROM __bench_orders, range((p[7] + p[8])::BIGINT) v""",
    """INSERT INTO profile_traits SELECT id, 'createdAt', to_json(strftime($now - to_days((100 + hash(id) % 1500)::INT),
        '%Y-%m-%dT%H:%M:%SZ')), 'crm', $now, NULL, 1 FROM __bench_buyers""",
    """INSERT INTO profile_traits SELECT id, 'loyaltyMember', to_json(g = 2 OR hash(id, 'l') % 10 = 0), 'crm', $now,
        NULL, 1 FROM __bench_buyers""",
]


def fill(ws: Workspace, buyers: int) -> dict[str, int]:
    """Fill the tables the features query reads with ``buyers`` synthetic buyers."""
    # DuckDB takes no parameters in CREATE TABLE AS: the two values are written in (bench only)
    values = {"$now": f"TIMESTAMPTZ '{NOW.isoformat()}'", "$n": str(int(buyers))}
    with ws.db.transaction() as tx:
        for statement in _FILL:
            for name, value in values.items():
                statement = statement.replace(name, value)
            tx.execute(statement)
    return {t: int(ws.db.scalar(f"SELECT count(*) FROM {t}")) for t in ("profiles", "events", "orders")}


CPU: dict[str, float] = {}  # CPU seconds of this process in the last timed step, by step


def timed(work: Callable[[], Any], step: str = "") -> tuple[float, Any]:
    """Wall seconds of ``work``; its CPU seconds (this process, all threads) go to ``CPU[step]``.

    On a shared machine the wall time mostly says how busy it was; the CPU time says
    what the step costs.
    """
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    CPU[step] = time.process_time() - cpu
    return time.perf_counter() - started, result


def scale(args: argparse.Namespace) -> None:
    options = DiscoveryOptions(k_min=args.k_min, k_max=args.k_max, bootstraps=args.bootstraps, seed=0)
    for buyers in args.buyers:
        with tempfile.TemporaryDirectory() as folder:
            path = (args.keep or Path(folder)) / f"bench-{buyers}.duckdb"
            settings = load_settings(db=path, consent_default_allow=PROFILING)
            with Workspace(settings, FixedClock(NOW), create=True) as ws:
                if ws.db.scalar("SELECT count(*) FROM profiles"):  # a kept fill (one transaction: all or none)
                    print(f"{buyers:>9,} buyers: reusing {path}", flush=True)
                else:
                    fill_s, rows = timed(lambda ws=ws, n=buyers: fill(ws, n))
                    print(f"{buyers:>9,} buyers: filled {rows} in {fill_s:.1f} s", flush=True)
                figures = [_run(ws, options) for _ in range(args.runs)]
            medians = {key: statistics.median(f[key] for f in figures) for key in figures[0]}
            print("  median of", args.runs, "run(s):", ", ".join(f"{k} {v:.1f} s" for k, v in medians.items()))


def _run(ws: Workspace, options: DiscoveryOptions) -> dict[str, float]:
    features_s, matrix = timed(lambda: feature_matrix(read_features(ws.db, NOW)), "features")
    clustered = [n for n in CLUSTERED if n in matrix.names]
    values = matrix.values[:, [matrix.names.index(n) for n in clustered]]
    discovery_s, found = timed(lambda: discover(values, options), "discovery")
    model = assignment_model(matrix, clustered, found)
    assign_s, (_, labels, _) = timed(lambda: assign_in_sql(ws.db, model, NOW))
    some = matrix.profile_ids[:: max(1, len(matrix.profile_ids) // 1000)][:1000].tolist()
    scoped_s, _ = timed(lambda: assign_in_sql(ws.db, model, NOW, some))
    print(
        f"  features {features_s:.1f} s, discovery {discovery_s:.1f} s (k={found.k}, bootstrap ARI "
        f"{found.stability.get('ari_mean', float('nan')):.3f}), SQL assignment {assign_s:.1f} s "
        f"(agrees with the fit on {(labels == found.labels).mean():.4f}), 1,000 changed buyers {scoped_s:.2f} s; "
        f"CPU: features {CPU['features']:.1f} s, discovery {CPU['discovery']:.1f} s; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return {"features": features_s, "discovery": discovery_s, "assignment": assign_s, "refresh_1000": scoped_s}


def recovery(args: argparse.Namespace) -> None:
    rows = []
    for seed in args.seeds:
        spec = DemoSpec(customers=args.customers, days=90, seed=seed)
        with tempfile.TemporaryDirectory() as folder:
            manifest = generate_shop(spec, Path(folder) / "shop")
            settings = load_settings(db=Path(folder) / "ws.duckdb", consent_default_allow=PROFILING)
            with Workspace(settings, FixedClock(spec.end), create=True) as ws:
                load_without_server(ws, manifest)
                built = ws.personas.build(ws.personas.options(seed=0))
                rows.append(_score(ws, manifest.path("truth.parquet"), built, seed))
        print(rows[-1], flush=True)
    for key in ("ari", "ari_single", "ari_mixed", "bootstrap_ari"):
        print(f"median {key}: {statistics.median(r[key] for r in rows):.3f}")


def _score(ws: Workspace, truth: Path, built: dict[str, Any], seed: int) -> dict[str, Any]:
    planted = planted_archetypes(ws.db, truth)
    assigned = assignments(ws.db, built["version"])
    common = [p for p in assigned if p in planted]

    def ari(people: list[int]) -> float:
        return round(adjusted_rand([planted[p][0] for p in people], [assigned[p] for p in people]), 3)

    named = {c["archetypes"][0]["archetype"] for c in built["cards"] if c["archetypes"]}
    return {
        "seed": seed,
        "k": built["k"],
        "customers": len(common),
        "ari": ari(common),
        "ari_single": ari([p for p in common if planted[p][1]]),
        "ari_mixed": ari([p for p in common if not planted[p][1]]),
        "bootstrap_ari": round(built["report"]["stability"].get("ari_mean", float("nan")), 3),
        "archetypes_named": f"{len(named & {a for a, _ in planted.values()})}/{len({a for a, _ in planted.values()})}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    at_scale = commands.add_parser("scale")
    at_scale.add_argument("--buyers", type=int, nargs="+", default=[100_000, 1_000_000])
    at_scale.add_argument("--runs", type=int, default=1)
    at_scale.add_argument("--k-min", type=int, default=3)
    at_scale.add_argument("--k-max", type=int, default=12)
    at_scale.add_argument("--bootstraps", type=int, default=10)
    at_scale.add_argument(
        "--keep", type=Path, help="a folder to keep the filled workspaces in (bench-N.duckdb), reused when present"
    )
    truth = commands.add_parser("recovery")
    truth.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2, 3, 4])
    truth.add_argument("--customers", type=int, default=1000)
    args = parser.parse_args()
    scale(args) if args.command == "scale" else recovery(args)


if __name__ == "__main__":
    main()
