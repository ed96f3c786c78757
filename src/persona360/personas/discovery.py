"""Finding personas: scale, k-means over a range of k, silhouette, bootstrap stability.

Pure numpy/scikit-learn: no database, so every step is unit-tested on made-up blobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn.cluster import KMeans

from persona360.errors import Persona360Error

UNSTABLE_BELOW = 0.75  # mean bootstrap Jaccard under which a persona is flagged unstable


class PersonaDiscoveryError(ValueError, Persona360Error):
    """Too few customers, or options that cannot work on the data."""


@dataclass(frozen=True)
class DiscoveryOptions:
    """How personas are searched for.

    Args:
        k_min: the fewest personas tried.
        k_max: the most personas tried.
        k: a fixed number of personas (skips the silhouette search).
        scaler: ``standard`` (z-scores) or ``robust`` (median and IQR).
        silhouette_sample: customers the silhouette is computed on.
        select_sample: the most customers the choice of k and the bootstrap refits see
            (a random sample): a silhouette and a stability are statistics, 10,000
            customers estimate them as well as a million do.
        fit_sample: the most customers the final k-means sees; beyond it every customer
            is assigned to the nearest centre of a fit on a random sample (centres of
            50,000 random customers move by noise only).
        bootstraps: resamples for the stability check (0 skips it).
        seed: the random seed of every step.
    """

    k_min: int = 3
    k_max: int = 12
    k: int | None = None
    scaler: str = "standard"
    silhouette_sample: int = 3000
    select_sample: int = 10_000
    fit_sample: int = 50_000
    bootstraps: int = 10
    seed: int = 0

    def ks(self, customers: int) -> list[int]:
        """The values of k worth trying on ``customers`` rows."""
        candidates = [self.k] if self.k is not None else list(range(max(2, self.k_min), self.k_max + 1))
        usable = [k for k in candidates if k * 5 <= customers]
        if not usable:
            raise PersonaDiscoveryError(
                f"{customers} customers are too few for k in {candidates}: "
                "each persona needs at least 5 customers; lower --k-max or load more data"
            )
        return usable


@dataclass
class Discovery:
    """A fitted persona model: the scaler, the centroids and how good they are."""

    k: int
    center: np.ndarray
    scale: np.ndarray
    centroids: np.ndarray  # in scaled space
    labels: np.ndarray
    distances: np.ndarray  # to the own centroid, scaled space
    silhouettes: dict[int, float]
    stability: dict[str, Any] = field(default_factory=dict)


def discover(values: np.ndarray, options: DiscoveryOptions, observed: np.ndarray | None = None) -> Discovery:
    """Scale ``values``, pick k by silhouette, fit k-means and check its stability.

    ``observed`` (rows x columns, true where the value was known, not imputed) makes
    every assignment measure distance on the known values only (see :func:`assign`).

    The fits see at most ``options.fit_sample`` rows (a random sample); the labels and
    distances returned cover every row. They run on one thread: scikit-learn's OpenMP
    threads spin while they wait for a core, and on a busy server (the ingest writer,
    the API, DuckDB) that made k-means 13 times slower on two cores than one thread
    (20,000 customers, k 4/8/12: 57 s against 2.1 s at load 20).
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - only a build needs it

    with threadpool_limits(limits=1):
        return _discover(values, options, np.ones(values.shape, dtype=bool) if observed is None else observed)


def _discover(values: np.ndarray, options: DiscoveryOptions, observed: np.ndarray) -> Discovery:
    for name in ("select_sample", "fit_sample"):
        if getattr(options, name) < 2:
            raise PersonaDiscoveryError(f"{name}={getattr(options, name)}: k-means needs at least 2 customers")
    center, scale = fit_scaler(values, options.scaler)
    scaled = (values - center) / scale
    rng = np.random.default_rng(options.seed)
    chosen = _sample(rng, len(scaled), options.select_sample)
    selected = scaled[chosen]
    sample = _sample(rng, len(selected), options.silhouette_sample)
    fits = {k: _kmeans(selected, k, options.seed) for k in options.ks(len(scaled))}
    silhouettes = {k: _silhouette(selected[sample], fit.labels_[sample]) for k, fit in fits.items()}
    best = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    fit = fits[best]
    if len(scaled) > len(selected):
        fit = _kmeans(scaled[_sample(rng, len(scaled), options.fit_sample)], best, options.seed)
    labels, distances = assign(scaled, fit.cluster_centers_, observed=observed)
    found = Discovery(best, center, scale, fit.cluster_centers_, labels, distances, silhouettes)
    known = observed[chosen]
    reference = (
        found
        if len(selected) == len(scaled)
        else replace(found, labels=assign(selected, found.centroids, observed=known)[0])
    )
    found.stability = bootstrap_stability(selected, reference, options.bootstraps, options.seed, known)
    return found


