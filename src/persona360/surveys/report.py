"""Survey reports: the Net Promoter Score and free-text answers grouped by theme.

NPS = % promoters (9-10) - % detractors (0-6), over each person's latest answer.

Themes: answers are compared by the character 3-5-grams of their words (TF-IDF,
scikit-learn), so "shipping cost" meets "shipping costs", "доставки" meets "доставка"
and a Ukrainian "оплата не пройшла" meets a Russian "оплата не прошла" without a
stemmer or a dictionary per language. Similar answers are joined by average-linkage
clustering up to a fixed dissimilarity, so unrelated answers are never forced into
one theme to reach a number of themes (k-means did that: "price too high" named a
theme of 290 answers, 88 of them about price). Each theme is named by its most given
answer, words a shop owner wrote rather than stems. Both are deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from persona360.surveys.similarity import similar_phrases

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

    Answers that differ only in case, spacing or a final ``.!?`` are one phrase; the
    phrases are grouped by :func:`similar_phrases` into as many themes as they say
    things, the largest ``max_themes - 1`` kept and the rest folded into ``other``
    when there are more. Without scikit-learn, answers are grouped by their most
    common keyword.
    """
    kept = [i for i, text in enumerate(texts) if text.strip()]
    if not kept:
        return [], [None] * len(texts)
    answers = [texts[i] for i in kept]
    phrases: dict[str, list[int]] = {}
    for position, text in enumerate(answers):
        phrases.setdefault(_answer_key(" ".join(text.split())), []).append(position)
    keys = list(phrases)
    if use_sklearn and len(keys) >= 2:
        groups: dict[str, list[int]] = {}
        for members in similar_phrases(keys, [len(phrases[key]) for key in keys]):
            positions = [p for member in members for p in phrases[keys[member]]]
            groups[_said_most(answers, positions)] = positions
    else:
        groups = _keyword_groups(answers)
    themes, name_of = _ranked(groups, answers, max_themes)
    labels: list[str | None] = [None] * len(texts)
    for position, i in enumerate(kept):
        labels[i] = name_of[position]
    return themes, labels


def _said_most(answers: list[str], positions: list[int]) -> str:
    """The answer most people gave, as a theme's name."""
    counts = Counter(_answer_key(" ".join(answers[p].split())) for p in positions)
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
