"""Survey reports: the Net Promoter Score and free-text answers grouped by theme.

NPS = % promoters (9-10) - % detractors (0-6), over each person's latest answer.

Themes: with scikit-learn installed, TF-IDF vectors clustered by k-means, each cluster
named by its heaviest terms; it separates "late courier" from "damaged box" better than
counting words. scikit-learn is not a dependency of persona360, so without it the
answers are grouped by their most common keyword. Both are deterministic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

_STOPWORD_TEXT = (
    "a an and are as at be but by for from had has have i in is it its me my no not of on or so "
    "that the then there this to too very was we were what when with you your"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def nps_summary(scores: list[int]) -> dict[str, Any]:
    """Counts of promoters, passives and detractors, and the score (None without answers).

    Example:
        >>> nps_summary([10, 9, 8, 3])["nps"]
        25.0
    """
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    total = len(scores)
    nps = round(100.0 * (promoters - detractors) / total, 1) if total else None
    return {
        "responses": total,
        "promoters": promoters,
        "passives": total - promoters - detractors,
        "detractors": detractors,
        "nps": nps,
    }


def group_themes(texts: list[str], max_themes: int = 5, *, use_sklearn: bool = True) -> list[dict[str, Any]]:
    """Group free-text answers by theme, largest first: ``{theme, count, examples}``."""
    texts = [text for text in texts if text.strip()]
    if not texts:
        return []
    if use_sklearn and len(texts) >= 4:
        try:
            return _kmeans_themes(texts, max_themes)
        except ImportError:
            pass
    return _keyword_themes(texts, max_themes)


def _tokens(text: str) -> list[str]:
    return [word for word in re.findall(r"[^\W\d_]{3,}", text.lower()) if word not in STOPWORDS]


def _keyword_themes(texts: list[str], max_themes: int) -> list[dict[str, Any]]:
    counts = Counter(word for text in texts for word in set(_tokens(text)))
    groups: dict[str, list[str]] = {}
    for text in texts:
        words = sorted(set(_tokens(text)), key=lambda w: (-counts[w], w))
        groups.setdefault(words[0] if words else "other", []).append(text)
    return _ranked(groups, max_themes)


def _kmeans_themes(texts: list[str], max_themes: int) -> list[dict[str, Any]]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(tokenizer=_tokens, lowercase=False, token_pattern=None)
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # every answer was stop words only
        return _keyword_themes(texts, max_themes)
    # sqrt(n/2) is the usual rule of thumb for k when nothing better is known
    k = max(1, min(max_themes, round(math.sqrt(len(texts) / 2)), matrix.shape[1]))
    model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(matrix)
    terms = vectoriser.get_feature_names_out()
    groups: dict[str, list[str]] = {}
    for cluster in range(k):
        top = model.cluster_centers_[cluster].argsort()[::-1][:2]
        name = " / ".join(str(terms[i]) for i in top)
        groups[name] = [text for text, label in zip(texts, model.labels_, strict=True) if label == cluster]
    return _ranked({name: members for name, members in groups.items() if members}, max_themes)


def _ranked(groups: dict[str, list[str]], max_themes: int) -> list[dict[str, Any]]:
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    themes: list[dict[str, Any]] = [
        {"theme": name, "count": len(members), "examples": members[:3]} for name, members in ordered
    ]
    if len(themes) > max_themes:
        rest = themes[max_themes - 1 :]
        other = {"theme": "other", "count": sum(t["count"] for t in rest), "examples": rest[0]["examples"]}
        themes = [*themes[: max_themes - 1], other]
    return themes
