"""Revenue in several currencies: what the demo's comparisons say, and a fingerprint of what it stores.

    PYTHONPATH=src .venv/bin/python bench/currencies.py --customers 2000 --seed 42 --out /tmp/cur [--single] [--rates]

Builds a demo shop (``--single``: every person in Ukraine, so one currency; else the
demo's mix of UAH, PLN and USD), loads it without a server (``load_without_server``)
under a fixed clock, then runs what a shop runs: the demo's computed traits and
segments, RFM, predictions and personas. ``--rates`` configures the reporting currency
UAH with the demo catalogue's own rates (``demo.catalogue._RATES``), as a user would in
``PERSONA360_EXCHANGE_RATES``. It prints one JSON object:

- ``fingerprint``: a SHA-256 per table or answer (the profile projection's columns that
  existed before the ``currency`` column, shown traits, RFM and other computed values,
  segment members, predictions, persona assignments, the first 500 profiles of
  ``sort=revenue``). Run it with ``PYTHONPATH`` on the base and on a branch: in a shop
  with one currency every hash must match.
- ``figures``: personas ARI against the planted archetypes, churn AUC against the planted
  lapses, and how RFM monetary and the revenue sort rank customers against what they
  really spent (each order converted to USD at the catalogue's rates): Spearman's rho of
  M with that spend, the share of M = 5 in each currency, and the currencies of the
  top 100 by revenue.

Figures only; nothing here is a test assertion.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from persona360 import Workspace
from persona360.clock import FixedClock
from persona360.demo import DemoSpec, generate_shop
from persona360.demo.catalogue import _RATES
from persona360.demo.pipeline import DEMO_SEGMENTS, DEMO_TRAITS, load_without_server
from persona360.demo.score_churn import score_churn
from persona360.personas.discovery import adjusted_rand
from persona360.personas.persistence import assignments
from persona360.personas.recovery import planted_archetypes
from persona360.segments.definitions import SegmentSpec
from persona360.settings import load_settings

PROFILING = ["transactional", "analytics", "profiling"]
# The projection's columns before session 13 added ``currency`` and ``uncounted_orders``.
BASE_COLUMNS = (
    "profile_id, first_seen, last_seen, event_count, n_identify, n_track, n_page, n_screen, n_group, n_alias, "
    "orders_count, revenue, avg_order_value, first_order_at, last_order_at, channels, devices, sources, "
    "identifier_count"
)
FINGERPRINTS = {
    "profiles": f"SELECT {BASE_COLUMNS} FROM profiles ORDER BY profile_id",
    "profile_traits": "SELECT * FROM profile_traits ORDER BY profile_id, name",
    "computed_values": "SELECT profile_id, name, value_text, value_num FROM computed_values ORDER BY ALL",
    "segment_members": "SELECT * FROM seg_members ORDER BY ALL",
    "predictions": "SELECT * EXCLUDE (fitted_at) FROM profile_predictions ORDER BY profile_id",
    "orders": "SELECT * FROM orders ORDER BY order_id",
}
# Each buyer's spend in USD at the demo's own prices, and the currency most of its orders are in.
_TRUE_SPEND = f"""
SELECT i.profile_id, sum(o.revenue / CASE upper(coalesce(o.currency, 'UAH'))
    {" ".join(f"WHEN '{c}' THEN {r}" for c, r in _RATES.items())} END) AS usd,
    mode(upper(coalesce(o.currency, 'UAH'))) AS currency
