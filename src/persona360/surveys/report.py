"""Survey reports: the Net Promoter Score and free-text answers grouped by theme.

NPS = % promoters (9-10) - % detractors (0-6), over each person's latest answer.

Themes: TF-IDF vectors clustered by k-means (scikit-learn), each cluster named by its
heaviest terms; it separates "late courier" from "damaged box" better than counting
words. Fewer than four answers, or answers of stop words only, are grouped by their
most common keyword instead. Both are deterministic.
"""

from __future__ import annotations

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
    """Group free-text answers by theme, largest first: ``{theme, count, examples, example_counts}``.

    ``examples`` are up to three different answers of the theme, the most given first, each
    as most people spelled it; ``example_counts`` says how many gave each.

    Example:
        >>> group_themes(["too pricey", "Too pricey!", "too  pricey", "Shipping cost"])[0]["examples"]
        ['too pricey']
    """
    themes, _ = label_themes(texts, max_themes, use_sklearn=use_sklearn)
    return themes


def label_themes(
    texts: list[str], max_themes: int = 5, *, use_sklearn: bool = True
) -> tuple[list[dict[str, Any]], list[str | None]]:
    """The themes of :func:`group_themes` and each text's theme name (None for a blank text).

    The labels let a caller count one grouping over any subset of the answers (a
    persona's, a segment's), so the same pain has the same name everywhere.

    Answers that say the same words ("Price too high!", "price too high") are one
    phrase. With no more phrases than ``max_themes`` each phrase is its own theme;
    otherwise the phrases, weighted by how often they were given, are clustered.
    """
    kept = [i for i, text in enumerate(texts) if text.strip()]
    if not kept:
        return [], [None] * len(texts)
    answers = [texts[i] for i in kept]
    phrases: dict[str, list[int]] = {}
    for position, text in enumerate(answers):
        phrases.setdefault(" ".join(sorted(set(_tokens(text)))) or text.strip().lower(), []).append(position)
    keys = list(phrases)
    groups = None
    if len(keys) <= max_themes:
        groups = {_said_most(answers, phrases[key]): phrases[key] for key in keys}
    elif use_sklearn and len(keys) >= 4:
        clusters = _kmeans_groups(keys, [len(phrases[key]) for key in keys], max_themes)
        if clusters is not None:
            groups = {}
            for name, members in clusters.items():
                positions = [p for member in members for p in phrases[keys[member]]]
                # a theme of one phrase is called what people wrote, not by its two heaviest words
                groups[_said_most(answers, positions) if len(members) == 1 else name] = positions
    if groups is None:
        groups = _keyword_groups(answers)
    themes, name_of = _ranked(groups, answers, max_themes)
    labels: list[str | None] = [None] * len(texts)
    for position, i in enumerate(kept):
        labels[i] = name_of[position]
    return themes, labels


def _said_most(answers: list[str], positions: list[int]) -> str:
    """The wording of a phrase most people used, as its theme name."""
    counts = Counter(answers[p].strip().lower() for p in positions)
    return min(counts, key=lambda text: (-counts[text], text))


def has_words(text: str) -> bool:
    """Whether a text holds a word themes can be made of ("41" or "-" holds none)."""
    return bool(_tokens(text))


def _tokens(text: str) -> list[str]:
    return [word for word in re.findall(r"[^\W\d_]{3,}", text.lower()) if word not in STOPWORDS]


def _keyword_groups(texts: list[str]) -> dict[str, list[int]]:
    counts = Counter(word for text in texts for word in set(_tokens(text)))
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        words = sorted(set(_tokens(text)), key=lambda w: (-counts[w], w))
        groups.setdefault(words[0] if words else "other", []).append(i)
    return groups


def _kmeans_groups(phrases: list[str], weights: list[int], max_themes: int) -> dict[str, list[int]] | None:
    """Phrases (as sorted word lists) clustered by k-means on TF-IDF, named by their heaviest words."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(tokenizer=str.split, lowercase=False, token_pattern=None)
    try:
        matrix = vectoriser.fit_transform(phrases)
    except ValueError:  # every answer was stop words only
        return None
    labels, centres = _best_clustering(matrix, weights, max_themes, KMeans)
    terms = vectoriser.get_feature_names_out()
    groups: dict[str, list[int]] = {}
    for cluster, centre in enumerate(centres):
        top = centre.argsort()[::-1][:2]
        name = " / ".join(str(terms[i]) for i in top)
        members = [i for i, label in enumerate(labels) if label == cluster]
        if members:
            groups.setdefault(name, []).extend(members)
    return groups


def _best_clustering(matrix: Any, weights: list[int], max_themes: int, kmeans: Any) -> tuple[Any, Any]:
    """k-means with the number of themes of the best silhouette (cosine) in 2..max_themes.

    A fixed rule such as k = sqrt(n/2) merges unrelated phrases; k is chosen by how
    well the phrases separate, measured on at most 2,000 of them to bound the cost.
    """
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    best: tuple[float, Any] | None = None
    # small sparse fits: one thread is several times faster than a pool's start-up
    with threadpool_limits(1):
        for k in range(2, min(max_themes, matrix.shape[0] - 1) + 1):
            model = kmeans(n_clusters=k, n_init=3, random_state=0).fit(matrix, sample_weight=weights)
            if len(set(model.labels_)) < 2:
                continue
            sample = min(2000, matrix.shape[0])
            score = silhouette_score(matrix, model.labels_, metric="cosine", sample_size=sample, random_state=0)
            # phrases that share no word tie at 0 for every k: the finer grouping wins ties
            if best is None or score >= best[0] - 1e-9:
                best = (score, model)
    if best is None:
        model = kmeans(n_clusters=1, n_init=1, random_state=0).fit(matrix, sample_weight=weights)
        return model.labels_, model.cluster_centers_
    return best[1].labels_, best[1].cluster_centers_


def _ranked(groups: dict[str, list[int]], texts: list[str], max_themes: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Themes largest first, the tail folded into ``other``; and each text's theme name."""
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    if len(ordered) > max_themes:
        rest = [i for _, members in ordered[max_themes - 1 :] for i in members]
        ordered = [*ordered[: max_themes - 1], ("other", sorted(rest))]
    name_of = [""] * len(texts)
    themes: list[dict[str, Any]] = []
    for name, members in ordered:
        for i in members:
            name_of[i] = name
        examples = _examples(texts, members)
        themes.append(
            {
                "theme": name,
                "count": len(members),
                "examples": [text for text, _ in examples],
                "example_counts": [count for _, count in examples],
            }
        )
    return themes, name_of


def _examples(texts: list[str], members: list[int], top: int = 3) -> list[tuple[str, int]]:
    """The ``top`` most given answers among ``members``, each with how many gave it.

    Answers that differ only in case, spacing or trailing punctuation are one answer,
    shown as most of its people spelled it (the first seen on a tie): a theme of one
    phrase would otherwise show that phrase three times.
    """
    spellings: dict[str, Counter[str]] = {}
    for i in members:
        spelled = " ".join(texts[i].split())
        spellings.setdefault(_answer_key(spelled), Counter())[spelled] += 1
    ranked = sorted(spellings.values(), key=lambda counts: -counts.total())
    return [(counts.most_common(1)[0][0], counts.total()) for counts in ranked[:top]]


def _answer_key(text: str) -> str:
    return text.casefold().rstrip(".!?…").strip()
