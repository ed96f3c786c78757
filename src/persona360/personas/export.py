"""Persona cards as Markdown or JSON documents."""

from __future__ import annotations

from typing import Any

import orjson

from persona360.personas.cards import CHANNEL_LABELS, CHANNELS_NOTE, CHANNELS_TITLE
from persona360.personas.freshness import drift_summary, with_freshness
from persona360.store.money import shares_text


def export_json(stored: dict[str, Any], age: dict[str, Any]) -> str:
    """The model's cards (each with its age and drift), report, age and drift summary as one JSON document."""
    document = {
        "version": stored["version"],
        "built_at": stored["built_at"].isoformat(),
        "customers": stored["profiles"],
        **age,
        "drift": drift_summary(stored["report"].get("drift")),
        "report": stored["report"],
        "personas": [with_freshness(card, stored, age) for card in stored["cards"]],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()


def export_markdown(stored: dict[str, Any], age: dict[str, Any]) -> str:
    """The cards as a Markdown document, one section per persona."""
    stale = " **(stale: rebuild with `persona360 personas build`)**" if age["stale"] else ""
    lines = [
        f"# Personas (model v{stored['version']})",
        "",
        f"Built {stored['built_at']:%Y-%m-%d %H:%M} UTC from {stored['profiles']} customers; "
        f"{age['age_days']} days old{stale}.",
        "",
        f"**Since the previous model:** {_summary(drift_summary(stored['report'].get('drift')))}",
    ]
    for card in stored["cards"]:
        lines += ["", *card_markdown(with_freshness(card, stored, age))]
    return "\n".join(lines) + "\n"


def card_markdown(card: dict[str, Any]) -> list[str]:
    """One persona card as Markdown lines (with its age and drift when the card carries them)."""
    lines = [
        f"## {card['persona']}. {card['name']}",
        "",
        card["avatar_svg"],
        "",
        f"*{card['description']}*",
        "",
        f"- **Size:** {card['size']} customers ({card['share']:.1%}), "
        f"revenue {shares_text(card['revenue_shares'])}; {card['close_profiles']} close to the centre",
        f"- **Archetypes:** {_archetypes(card)}",
        f"- **Best send hour:** {_hour(card['best_send_hour'])}",
        f"- **Behaviour:** {_pairs(card['behaviour'])}",
        f"- **{CHANNELS_TITLE}:** {_channels(card['channels'])} ({CHANNELS_NOTE})",
        f"- **Stability:** {_stability(card['stability'])}",
        *_freshness(card),
        "",
        "| feature | persona | everyone | ratio | z |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['feature']} | {row['persona']} | {row['base']} | {row['ratio']} | {row['z']:+} |"
        for row in card["distinguishing"]
    ]
    if card["triggers"]:
        lines += ["", "**Triggers:** " + "; ".join(card["triggers"])]
    if card["offers"]:
        lines += ["", "**Offers:** " + "; ".join(card["offers"])]
    lines += _pains(card.get("pains"))
    return lines


def _pains(pains: dict[str, Any] | None) -> list[str]:
    """The pains section: themes of the members' free-text answers, against everyone's."""
    if not pains or not pains["pains"]:
        return []
    lines = ["", f"**Pains** (free-text survey answers of {pains['respondents']} members):"]
    lines += [
        f"- {pain['theme']}: {pain['share']:.0%} of its respondents (everyone: {pain['base_share']:.0%})"
        + (f', e.g. "{pain["examples"][0]}"' if pain["examples"] else "")
        for pain in pains["pains"]
    ]
    return lines


def _freshness(card: dict[str, Any]) -> list[str]:
    if "age_days" not in card:
        return []
    stale = f" **stale** (older than {card['stale_after_days']} days): rebuild" if card["stale"] else ""
    return [
        f"- **Age:** model v{card['version']}, {card['age_days']} days old{stale}",
        f"- **Drift:** {_card_drift(card.get('drift'))}",
    ]


def _card_drift(drift: dict[str, Any] | None) -> str:
    if drift is None:
        return "first model, nothing to compare with"
    if drift["status"] == "new":
        return f"new since v{drift['since_version']} (no earlier persona shares enough of its customers)"
    moved = ", ".join(f"{f['feature']} {f['before']:g} -> {f['after']:g}" for f in drift["moved_most"])
    return (
        f"since v{drift['since_version']} continues {drift['was']['persona']}. {drift['was']['name']} "
        f"(member overlap {drift['overlap']:.2f}); share {drift['share_before']:.1%} -> {drift['share_after']:.1%}, "
        f"centre moved {drift['centroid_shift']}" + (f"; moved most: {moved}" if moved else "")
    )


def _summary(summary: dict[str, Any] | None) -> str:
    if summary is None:
        return "this is the first model."
    changed = "n/a" if summary["changed_share"] is None else f"{summary['changed_share']:.1%}"
    return (
        f"v{summary['from_version']} -> v{summary['to_version']}: {changed} of customers changed persona "
        f"(assignment ARI {summary['ari']}); born: {', '.join(summary['born']) or 'none'}; "
        f"gone: {', '.join(summary['gone']) or 'none'}; shifted features: "
        f"{', '.join(summary['shifted_features']) or 'none'}."
    )


def _archetypes(card: dict[str, Any]) -> str:
    if not card["archetypes"]:
        return "none fits"
    return ", ".join(f"{m['archetype']} ({m['confidence']:.0%})" for m in card["archetypes"])


def _hour(hour: int | None) -> str:
    return "unknown" if hour is None else f"{hour:02d}:00 UTC"


def _channels(values: dict[str, float]) -> str:
    return ", ".join(f"{CHANNEL_LABELS.get(name, name)} {value:.0%}" for name, value in values.items())


def _pairs(values: dict[str, float]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {value:g}" for name, value in values.items())


def _stability(stability: dict[str, Any]) -> str:
    if stability["jaccard"] is None:
        return "not checked"
    return f"Jaccard {stability['jaccard']:.2f}" + (" (unstable)" if stability["unstable"] else "")


def drift_markdown(drift: dict[str, Any]) -> list[str]:
    """A drift report as Markdown lines: customers, matches, born and gone, shifted features."""
    people = drift["customers"]
    lines = [
        f"# Drift: model v{drift['to_version']} against v{drift['from_version']}",
        "",
        f"- **Customers:** {people['before']} -> {people['after']} ({people['joined']} joined, {people['left']} left)",
        f"- **Changed persona:** {_share(drift['changed_share'])} of the {people['both']} in both; "
        f"assignment ARI {drift['ari']}",
        f"- **Born:** {_names(drift['born'])}; **gone:** {_names(drift['gone'])}",
        f"- **Shifted features (PSI > 0.25):** {', '.join(drift['shifted_features']) or 'none'}",
        "",
        "| before | after | overlap | share | centre moved | moved most |",
        "|---|---|---|---|---|---|",
    ]
    for m in drift["matches"]:
        moved = ", ".join(f"{f['feature']} {f['before']:g}->{f['after']:g}" for f in m["feature_shifts"][:2])
        lines.append(
            f"| {m['old']}. {m['old_name']} | {m['new']}. {m['new_name']} | {m['jaccard']:.2f} | "
            f"{m['share_before']:.1%} -> {m['share_after']:.1%} | {m['centroid_shift']} | {moved or '-'} |"
        )
    return lines


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _names(personas: list[dict[str, Any]]) -> str:
    return ", ".join(f"{p['persona']}. {p['name']}" for p in personas) or "none"
