"""Free-text survey themes scored against the demo shop's planted reasons.

    PYTHONPATH=src .venv/bin/python bench/survey_themes.py [--customers 10000] [--seed 42] [--demo DIR]

The demo's post-purchase survey asks "what stopped you?" and plants the answer: each
respondent gives one of twelve reasons drawn for their archetype
(``demo/exports.py``, ``_REASONS``), written in ``survey_answers.csv`` exactly as
planted. Two corpora are grouped by ``label_themes``, each at the survey report's
``max_themes`` (5) and the persona cards' (12):

- ``demo``: the answers as the demo writes them (twelve phrases, each spelled one way).
- ``worded``: the same planted reasons, each answer rewritten in one of the wordings
  below (English, Ukrainian, Russian: inflections, synonyms a word apart, different
  case and punctuation), drawn with a seeded ``random.Random`` per answer; what a
  real shop's respondents type. The wordings are this bench's own, written before
  the grouping was tuned; themes a shop owner would want joined by meaning alone
  ("too expensive" and "price too high") share no word and are out of reach of any
  grouping by words.

Figures, per corpus and ``max_themes``:

- ``ARI``: adjusted Rand index of the themes against the planted reasons (``other``
  counts as one theme; with 12 reasons and 5 themes the best possible is below 1).
- ``purity``: share of the answers in named themes (not ``other``) whose planted
  reason is their theme's most common one.
- ``named``: share of answers in named themes.
- ``readable``: share of named themes whose name is an answer someone gave (not a
  list of stems) and a wording of the theme's most common reason.
- ``ms``: median wall time of ``label_themes`` over ``--repeats`` runs (the first,
  which imports scikit-learn and loads dictionaries, is shown apart as ``first``).

Figures only; nothing here is a test assertion.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from persona360.demo import DemoSpec, generate_shop
from persona360.surveys.report import label_themes

# planted reason -> how respondents write it (the planted phrase first)
WORDINGS: dict[str, tuple[str, ...]] = {
    "price too high": (
        "price too high", "prices are too high", "the price is high", "high price", "ціна зависока",
        "ціни високі", "висока ціна", "цена высокая", "высокие цены", "цены слишком высокие",
    ),
    "waiting for a discount": (
        "waiting for a discount", "waiting for discounts", "will wait for a discount", "чекаю на знижку",
        "чекаю знижки", "чекаю знижок", "жду скидку", "жду скидки", "жду скидок",
    ),
    "shipping cost": (
        "shipping cost", "shipping costs", "the shipping costs too much", "high shipping cost",
        "вартість доставки", "вартість доставки велика", "стоимость доставки", "стоимость доставки высокая",
    ),
    "still comparing": (
        "still comparing", "comparing with other shops", "i am comparing shops", "порівнюю з іншими магазинами",
        "ще порівнюю", "порівнюю магазини", "сравниваю магазины", "ещё сравниваю", "сравниваю с другими",
    ),
    "not enough reviews": (
        "not enough reviews", "too few reviews", "no reviews yet", "мало відгуків", "немає відгуків",
        "замало відгуків", "мало отзывов", "нет отзывов", "отзывов мало",
    ),
    "size unclear": (
        "size unclear", "not sure about the size", "unsure which size", "the sizes are unclear",
        "не знаю розмір", "незрозумілий розмір", "не понятен размер", "не знаю размер", "размеры непонятные",
    ),
    "delivery too slow": (
        "delivery too slow", "slow delivery", "the delivery is too slow", "повільна доставка",
        "доставка надто повільна", "повільно доставляють", "медленная доставка", "доставка слишком медленная",
    ),
    "no gift options": (
        "no gift options", "no gift wrapping", "no gift wrap option", "немає подарункової упаковки",
        "нема подарункового пакування", "нет подарочной упаковки", "нету подарочной упаковки",
    ),
    "payment failed": (
        "payment failed", "the payment failed", "my payment did not go through", "оплата не пройшла",
        "не пройшла оплата", "помилка оплати", "оплата не прошла", "ошибка оплаты", "не прошла оплата",
    ),
    "app crashed": (
        "app crashed", "the app crashes", "app keeps crashing", "додаток вилетів", "додаток зависає",
        "застосунок вилетів", "приложение вылетело", "приложение зависло", "вылетает приложение",
    ),
    "checkout too long": (
        "checkout too long", "checkout takes too long", "the checkout is too long", "довге оформлення замовлення",
        "оформлення замовлення задовге", "довго оформлювати замовлення", "долгое оформление заказа",
        "оформление заказа слишком долгое",
    ),
    "just browsing": (
        "just browsing", "i was just browsing", "only browsing", "просто переглядала", "просто переглядаю",
        "просто дивлюсь", "просто смотрю", "просто смотрела", "просто просматривал",
    ),
}  # fmt: skip


def demo_answers(customers: int, seed: int, folder: Path | None) -> list[str]:
    """The planted reasons of the demo's survey, in file order (blank answers left out)."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="survey-themes-") as scratch:
            generate_shop(DemoSpec(customers=customers, seed=seed), Path(scratch), workers=1)
            return demo_answers(customers, seed, Path(scratch))
    with (folder / "survey_answers.csv").open(newline="", encoding="utf-8") as rows:
        return [row["cart_abandon_reason"] for row in csv.DictReader(rows) if row["cart_abandon_reason"]]