def _sample(rng: np.random.Generator, rows: int, size: int) -> np.ndarray:
    """Row numbers of a random sample of ``size`` rows (all of them, in order, when there are fewer)."""
    return np.arange(rows) if rows <= size else np.sort(rng.choice(rows, size=size, replace=False))


def fit_scaler(values: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale per column; a constant column keeps scale 1."""
    # scikit-learn takes seconds to import: only a build pays for it, not every CLI call
    from sklearn.preprocessing import RobustScaler, StandardScaler  # noqa: PLC0415

    scalers = {"standard": StandardScaler, "robust": RobustScaler}
    if kind not in scalers:
        raise PersonaDiscoveryError(f"scaler={kind!r}: use one of {sorted(scalers)}")
    scaler = scalers[kind]().fit(values)
    center = scaler.mean_ if kind == "standard" else scaler.center_
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return np.asarray(center, dtype=float), np.asarray(scale, dtype=float)


def assign(
    scaled: np.ndarray, centroids: np.ndarray, chunk: int = 65_536, observed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The nearest centroid of each row and the distance to it.

    With ``observed``, only a row's known values vote: the squared gaps of imputed
    values are left out and the sum is scaled up by (columns / known columns). A
    median stands for "unknown", not for "average": counted as a value, it pulled the
    customers with little data (imported orders only, no account date) to whichever
    persona sat nearest the middle of every column.

    Rows go in chunks, so a million customers never need a (rows x k x features) array.
    """
    labels = np.empty(len(scaled), dtype=np.int64)
    distances = np.empty(len(scaled), dtype=float)
    for start in range(0, len(scaled), chunk):
        rows = scaled[start : start + chunk]
        squares = (rows[:, None, :] - centroids[None, :, :]) ** 2
        if observed is not None:
            known = observed[start : start + chunk]
            weight = scaled.shape[1] / np.maximum(known.sum(axis=1), 1)
            squares = squares * known[:, None, :] * weight[:, None, None]
        gaps = np.sqrt(squares.sum(axis=2))
        labels[start : start + chunk] = gaps.argmin(axis=1)
        distances[start : start + chunk] = gaps[np.arange(len(rows)), labels[start : start + chunk]]
    return labels, distances


def bootstrap_stability(
    scaled: np.ndarray, found: Discovery, bootstraps: int, seed: int, observed: np.ndarray | None = None
) -> dict[str, Any]:
    """Refit on resamples; compare each refit's assignment of *all* rows to the model's.

    ``scaled`` is what k was chosen on (the selection sample for a large base) and
    ``found.labels`` the model's labels there.

    Returns the mean adjusted Rand index between the model and the refits, and per
    persona the mean best Jaccard overlap with a refit cluster (Hennig's cluster-wise
    stability); a persona under 0.75 is listed as unstable.
    """
    if bootstraps <= 0:
        return {"bootstraps": 0}
    rng = np.random.default_rng(seed + 1)
    aris: list[float] = []
    jaccards = np.zeros((bootstraps, found.k))
    for run in range(bootstraps):
        rows = rng.choice(len(scaled), size=len(scaled), replace=True)
        refit = _kmeans(scaled[rows], found.k, seed + 1 + run)
        labels, _ = assign(scaled, refit.cluster_centers_, observed=observed)
        aris.append(float(adjusted_rand(found.labels, labels)))
        jaccards[run] = best_jaccard(found.labels, labels, found.k)
    per_persona = jaccards.mean(axis=0)
    return {
        "bootstraps": bootstraps,
        "ari_mean": float(np.mean(aris)),
        "ari_min": float(np.min(aris)),
        "jaccard": [round(float(j), 4) for j in per_persona],
        "unstable": [int(p) for p in np.flatnonzero(per_persona < UNSTABLE_BELOW)],
    }


def best_jaccard(reference: np.ndarray, other: np.ndarray, k: int) -> np.ndarray:
    """For each reference cluster, its largest Jaccard overlap with any cluster of ``other``."""
    scores = np.zeros(k)
    for cluster in range(k):
        mine = reference == cluster
        for candidate in np.unique(other[mine]):
            theirs = other == candidate
            union = np.count_nonzero(mine | theirs)
            scores[cluster] = max(scores[cluster], np.count_nonzero(mine & theirs) / union)
    return scores


def adjusted_rand(a: Any, b: Any) -> float:
    from sklearn.metrics import adjusted_rand_score  # noqa: PLC0415

    return float(adjusted_rand_score(a, b))


def _kmeans(scaled: np.ndarray, k: int, seed: int) -> KMeans:
    from sklearn.cluster import KMeans  # noqa: PLC0415

    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit(scaled)


def _silhouette(scaled: np.ndarray, labels: np.ndarray) -> float:
    if len(np.unique(labels)) < 2:
        return -1.0
    from sklearn.metrics import silhouette_score  # noqa: PLC0415

    return float(silhouette_score(scaled, labels))
