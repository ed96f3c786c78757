"""Which free-text answers say the same thing, by the letters of their words.

Answers are vectors of the TF-IDF weights of their words' character 3-5-grams: an
inflected or misspelled word keeps most of its grams, across English, Ukrainian and
Russian, where whole words or a stemmer for one language miss. Average-linkage
clustering joins answers while a group and its neighbour are, on average, at most
``MAX_DISTANCE`` apart in cosine distance, so the number of themes follows from the
answers instead of being forced.

``MAX_DISTANCE`` was chosen on ``bench/survey_themes.py``: the planted reasons of the
demo shop, worded in three languages, grouped at 0.7, 0.8 and 0.9 gave an adjusted
Rand index of 0.55, 0.63 and 0.61, every theme pure at 0.8.
"""

from __future__ import annotations

import re
from typing import Any

MAX_DISTANCE = 0.8
# The pairwise distances of this many answers (32 MB) are clustered; rarer answers join
# the theme of the nearest one of them within MAX_DISTANCE, or stand alone.
MAX_CLUSTERED = 2000


def similar_phrases(phrases: list[str], weights: list[int]) -> list[list[int]]:
    """Groups of positions in ``phrases`` that say the same thing.

    Args:
        phrases: distinct answers.
        weights: how many gave each; the most given are clustered first when there
            are more than ``MAX_CLUSTERED``.

    Example:
        >>> similar_phrases(["shipping cost", "Shipping costs", "app crashed"], [1, 1, 1])
        [[0, 1], [2]]
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    order = sorted(range(len(phrases)), key=lambda i: (-weights[i], i))
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=_words)
    try:
        vectors = vectoriser.fit_transform([phrases[i] for i in order])
    except ValueError:  # no answer holds a word
        return [[i] for i in range(len(phrases))]
    head = min(len(order), MAX_CLUSTERED)
    labels = _clustered(vectors[:head])
    labels += _nearest(vectors[head:], vectors[:head], labels)
    groups: dict[int, list[int]] = {}
    for position, label in zip(order, labels, strict=True):
        groups.setdefault(label, []).append(position)
    return sorted((sorted(members) for members in groups.values()), key=lambda members: members[0])


def _words(text: str) -> str:
    """The words alone, lower case: digits and punctuation say nothing about a theme."""
    return " ".join(re.findall(r"[^\W\d_]+", text.casefold()))


def _clustered(vectors: Any) -> list[int]:
    from sklearn.cluster import AgglomerativeClustering

    if vectors.shape[0] < 2:
        return [0] * vectors.shape[0]
    distances = 1.0 - (vectors @ vectors.T).toarray()
    distances[distances < 0] = 0.0  # rounding of identical vectors
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=MAX_DISTANCE
    )
    return [int(label) for label in model.fit(distances).labels_]


def _nearest(rare: Any, clustered: Any, labels: list[int]) -> list[int]:
    """The theme of each rare answer's nearest clustered one, or a theme of its own when none is near."""
    if rare.shape[0] == 0:
        return []
    similarity = (rare @ clustered.T).toarray()
    nearest = similarity.argmax(axis=1)
    alone = iter(range(max(labels) + 1, max(labels) + 1 + rare.shape[0]))
    return [labels[n] if 1.0 - similarity[i, n] <= MAX_DISTANCE else next(alone) for i, n in enumerate(nearest)]