def worded(reasons: list[str], seed: int) -> list[str]:
    """Each planted reason written as a respondent might: a wording, a case, an ending."""
    texts = []
    for n, reason in enumerate(reasons):
        rng = random.Random(f"{seed}:{n}")
        text = rng.choice(WORDINGS[reason])
        text = text.capitalize() if rng.random() < 0.5 else text
        texts.append(text + rng.choice(("", "", ".", "!", " ")))
    return texts


def score(texts: list[str], reasons: list[str], max_themes: int, repeats: int) -> dict[str, float]:
    """The figures of the module docstring for one corpus and one ``max_themes``."""
    started = time.perf_counter()
    themes, labels = label_themes(texts, max_themes)
    first = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        label_themes(texts, max_themes)
        times.append(time.perf_counter() - started)
    named = [(label, reason) for label, reason in zip(labels, reasons, strict=True) if label != "other"]
    majority = {theme: Counter(r for label, r in named if label == theme).most_common(1)[0] for theme, _ in set(named)}
    names = [theme["theme"] for theme in themes if theme["theme"] != "other"]
    return {
        "ARI": adjusted_rand_score(reasons, labels),
        "purity": sum(count for _, count in majority.values()) / max(len(named), 1),
        "named": len(named) / len(texts),
        "readable": sum(_is_wording(name, majority[name][0]) for name in names) / max(len(names), 1),
        "themes": len(themes),
        "first": 1000 * first,
        "ms": 1000 * statistics.median(times),
    }


def _is_wording(name: str, reason: str) -> bool:
    return name.casefold() in {wording.casefold() for wording in WORDINGS[reason]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=DemoSpec().customers)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--demo", type=Path, help="a folder the demo already wrote (skips generating one)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--show", action="store_true", help="print each grouping's themes too")
    args = parser.parse_args()
    reasons = demo_answers(args.customers, args.seed, args.demo)
    print(f"{len(reasons)} planted answers over {len(set(reasons))} reasons")
    corpora = {"demo": reasons, "worded": worded(reasons, args.seed)}
    header = ("ARI", 6), ("purity", 6), ("named", 6), ("readable", 8), ("themes", 6), ("first", 8), ("ms", 7)
    print(f"{'corpus':8} {'max':>3} " + " ".join(f"{name:>{width}}" for name, width in header))
    for corpus, texts in corpora.items():
        for max_themes in (5, 12):
            s = score(texts, reasons, max_themes, args.repeats)
            print(f"{corpus:8} {max_themes:3} {s['ARI']:6.3f} {s['purity']:6.3f} {s['named']:6.3f} "
                  f"{s['readable']:8.3f} {s['themes']:6.0f} {s['first']:8.1f} {s['ms']:7.1f}")  # fmt: skip
            if args.show:
                for theme in label_themes(texts, max_themes)[0]:
                    print(f"    {theme['count']:4}  {theme['theme']!r}  {theme['examples']}")


if __name__ == "__main__":
    main()
