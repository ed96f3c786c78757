"""Fit and score time of the predict room beside ``lifetimes``, measured in the same run.

    .venv/bin/python bench/predict.py [--sizes 100000 1000000] [--runs 3] [--lifetimes-runs 3]
        [--purchase-model mbgnbd|bgnbd]

Data: CDNOW (2,357 customers, weeks, from the files inside the ``lifetimes`` package)
and customers simulated from a BG/NBD and a Gamma-Gamma model with a seeded generator
(ages 0..730 whole days, recency floored to whole days, as purchase days in a
workspace are). Each run fits both models and scores every customer (expected
purchases in 30/90/365 time units, P(alive), CLV over 12 months at 1% a month); the
figure is the median of ``--runs`` runs. Both libraries get the same arrays; the
parameters they find are compared. ``--purchase-model`` picks BG/NBD (lifetimes'
BetaGeoFitter, the default here, as in the earlier figures) or MBG/NBD (its
ModifiedBetaGeoFitter). Figures only: nothing here is a test assertion.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from persona360.predict.bgnbd import BgNbd, fit_purchase_model
from persona360.predict.gamma_gamma import GammaGamma, fit_gamma_gamma
from persona360.predict.mbgnbd import MbgNbd
from persona360.predict.purchases import PurchaseHistory
from persona360.predict.scoring import score
from persona360.predict.simulation import simulate_bgnbd, simulate_spend

Data = dict[str, np.ndarray]
KINDS: dict[str, type[BgNbd]] = {"bgnbd": BgNbd, "mbgnbd": MbgNbd}


def cdnow() -> Data:
    spec = importlib.util.find_spec("lifetimes")
    assert spec is not None and spec.origin is not None, "install lifetimes (dev group)"
    path = Path(spec.origin).parent / "datasets" / "cdnow_customers_summary_with_transactions.csv"
    s = np.genfromtxt(path, delimiter=",", names=True)
    return {"x": s["x"], "t_x": s["t_x"], "T": s["T"], "spend_days": s["x"], "m": s["zbar"]}


def simulated(size: int, seed: int = 2026) -> Data:
    rng = np.random.default_rng(seed)
    T = np.floor(rng.uniform(0, 731, size))
    x, t_x = simulate_bgnbd(BgNbd(0.6, 70.0, 0.7, 3.5), T, rng, whole_days=True)
    m = np.where(x > 0, simulate_spend(GammaGamma(6.0, 4.0, 15.0), np.maximum(x, 1), rng), 0.0)
    return {"x": x, "t_x": t_x, "T": T, "spend_days": x, "m": m}


def ours(d: Data, kind: type[BgNbd]) -> dict[str, float]:
    bg, _ = fit_purchase_model(kind, d["x"], d["t_x"], d["T"])
    spenders = d["x"] > 0
    gg, _ = fit_gamma_gamma(d["x"][spenders], d["m"][spenders])
    history = PurchaseHistory(
        np.arange(len(d["x"])),
        d["x"],
        d["t_x"],
        d["T"],
        d["spend_days"],
        np.where(spenders, d["m"], np.nan),
        np.zeros(len(d["x"])),
    )
    score(history, bg, gg, horizon_months=12, monthly_discount=0.01)
    return {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "p": gg.p, "q": gg.q, "gamma": gg.gamma}


def theirs(d: Data, kind: type[BgNbd]) -> dict[str, float]:
    with warnings.catch_warnings():
        # lifetimes is unmaintained and warns under pandas 3; that is not our concern here
        warnings.simplefilter("ignore")
        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter

        x, t_x, T = pd.Series(d["x"]), pd.Series(d["t_x"]), pd.Series(d["T"])
        bg = (ModifiedBetaGeoFitter if kind is MbgNbd else BetaGeoFitter)().fit(x, t_x, T)
        spenders = d["x"] > 0
        gg = GammaGammaFitter().fit(x[spenders], pd.Series(d["m"])[spenders])
        for window in (30, 90, 365):
            bg.conditional_expected_number_of_purchases_up_to_time(window, x, t_x, T)
        bg.conditional_probability_alive(x, t_x, T)
        gg.customer_lifetime_value(
            bg,
            x,
            t_x,
            T,
            pd.Series(np.where(spenders, d["m"], 0.0)),
            time=12,
            discount_rate=0.01,
            freq="D",
        )
    return {**bg.params_.to_dict(), "p": gg.params_["p"], "q": gg.params_["q"], "gamma": gg.params_["v"]}


def timed(job: Callable[[Data], dict[str, float]], d: Data, runs: int) -> tuple[float, dict[str, float]]:
    times, params = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        params = job(d)
        times.append(time.perf_counter() - started)
    return statistics.median(times), params


def compare(name: str, d: Data, runs: int, lifetimes_runs: int, kind: type[BgNbd]) -> dict[str, Any]:
    our_time, our_params = timed(lambda data: ours(data, kind), d, runs)
    row: dict[str, Any] = {"data": name, "customers": len(d["x"]), "ours_s": our_time}
    if lifetimes_runs:
        their_time, their_params = timed(lambda data: theirs(data, kind), d, lifetimes_runs)
        gap = max(abs(our_params[k] / their_params[k] - 1) for k in our_params)
        row |= {"lifetimes_s": their_time, "speed-up": their_time / our_time, "max_param_gap": gap}
    row["params"] = {k: round(v, 4) for k, v in our_params.items()}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lifetimes-runs", type=int, default=3)
    parser.add_argument("--purchase-model", choices=sorted(KINDS), default="bgnbd")
    args = parser.parse_args()
    datasets = [("CDNOW (weeks)", cdnow())] + [(f"simulated {n:,} (days)", simulated(n)) for n in args.sizes]
    for name, d in datasets:
        row = compare(name, d, args.runs, args.lifetimes_runs, KINDS[args.purchase_model])
        print(
            f"{row['data']:>28}: ours {row['ours_s']:7.3f} s"
            + (
                f", lifetimes {row['lifetimes_s']:8.3f} s, {row['speed-up']:6.1f}x faster, "
                f"parameters agree within {100 * row['max_param_gap']:.3f}%"
                if "lifetimes_s" in row
                else ""
            )
        )
        print(f"{'':>30}{row['params']}")


if __name__ == "__main__":
    main()
