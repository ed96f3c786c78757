"""The demo's later stages: probabilistic resolution, personas, enrichment, a campaign.

Each stage calls the room's public namespace on the workspace, as a user's script
would, and returns a small dict for the summary. ``run_stage`` keeps one failing stage
from taking the demo down: the summary names the stage and the error instead, and the
stages after it still run (they only need what ingestion built).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from persona360.activation.campaigns import CampaignSpec
from persona360.demo.manifest import Manifest
from persona360.demo.score import StitchingScore, score_stitching
from persona360.demo.sink import SmtpSink
from persona360.demo.timing import stage_clock
from persona360.personas.persistence import assignments
from persona360.personas.recovery import planted_archetypes, score_recovery
from persona360.workspace import Workspace

log = logging.getLogger(__name__)
Stage = Callable[[str, int, int], None]

# Profiles enrichment writes together, one derive each. (The room reads their views, and
# so their recent events, 20,000 at a time whatever this is: one pass over the events
# table per 20,000 profiles.)
ENRICH_BATCH = 5_000
CAMPAIGN_SEGMENT = "Abandoned cart"
CAMPAIGN_TEMPLATE = "demo-abandoned-cart"
CAMPAIGN_NAME = "Demo: come back to your cart"
TEMPLATE_SOURCE = """Subject: {{ greeting() }}, ваш кошик чекає

{{ g("Дорогий", "Дорога", "Вітаємо,") }} {{ greeting() }}!
У кошику: {{ event.name | default("ваш вибір") }}.
Повернутися: {{ link("https://shop.example/cart") }}
"""


def run_stage(report: Any, name: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one stage, timing it into ``report.seconds``; a failure becomes ``{"failed": ...}``."""
    with stage_clock(report, name):
        try:
            return work()
        except Exception as error:  # noqa: BLE001 - a stage boundary: logged and reported, the demo goes on
            log.exception("demo stage %r failed", name)
            return {"failed": f"{type(error).__name__}: {error}"}


def resolve(ws: Workspace, manifest: Manifest, say: Stage, before: StitchingScore | None = None) -> dict[str, Any]:
    """Probabilistic identity resolution, with the stitching scored before and after it.

    ``before`` is the score of the workspace as it is now, when the caller has it.
    """
    say("resolve identities", 0, 2)
    before = before or score_stitching(ws.db, manifest)
    profiles_before = ws.profiles.count()
    resolved = ws.resolution.resolve()
    say("resolve identities", 1, 2)
    after = score_stitching(ws.db, manifest)
    say("resolve identities", 2, 2)
    return {
        **resolved.as_dict(),
        "before": before.as_dict(),
        "after": after.as_dict(),
        "profiles_before": profiles_before,
        "profiles_after": ws.profiles.count(),
    }


def discover_personas(ws: Workspace, manifest: Manifest, say: Stage) -> dict[str, Any]:
    """Build personas and score them against the archetypes the generator planted."""
    steps = ("features", "clustering", "cards", "drift")

    def step(name: str) -> None:
        say("discover personas", steps.index(name) + 1 if name in steps else 0, len(steps))

    built = ws.personas.build(progress=step)
    truth = manifest.path("truth.parquet")
    version = int(built["version"])
    recovery = score_recovery(ws.db, truth, version)
    names = {int(card["persona"]): card["name"] for card in built["cards"]}
    return {
        "version": version,
        "k": built["k"],
        "profiles": built["profiles"],
        "personas": [{"persona": c["persona"], "name": c["name"], "size": c["size"]} for c in built["cards"]],
        "ari": recovery["ari"],
        "ari_pure": recovery["ari_pure"],
        "archetypes": match_archetypes(planted_archetypes(ws.db, truth), assignments(ws.db, version), names),
    }


def match_archetypes(
    planted: dict[int, tuple[str, bool]], assigned: dict[int, int], names: dict[int, str]
) -> dict[str, dict[str, Any]]:
    """Each planted archetype's persona: the one that holds most of its profiles.

    ``recall`` is the share of the archetype's profiles in that persona; ``purity`` the
    share of the persona's profiles that have that archetype.
    """
    by_archetype: dict[str, Counter[int]] = {}
    sizes: Counter[int] = Counter()
    for profile, persona in assigned.items():
        if profile in planted:
            by_archetype.setdefault(planted[profile][0], Counter())[persona] += 1
            sizes[persona] += 1
    matched = {}
    for archetype, personas in sorted(by_archetype.items()):
        persona, n = personas.most_common(1)[0]
        matched[archetype] = {
            "persona": persona,
            "name": names.get(persona, f"persona {persona}"),
            "recall": round(n / sum(personas.values()), 3),
            "purity": round(n / sizes[persona], 3),
        }
    return matched


def enrich(ws: Workspace, say: Stage) -> dict[str, Any]:
    """Every built-in (offline) enrichment provider over every profile that allows it."""
    offline = sorted(ws.enrichment.providers())
    report = ws.enrichment.run(
        offline, progress=lambda done, total: say("enrich (offline)", done, total), batch=ENRICH_BATCH
    )
    return {"providers": offline, **report.as_dict()}


DEMO_NOT_SENT = "demo: made-up addresses at real mail domains are never sent (demo --smtp-sink delivers them)"


def campaign(ws: Workspace, say: Stage, sink: SmtpSink | None) -> dict[str, Any]:
    """An abandoned-cart email to the consenting members of the segment.

    Without a sink the messages are queued, then cancelled, never handed to an SMTP
    server: the demo's addresses are made up but at real mail domains (gmail.com, ukr.net).
    """
    say("campaign", 0, 2)
    source = ws.activation.save_template(CAMPAIGN_TEMPLATE, TEMPLATE_SOURCE)["source"]
    ws.activation.create(CampaignSpec(CAMPAIGN_NAME, CAMPAIGN_SEGMENT, source, "email", event="Product Added"))
    counts = ws.activation.queue(CAMPAIGN_NAME)
    ws.privacy.audit("demo", "campaign.queue", CAMPAIGN_NAME, counts)  # messages wait for people: an act on their data
    say("campaign", 1, 2)
    result: dict[str, Any] = {"segment": CAMPAIGN_SEGMENT, "channel": "email", **counts}
    if sink is None:
        result["delivered"] = 0
        # cancelled, not left queued: a served demo's ticker would hand them to the SMTP
        # server configured (127.0.0.1:25 by default), which may relay to the real domains
        result["cancelled"] = ws.activation.cancel_waiting(CAMPAIGN_NAME, DEMO_NOT_SENT)
        result["not_delivered"] = (
            "no SMTP sink: the demo cancelled the queued messages, as it never mails its made-up addresses "
            "through a real server; run `persona360 demo --smtp-sink` to deliver them to a loopback sink"
        )
    else:
        delivered = ws.activation.deliver_due("email")
        ws.privacy.audit("demo", "campaign.deliver", "channel:email", delivered)
        result.update(delivered)
        result["sink"] = sink.url
        result["delivered"] = sink.received()
    say("campaign", 2, 2)
    return result