FROM orders o JOIN identifiers i ON i.identifier_id = o.anchor_id GROUP BY 1
"""


def digest(rows: list[tuple[Any, ...]]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def rates_setting(spec: DemoSpec) -> str:
    """The catalogue's rates into UAH as ``PERSONA360_EXCHANGE_RATES`` holds them, from before the shop's first day."""
    since = (spec.end - timedelta(days=spec.days + 1)).date().isoformat()
    return json.dumps([f"{c} {since} {_RATES['UAH'] / r:g}" for c, r in sorted(_RATES.items()) if c != "UAH"])


def spearman(a: list[float], b: list[float]) -> float:
    ranks = [np.argsort(np.argsort(np.array(x, dtype=float))) for x in (a, b)]
    return round(float(np.corrcoef(ranks[0], ranks[1])[0, 1]), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--single", action="store_true", help="every person in Ukraine: one currency")
    parser.add_argument("--rates", action="store_true", help="report in UAH at the catalogue's rates")
    args = parser.parse_args()
    locales = (("uk_UA", 1.0),) if args.single else DemoSpec().locales
    spec = DemoSpec(customers=args.customers, days=90, seed=args.seed, locales=locales)
    shop = args.out / f"shop-{args.customers}-{args.seed}-{'single' if args.single else 'mixed'}"
    manifest = generate_shop(spec, shop)
    db = args.out / f"ws-{'rates' if args.rates else 'plain'}.duckdb"
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    extra: dict[str, Any] = {"reporting_currency": "UAH", "exchange_rates": rates_setting(spec)} if args.rates else {}
    if extra:
        extra["exchange_rates"] = json.loads(extra["exchange_rates"])
    settings = load_settings(db=db, consent_default_allow=PROFILING, **extra)
    with Workspace(settings, FixedClock(spec.end), create=True) as ws:
        load_without_server(ws, manifest)
        for name, definition in DEMO_TRAITS.items():
            ws.segments.define_trait(name, definition)
        ws.segments.refresh_rfm()
        for name, condition in DEMO_SEGMENTS.items():
            ws.segments.create(SegmentSpec(name, condition))
        ws.predict.run()
        built = ws.personas.build(ws.personas.options(seed=0))
        result: dict[str, Any] = {"settings": extra, "fingerprint": {}, "figures": {}}
        for name, sql in FINGERPRINTS.items():
            result["fingerprint"][name] = digest(ws.db.query(sql))
        assigned = assignments(ws.db, built["version"])
        result["fingerprint"]["personas"] = digest(sorted(assigned.items()))
        top = [row["profile_id"] for row in ws.profiles.list(limit=500, sort="revenue")]
        result["fingerprint"]["sort_revenue"] = digest([(p,) for p in top])
        planted = planted_archetypes(ws.db, manifest.path("truth.parquet"))
        common = [p for p in assigned if p in planted]
        figures = result["figures"]
        figures["personas_k"] = built["k"]
        figures["personas_ari"] = round(
            adjusted_rand([planted[p][0] for p in common], [assigned[p] for p in common]), 3
        )
        churn = score_churn(ws.db, manifest)
        figures["churn_auc"] = churn.get("auc")
        figures["churn_auc_repeat"] = churn.get("auc_repeat_customers")
        truth = {int(p): (float(usd), str(c)) for p, usd, c in ws.db.query(_TRUE_SPEND)}
        m = {
            int(p): float(v)
            for p, v in ws.db.query("SELECT profile_id, value_num FROM computed_values WHERE name = 'rfm_monetary'")
        }
        buyers = sorted(set(m) & set(truth))
        figures["rfm_buyers"] = len(buyers)
        figures["rfm_m_vs_usd_spend_rho"] = spearman([m[p] for p in buyers], [truth[p][0] for p in buyers])
        share: dict[str, str] = {}
        for currency in sorted({truth[p][1] for p in buyers}):
            group = [p for p in buyers if truth[p][1] == currency]
            share[currency] = f"{sum(m[p] == 5 for p in group) / len(group):.2f} of {len(group)}"
        figures["rfm_m5_share_by_currency"] = share
        tops = [truth[p][1] for p in top[:100] if p in truth]
        figures["top100_revenue_currencies"] = {c: tops.count(c) for c in sorted(set(tops))}
        spent = [truth[p][0] for p in top[:100] if p in truth]
        figures["top100_revenue_usd_median"] = round(float(np.median(spent)), 2) if spent else None
        figures["top100_true_usd_median"] = round(float(np.median(sorted((u for u, _ in truth.values()))[-100:])), 2)
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
