"""Pains: what groups of customers (personas, segments) complain about in free text.

Every free-text answer is put in one theme grouping (:func:`label_themes`) and each
group is described against the whole: the themes its respondents name most, with the
share of its respondents naming each beside the share of all respondents, so a card
can say "price too high: 41% of its respondents, 18% of everyone's".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from persona360.surveys.report import has_words, label_themes

OTHER = "other"
# A theme named by this many times the base share sets the group apart: listed first.
DISTINCT = 1.2


def pains_of_groups(
    answers: Sequence[tuple[int, str]],
    groups: Mapping[Any, Collection[int]],
    *,
    max_themes: int = 12,
    top: int = 3,
) -> dict[Any, dict[str, Any]]:
    """Per group: ``{respondents, pains: [{theme, respondents, share, base_share, lift, examples}]}``.

    Args:
        answers: ``(profile_id, text)`` pairs, one per answered question and person;
            texts without a word are left out.
        groups: group key -> its profile ids.
        max_themes: themes of the one grouping over every answer (the tail is ``other``).
        top: pains listed per group: those it names at least 1.2 times as often as
            everyone first, then the rest, each by how many name it; ``other`` never.
    """
    # a shoe size or a "-" names no pain, and would only dilute the shares
    answers = [(profile_id, text) for profile_id, text in answers if has_words(text)]
    _, labels = label_themes([text for _, text in answers], max_themes)
    themes_of: dict[int, set[str]] = {}
    examples: dict[tuple[int, str], str] = {}
    for (profile_id, text), theme in zip(answers, labels, strict=True):
        if theme is not None:
            themes_of.setdefault(profile_id, set()).add(theme)
            examples.setdefault((profile_id, theme), text)
    base = _shares(themes_of, themes_of.keys())
    described = {}
    for key, members in groups.items():
        respondents = [profile_id for profile_id in members if profile_id in themes_of]
        shares = _shares(themes_of, respondents)
        ranked = sorted(
            (theme for theme in shares if theme != OTHER),
            key=lambda theme: (shares[theme][1] < DISTINCT * base[theme][1], -shares[theme][0], theme),
        )[:top]
        described[key] = {
            "respondents": len(respondents),
            "pains": [
                {
                    "theme": theme,
                    "respondents": shares[theme][0],
                    "share": shares[theme][1],
                    "base_share": base[theme][1],
                    "lift": round(shares[theme][1] / base[theme][1], 2) if base[theme][1] else None,
                    "examples": _examples(examples, respondents, theme),
                }
                for theme in ranked
            ],
        }
    return described


def _shares(themes_of: Mapping[int, set[str]], profiles: Collection[int]) -> dict[str, tuple[int, float]]:
    counts: dict[str, int] = {}
    for profile_id in profiles:
        for theme in themes_of[profile_id]:
            counts[theme] = counts.get(theme, 0) + 1
    total = len(profiles)
    return {theme: (count, round(count / total, 4)) for theme, count in counts.items()}


def _examples(examples: Mapping[tuple[int, str], str], respondents: Sequence[int], theme: str) -> list[str]:
    found: list[str] = []
    for profile_id in respondents:
        text = examples.get((profile_id, theme))
        if text is not None and text not in found:
            found.append(text)
            if len(found) == 2:
                break
    return found
