"""The demo end to end: generate the shop, feed it through persona360, score it.

Web and app events go through the real tracking API (a server child process); the
shop's other exports go through the importers, as a shop would load them. The truth
file is only read at the end, to score what persona360 made of the mess.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from persona360.clock import Clock
from persona360.demo import stages
from persona360.demo.feed import ServerProcess, read_batches
from persona360.demo.generator import generate_shop
from persona360.demo.loading import generate_and_send
from persona360.demo.manifest import Manifest, ManifestFile
from persona360.demo.score import StitchingScore, score_stitching
from persona360.demo.score_churn import score_churn
from persona360.demo.sink import SmtpSink
from persona360.demo.spec import DemoSpec
from persona360.demo.survey import SURVEY_ID, demo_survey
from persona360.demo.timing import timed
from persona360.errors import WorkspaceError
from persona360.ingest.importers.mapping import ColumnMapping
from persona360.ingest.importers.run import ImportReport
from persona360.predict.guardrails import ModelFitError, PredictionError
from persona360.segments.definitions import SegmentSpec
from persona360.settings import Settings
from persona360.workspace import Workspace

Stage = Callable[[str, int, int], None]
EVENTS_SOURCE = "shop-web"
FEEDS = ("api", "direct", "none")
# Events validated and committed together by ``--feed direct``: each write re-derives the
# profiles it touched with a pass over the fact tables, so the pass is paid per batch and
# grows with the shop. 20,000 (the loading server's derive size) against 5,000: 75
# against 90-94 µs of CPU an event on 261k events (3,000 people).
DIRECT_BATCH = 20_000
LATER_STAGE_MODULES = (
    "persona360.resolution.model",
    "splink",
    "persona360.personas.build",
    "sklearn.cluster",
    "sklearn.metrics",
    "phonenumbers.geocoder",
    "phonenumbers.carrier",
)
log = logging.getLogger(__name__)


@dataclass
class DemoReport:
    """What the demo did, stage by stage."""

    out_dir: str
    db: str
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    loading_server: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    profiles: int = 0
    events: int = 0
    stitching: StitchingScore | None = None
    segments: dict[str, int] = field(default_factory=dict)
    rfm: dict[str, int] = field(default_factory=dict)
    computed_traits: dict[str, int] = field(default_factory=dict)
    predictions: dict[str, Any] = field(default_factory=dict)
    resolution: dict[str, Any] = field(default_factory=dict)
    personas: dict[str, Any] = field(default_factory=dict)
    enrichment: dict[str, Any] = field(default_factory=dict)
    campaign: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["stitching"] = self.stitching.as_dict() if self.stitching else None
        return data


def run_demo(
    spec: DemoSpec,
    out_dir: Path,
    settings: Settings,
    progress: Stage | None = None,
    sink: SmtpSink | None = None,
    feed: str = "api",
    compress_events: bool | None = None,
    clock: Clock | None = None,
    keep: dict[str, Any] | None = None,
) -> DemoReport:
    """Build the demo shop into ``out_dir`` and a fresh workspace at ``settings.db``.

    Args:
        spec: the shop to simulate.
        out_dir: where the exports, the truth and (usually) the workspace go.
        settings: the workspace's settings (``settings.db`` is created afresh).
        progress: called with (stage, done, total) as each stage moves.
        sink: a started :class:`SmtpSink`, whose port ``settings`` must name; the
            campaign is delivered to it. Without one its messages are only queued.
        feed: how the web and app events get in: ``api`` (``/v1/batch`` of a server
            child process, as an SDK sends them), ``direct`` (the same validation in
            this process, no HTTP: for shops too big to send in minutes) or ``none``
            (written, not loaded).
        compress_events: write ``events.jsonl.zst`` instead of ``events.jsonl``;
            by default only for large shops (see :func:`generate_shop`).
        clock: the workspace's clock for every stage (the wall clock by default; a
            shop whose window ended in the past takes a clock that starts at its end).
        keep: settings the new workspace keeps (``ws.configuration``: the shop's reporting
            currency and rates), set before anything is loaded, so that every process
            opening it afterwards (the loading server, the CLI, the web) reports alike.

    Raises:
        ValueError: ``feed`` is not one of ``FEEDS``.
    """
    if feed not in FEEDS:
        raise ValueError(f"feed={feed!r}: use one of {', '.join(FEEDS)}")
    report = DemoReport(str(out_dir), str(settings.db))
    say = progress or (lambda stage, done, total: None)
    _clear_workspace(Path(settings.db), out_dir)
    Path(settings.db).parent.mkdir(parents=True, exist_ok=True)  # the workspace exists before the shop does
    with Workspace(settings, clock, create=True) as ws:
        for name, value in (keep or {}).items():
            ws.configuration.set(name, value, actor="demo")
        _, write_key = ws.access.add_source(EVENTS_SOURCE)
    if feed == "api":
        manifest = _generate_and_feed(spec, out_dir, settings, write_key, say, report, compress_events)
    else:
        manifest = timed(report, "generate", lambda: generate_shop(spec, out_dir, say, None, compress_events))
    with Workspace(settings, clock) as ws:
        if feed == "direct":
            report.sources[EVENTS_SOURCE] = timed(report, "events (direct)", lambda: _send_direct(ws, manifest, say))
        elif feed == "none":
            rows = manifest.events.rows
            report.sources[EVENTS_SOURCE] = {
                "rows": rows,
                "records": rows,
                "stored": 0,
                "rejected": 0,
                "via": "not loaded (--feed none)",
            }
        for entry in exports(manifest):
            report.sources[entry.source or entry.name] = timed(
                report, f"import {entry.name}", partial(_import, ws, manifest, entry, say)
            )
        report.stitching = timed(report, "score", lambda: score_stitching(ws.db, manifest))
        report.resolution = stages.run_stage(
            report, "resolve", lambda: stages.resolve(ws, manifest, say, report.stitching)
        )
        report.predictions = timed(report, "predict", lambda: _predict(ws, manifest))
        timed(report, "segments", lambda: _segment(ws, report))
        _later_stages(ws, manifest, report, say, sink)
        _count_as_the_ui_does(ws, report)
    return report


def _later_stages(ws: Workspace, manifest: Manifest, report: DemoReport, say: Stage, sink: SmtpSink | None) -> None:
    """Personas, enrichment and a campaign; each may fail without stopping the others."""
    report.personas = stages.run_stage(report, "personas", lambda: stages.discover_personas(ws, manifest, say))
    report.enrichment = stages.run_stage(report, "enrich", lambda: stages.enrich(ws, say))
    report.campaign = stages.run_stage(report, "campaign", lambda: stages.campaign(ws, say, sink))


def _count_as_the_ui_does(ws: Workspace, report: DemoReport) -> None:
    """Profiles, events and segment sizes once every stage has run: the figures the web UI then shows.

    They were read before probabilistic resolution merged profiles, so the summary's
    3,186 profiles and segment sizes were nowhere to be found in the UI (2,781).
    """
    report.profiles = ws.profiles.count()
    report.events = int(ws.db.scalar("SELECT count(*) FROM events"))
    report.segments = {str(row["name"]): int(row["members"]) for row in ws.segments.list()}


# What a marketer of the demo shop would set up first: each shows one kind of condition.
DEMO_TRAITS = {
    "favorite_category": 'most_frequent("Product Viewed", category, within = 90d)',
    "favorite_brand": 'most_frequent("Product Added", brand, within = 90d)',
    "orders_90d": 'count("Order Completed", within = 90d)',
}
DEMO_SEGMENTS = {
    "Abandoned cart": 'then_not("Product Added", "Order Completed", within = 30m)',
    "Repeat buyers": 'count("Order Completed", within = 90d) >= 3',
    "Champions": 'rfm_segment = "Champions"',
    "At risk": 'rfm_segment in ("At Risk", "Can\'t Lose Them")',
    "Researchers": 'count("Reviews Read", within = 30d) >= 3 and orders_count <= 1',
    "Shoe lovers on mobile": 'favorite_category = "shoes" and devices contains "mobile"',
    "Coupon users": 'did("Coupon Applied", within = 90d)',
    "Social sharers": 'count("Product Shared") >= 2 or sources contains "social"',
}


def _segment(ws: Workspace, report: DemoReport) -> None:
    """Computed traits, RFM and the demo's segments, on the profiles resolution left.

    Run after resolution: RFM scored before it kept the scores of profiles merged away.
    The segments' sizes are read at the end (:func:`_count_as_the_ui_does`).
    """
    for name, definition in DEMO_TRAITS.items():
        report.computed_traits[name] = ws.segments.define_trait(name, definition)["profiles"]
    ws.segments.refresh_rfm()
    for row in ws.db.query(
        "SELECT value_text, count(*) FROM computed_values WHERE name = 'rfm_segment' GROUP BY ALL ORDER BY 2 DESC"
    ):
        report.rfm[str(row[0])] = int(row[1])
    for name, condition in DEMO_SEGMENTS.items():
        ws.segments.create(SegmentSpec(name, condition))


def _predict(ws: Workspace, manifest: Manifest) -> dict[str, Any]:
    try:
        result = ws.predict.run()
    except (PredictionError, ModelFitError) as error:  # a tiny demo may have too few repeat buyers to fit
        return {"skipped": str(error)}
    churn = ws.db.query(
        "SELECT churn_bucket, count(*) FROM profile_predictions GROUP BY churn_bucket "
        "ORDER BY array_position(['high', 'medium', 'low'], churn_bucket), churn_bucket"
    )  # from the riskiest, as a reader scans them
    return {
        "scored": result.get("customers"),
        "churn_risk": {str(k): int(v) for k, v in churn},
        "fitted_at": result.get("fitted_at"),
        "against_lapses": score_churn(ws.db, manifest),
    }


def _generate_and_feed(
    spec: DemoSpec,
    out_dir: Path,
    settings: Settings,
    write_key: str,
    say: Stage,
    report: DemoReport,
    compress_events: bool | None,
) -> Manifest:
    """Generate while the server starts, send the events as they are sorted (see :mod:`.loading`).

    While the events are sent, this process is mostly waiting: it imports what the
    later stages need meanwhile.
    """
    server = ServerProcess(Path(settings.db))
    report.loading_server = dict(server.settings)
    server.start()
    warm = threading.Thread(target=_import_later_stages, name="persona360-demo-warm", daemon=True)
    try:
        warm.start()
        manifest, fed = generate_and_send(
            spec, out_dir, server, write_key, say, report, compress_events, settings.max_body_bytes
        )
    finally:
        timed(report, "track api: server stop", server.stop)
    entry = manifest.events
    report.sources[EVENTS_SOURCE] = {
        "rows": entry.rows,
        "records": entry.rows,
        "stored": fed.accepted,
        "rejected": fed.rejected,
        "via": "POST /v1/batch",
    }
    return manifest


def _import_later_stages() -> None:
    """Import the later stages' heavy libraries (Splink, scikit-learn, phone tables) ahead of use."""
    for module in LATER_STAGE_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:  # the stage that needs it reports the error when it runs
            log.info("could not import %s ahead of its stage", module, exc_info=True)


