"""k-means discovery on made-up blobs: k by silhouette, stability, Jaccard."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from persona360.personas.discovery import (
    DiscoveryOptions,
    PersonaDiscoveryError,
    assign,
    best_jaccard,
    discover,
    fit_scaler,
)


def blobs(k: int = 4, per: int = 60, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, 5))
    truth = np.repeat(np.arange(k), per)
    return centres[truth] + rng.normal(0, 0.6, size=(k * per, 5)), truth


def test_finds_the_planted_number_of_clusters() -> None:
    values, truth = blobs()
    found = discover(values, DiscoveryOptions(k_min=2, k_max=7, bootstraps=4))
    assert found.k == 4
    assert adjusted_rand_score(truth, found.labels) > 0.95
    assert found.stability["ari_mean"] > 0.9
    assert found.stability["unstable"] == []
    assert set(found.silhouettes) == set(range(2, 8))


def test_a_fixed_k_skips_the_search() -> None:
    values, _ = blobs()
    found = discover(values, DiscoveryOptions(k=3, bootstraps=0))
    assert found.k == 3 and list(found.silhouettes) == [3]
    assert found.stability == {"bootstraps": 0}


def test_noise_is_flagged_unstable() -> None:
    values = np.random.default_rng(3).normal(size=(200, 4))
    found = discover(values, DiscoveryOptions(k=8, bootstraps=5))
    assert found.stability["unstable"], found.stability


@pytest.mark.parametrize(
    ("options", "rows", "message"),
    [
        (DiscoveryOptions(k_min=3, k_max=4), 10, "too few"),
        (DiscoveryOptions(k=50), 100, "too few"),
    ],
)
def test_too_few_customers(options: DiscoveryOptions, rows: int, message: str) -> None:
    with pytest.raises(PersonaDiscoveryError, match=message):
        options.ks(rows)


def test_unknown_scaler() -> None:
    with pytest.raises(PersonaDiscoveryError, match="scaler='minmax'"):
        fit_scaler(np.ones((5, 2)), "minmax")


def test_constant_columns_keep_scale_one() -> None:
    values = np.column_stack([np.ones(10), np.arange(10.0)])
    for kind in ("standard", "robust"):
        _, scale = fit_scaler(values, kind)
        assert scale[0] == 1.0 and scale[1] > 0


def test_assign_and_jaccard() -> None:
    labels, distances = assign(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([[9.0, 0.0], [0.0, 1.0]]))
    assert labels.tolist() == [1, 0] and distances.tolist() == [1.0, 1.0]
    reference = np.array([0, 0, 1, 1])
    assert best_jaccard(reference, np.array([1, 1, 0, 0]), 2).tolist() == [1.0, 1.0]
    assert best_jaccard(reference, np.array([0, 1, 1, 1]), 2).tolist() == [0.5, 2 / 3]


def test_a_large_base_is_fitted_on_a_sample_and_every_row_assigned() -> None:
    values, truth = blobs(per=500)
    found = discover(values, DiscoveryOptions(k_min=2, k_max=6, select_sample=200, fit_sample=600, bootstraps=3))
    assert found.k == 4 and len(found.labels) == len(values) == len(found.distances)
    assert adjusted_rand_score(truth, found.labels) > 0.95
    assert found.stability["ari_mean"] > 0.9


@pytest.mark.parametrize("name", ["select_sample", "fit_sample"])
def test_a_sample_under_two_is_refused(name: str) -> None:
    with pytest.raises(PersonaDiscoveryError, match=f"{name}=1"):
        discover(blobs()[0], DiscoveryOptions(k=3, **{name: 1}))


def test_assign_in_chunks_equals_all_at_once() -> None:
    values, _ = blobs(per=100)
    centroids = values[:5]
    whole = assign(values, centroids)
    chunked = assign(values, centroids, chunk=7)
    assert whole[0].tolist() == chunked[0].tolist() and np.allclose(whole[1], chunked[1])


def test_only_known_values_vote_in_the_assignment() -> None:
    centroids = np.array([[0.0, 0.0], [4.0, 4.0]])
    # known first value 3.5 (near the second centre); the second value was imputed as 0
    rows = np.array([[3.5, 0.0], [0.5, 0.0]])
    labels, distances = assign(rows, centroids)
    assert labels.tolist() == [0, 0]  # the imputed 0 drags the first row to the first centre
    observed = np.array([[True, False], [True, True]])
    labels, distances = assign(rows, centroids, observed=observed)
    assert labels.tolist() == [1, 0]
    assert distances[0] == pytest.approx(np.sqrt(0.5**2 * 2))  # one known gap, scaled to two columns
    assert distances[1] == pytest.approx(0.5)