def _send_direct(ws: Workspace, manifest: Manifest, say: Stage) -> dict[str, Any]:
    """Every event through ``ws.ingest.send`` (an invalid one stops the stage, naming it)."""
    entry = manifest.events
    done = stored = 0
    for batch in read_batches(manifest.path(entry.name), DIRECT_BATCH):
        stored += ws.ingest.send(EVENTS_SOURCE, [orjson.loads(line) for line in batch]).stored
        done += len(batch)
        say("load events (direct)", done, entry.rows)
    rows = entry.rows
    return {"rows": rows, "records": rows, "stored": stored, "rejected": 0, "via": "ws.ingest.send (--feed direct)"}


def exports(manifest: Manifest) -> list[ManifestFile]:
    """The CSV exports a shop imports (not the events, not the truth)."""
    return [f for f in manifest.files if f.kind in ("customers", "orders", "events", "survey") and f.format == "csv"]


def import_export(
    ws: Workspace, manifest: Manifest, entry: ManifestFile, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Import one export of the demo with the mapping its manifest gives."""
    if entry.kind == "survey":
        ws.surveys.create(demo_survey())
        return ws.surveys.import_file(
            manifest.path(entry.name),
            SURVEY_ID,
            [f"{column}={role}" for column, role in entry.mapping.items()],
            source=entry.source or entry.name,
            actor="demo",
        )
    return ws.ingest.import_file(
        manifest.path(entry.name),
        source=entry.source or entry.name,
        kind=entry.kind,
        mapping=ColumnMapping(dict(entry.mapping)),
        event_name=entry.event_name,
        progress=progress,
        actor="demo",  # the audit log names the demo, as for its campaign, not a command someone typed
    )


def load_without_server(ws: Workspace, manifest: Manifest) -> None:
    """Load the whole demo straight into ``ws`` (tests and benchmarks: no server, no feed).

    The events go through ``ws.ingest.send``, the same validation the tracking API uses.
    """
    ws.access.ensure_source(EVENTS_SOURCE)
    _send_direct(ws, manifest, lambda stage, done, total: None)
    for entry in exports(manifest):
        import_export(ws, manifest, entry)


def _import(ws: Workspace, manifest: Manifest, entry: ManifestFile, say: Stage) -> dict[str, Any]:
    """What one import read and stored, in the words of the demo's summary.

    ``rows`` are the file's lines; ``records`` what they make (an order of several line
    rows, one respondent's answers), rejected ones included; ``stored`` counts events, which
    the web UI's sources table shows: a survey row is an event per answer and an identify.
    """
    result = import_export(ws, manifest, entry, lambda done, total: say(f"import {entry.name}", done, total))
    via = f"surveys import {SURVEY_ID}" if entry.kind == "survey" else f"import --kind {entry.kind}"
    records = result.records + result.rejected
    return {"rows": result.rows, "records": records, "stored": result.stored, "rejected": result.rejected, "via": via}


def _clear_workspace(db: Path, out_dir: Path) -> None:
    """The demo always starts from an empty workspace; it only deletes its own."""
    if not db.exists():
        return
    if out_dir.resolve() not in db.resolve().parents:
        raise WorkspaceError(
            f"{db} already exists and is not inside the demo folder {out_dir}; give the demo a new --db path"
        )
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
