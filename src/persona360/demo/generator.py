"""``generate_shop``: simulate every person and write the shop's exports and the truth.

People are simulated one at a time from their own random streams and their records are
streamed out, so memory does not grow with the number of customers. Each person depends
only on ``(seed, index)``, so large shops are split into contiguous ranges of people
simulated by worker processes (one per core); the shards are joined into the same bytes
one process would write.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import shutil
import traceback
from pathlib import Path
from typing import Any

from persona360.demo import exports
from persona360.demo.assemble import EventsTap, assemble
from persona360.demo.calendar import DAY, ShopCalendar, build_calendar
from persona360.demo.catalogue import Catalogue, build_catalogue
from persona360.demo.consent import banner_answer
from persona360.demo.dirt import gmail_variant
from persona360.demo.disguise import Disguise
from persona360.demo.identifiers import own_number, record_id
from persona360.demo.journeys import Order, Plan, Planner
from persona360.demo.manifest import Manifest
from persona360.demo.names import LocalePools, build_pools
from persona360.demo.outputs import Outputs, ShardCounts
from persona360.demo.people import Person, build_person
from persona360.demo.segment import SessionWriter, iso
from persona360.demo.spec import DemoSpec
from persona360.demo.spool import Progress

_SOCIAL = ("instagram", "facebook", "tiktok")


class Shop:
    """What every person of one demo shares: name pools, catalogue, calendar, planner."""

    def __init__(self, spec: DemoSpec) -> None:
        self.spec = spec
        self.pools: dict[str, LocalePools] = build_pools(tuple(locale for locale, _ in spec.locales), spec.seed)
        self.catalogue: Catalogue = build_catalogue()
        self.calendar: ShopCalendar = build_calendar(spec)
        self.planner = Planner(spec, self.calendar, self.catalogue)

    def person(self, index: int) -> tuple[Person, random.Random]:
        return build_person(self.spec, self.pools, self.catalogue, index)


# Below this many people per process, starting a worker (imports, name pools) costs more
# than it saves.
PEOPLE_PER_WORKER = 4_000
# From this size events.jsonl passes 6 GB; compressed it is about eleven times smaller.
COMPRESS_EVENTS_FROM = 100_000
_STAGE = "simulate people"


def generate_shop(
    spec: DemoSpec,
    out_dir: Path,
    progress: Progress | None = None,
    workers: int | None = None,
    compress_events: bool | None = None,
    events_tap: EventsTap | None = None,
) -> Manifest:
    """Simulate ``spec.customers`` people and write what the shop's systems know of them.

    Args:
        spec: the shop to simulate; the same spec always writes byte-identical files.
        out_dir: folder for the files (created; files already there are replaced).
        progress: called as ``progress(stage, done, total)`` to drive progress bars.
        workers: processes to simulate people in; by default one per core for large
            shops and one for small ones. The files do not depend on it.
        compress_events: write the events zstd-compressed to ``events.jsonl.zst``
            (the same lines); by default only from ``COMPRESS_EVENTS_FROM`` people,
            whose ``events.jsonl`` would not fit a small disk (60 GB at a million).
        events_tap: gets the sorted event lines while they are written, and is
            closed when they all are (the other files are assembled after), so a
            caller can send them on meanwhile.

    Returns:
        The manifest of files written, with the column mapping to import each one.

    Example:
        >>> import tempfile
        >>> manifest = generate_shop(DemoSpec(customers=20, days=14), Path(tempfile.mkdtemp()))
        >>> manifest.file("orders.csv").mapping["customer_id"]
        'id:shop'
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / ".demo-spool"
    shutil.rmtree(work, ignore_errors=True)
    ranges = shard_ranges(spec.customers, workers or default_workers(spec.customers))
    shards = [work / f"shard-{n:03d}" for n in range(len(ranges))]
    if len(ranges) == 1:
        counts = simulate_range(spec, 0, spec.customers, shards[0], progress)
    else:
        counts = _simulate_in_processes(spec, ranges, shards, progress)
    if compress_events is None:
        compress_events = spec.customers >= COMPRESS_EVENTS_FROM
    manifest = assemble(spec, out_dir, shards, counts, progress, compress_events, events_tap)
    shutil.rmtree(work, ignore_errors=True)
    manifest.write()
    return manifest


def default_workers(customers: int) -> int:
    return max(1, min(os.cpu_count() or 1, customers // PEOPLE_PER_WORKER))


def shard_ranges(customers: int, shards: int) -> list[tuple[int, int]]:
    """Split people ``0..customers`` into at most ``shards`` contiguous, non-empty ranges."""
    shards = max(1, min(shards, customers))
    bounds = [customers * n // shards for n in range(shards + 1)]
    return [(bounds[n], bounds[n + 1]) for n in range(shards)]


def simulate_range(
    spec: DemoSpec, first: int, stop: int, work_dir: Path, progress: Progress | None = None
) -> ShardCounts:
    """Simulate people ``first..stop`` into one shard's work folder."""
    shop = Shop(spec)
    outputs = Outputs(spec, work_dir)
    step = max(1, spec.customers // 200)
    for index in range(first, stop):
        simulate(shop, index, outputs)
        done = index + 1 - first
        if progress and (done % step == 0 or index + 1 == stop):
            progress(_STAGE, done, stop - first)
    return outputs.close()


def _simulate_in_processes(
    spec: DemoSpec, ranges: list[tuple[int, int]], shards: list[Path], progress: Progress | None
) -> ShardCounts:
    # spawn, not fork: the caller may run threads (progress bars, a server) that a forked
    # child would inherit half-way through.
    context = multiprocessing.get_context("spawn")
    messages: Any = context.Queue()
    processes = [
        context.Process(target=_shard_worker, args=(spec, n, first, stop, shards[n], messages), daemon=True)
        for n, (first, stop) in enumerate(ranges)
    ]
    for process in processes:
        process.start()
    done, failure = [0] * len(ranges), None
    results: dict[int, Any] = {}
    try:
        while len(results) < len(ranges) and failure is None:
            try:
                kind, shard, payload = messages.get(timeout=1.0)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    failure = "a demo worker process died"
                continue
            if kind == "progress":
                done[shard] = payload
                if progress:
                    progress(_STAGE, sum(done), spec.customers)
            elif kind == "done":
                results[shard] = payload
            else:
                failure = payload
    finally:
        for process in processes:
            if failure is not None:
                process.terminate()
            process.join()
    if failure is not None:
        raise RuntimeError(f"generating the demo shop failed: {failure}")
    total = ShardCounts()
    for shard in range(len(ranges)):
        total.add(results[shard])
    return total


def _shard_worker(spec: DemoSpec, shard: int, first: int, stop: int, work_dir: Path, messages: Any) -> None:
    try:

        def report(_stage: str, done: int, _total: int) -> None:
            messages.put(("progress", shard, done))

        counts = simulate_range(spec, first, stop, work_dir, report)
        messages.put(("done", shard, counts))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        messages.put(("error", shard, traceback.format_exc()))


def simulate(shop: Shop, index: int, out: Outputs) -> None:
    """Simulate person ``index`` and write every record they leave."""
    spec = shop.spec
    person, rng = shop.person(index)
    plan = shop.planner.plan(person, rng)
    disguise = Disguise(spec.dirt, rng)
    traits = _accounts(person, plan, disguise, spec.seed)
    writer = SessionWriter(spec.seed, person, traits, out.event, banner_answer(spec.seed, person, spec.consent))
    for session in plan.sessions:
        writer.write(session, rng, spec.dirt.cookie_reset)
    out.end_person(person)
    pool = shop.pools[person.locale]
    for order in plan.orders:
        rows = exports.order_rows(order, person, pool, disguise, spec.dirt.test_email)
        out.sorted_rows("orders", order.at, rows)
        out.truth.add("shop", order.order_id, person)
        out.records["orders"] += 1
    _contacts(person, disguise, spec, out)
    _tickets(person, plan, disguise, shop, out)
    _social(person, disguise, spec, out)
    _survey(person, plan, disguise, shop, out)


def _accounts(person: Person, plan: Plan, disguise: Disguise, seed: int) -> dict[str, dict[str, Any]]:
    """Give each order its customer id and return the traits each account registered with.

    Guest checkouts and phone orders open a new customer id for the same person.
    """
    rng, dirt = disguise.rng, disguise.dirt
    first, last = disguise.names(person, allow_swap=False)
    own = person.customer_ids[0]
    traits = {own: {"email": disguise.email(person), "firstName": first, "lastName": last,
                    "createdAt": iso(plan_end(plan, person) - person.tenure_days * DAY),
                    "loyaltyMember": person.loyalty}}  # fmt: skip
    if rng.random() < 0.7:
        traits[own]["phone"] = disguise.phone(person)
    for n, order in enumerate(plan.orders):
        order.customer_id = own
        if order.channel == "offline" and rng.random() < 0.5:
            order.customer_id = person.new_guest_account(seed)
        elif order.channel != "offline" and n > 0 and rng.random() < dirt.guest_checkout:
            order.customer_id = person.new_guest_account(seed)
            guest_first, guest_last = disguise.names(person, allow_swap=False)
            traits[order.customer_id] = {
                "email": disguise.email(person),
                "firstName": guest_first,
                "lastName": guest_last,
            }
    return traits


def plan_end(plan: Plan, person: Person) -> float:
    """Account creation is measured back from the person's last activity."""
    times = [s.start for s in plan.sessions] + [o.at for o in plan.orders]
    return max(times) if times else 0.0


def _contacts(person: Person, disguise: Disguise, spec: DemoSpec, out: Outputs) -> None:
    rng = disguise.rng
    share = min(1.0, spec.email_list_share * (1.25 if person.behaviour.coupon > 0.5 else 1.0))
    if rng.random() >= share:
        return
    emails = [disguise.email(person)]
    if rng.random() < spec.dirt.contact_duplicate:
        other = person.emails[-1] if len(person.emails) > 1 else gmail_variant(emails[0], rng)
        emails.append(other if other != emails[0] else "old." + emails[0].strip().lower())
    end = spec.end.timestamp()
    for n, email in enumerate(emails):
        contact = record_id(spec.seed, "c_", person.index, n)
        out.row("email_contacts", exports.contact_row(contact, email, person, disguise, end, spec.days))
        out.truth.add("email", contact, person)


def _after_orders(plan: Plan, shop: Shop, rng: random.Random) -> float:
    cal = shop.calendar
    if plan.orders and rng.random() < 0.8:
        order: Order = rng.choice(plan.orders)
        return min(order.at + rng.uniform(0.2, 10) * DAY, cal.end - 60)
    return rng.uniform(cal.start, cal.end - 60)


def _tickets(person: Person, plan: Plan, disguise: Disguise, shop: Shop, out: Outputs) -> None:
    rng = disguise.rng
    if rng.random() >= shop.spec.support_share:
        return
    coupon = any(o.coupon for o in plan.orders)
    for n in range(rng.choice((1, 1, 1, 2, 3))):
        ticket = record_id(shop.spec.seed, "T", person.index, n)
        t = _after_orders(plan, shop, rng)
        out.sorted_rows("tickets", t, [exports.ticket_row(ticket, t, person, disguise, coupon)])
        out.truth.add("support", ticket, person)


def _social(person: Person, disguise: Disguise, spec: DemoSpec, out: Outputs) -> None:
    rng = disguise.rng
    butterfly = "social_butterfly" in person.archetypes
    share = spec.social_share_butterflies if butterfly else spec.social_share_others
    if rng.random() >= share:
        return
    platforms = rng.sample(_SOCIAL, rng.choice((1, 2, 2, 3)) if butterfly else 1)
    number = own_number(spec.seed, person.index, spec.customers)
    handle = exports.social_handle(person, number, rng)
    for n, platform in enumerate(platforms):
        if rng.random() < 0.25:
            handle = exports.social_handle(person, number, rng)
        row = record_id(spec.seed, "s", person.index, n)
        out.row("social_handles", exports.social_row(row, platform, handle, person, disguise))
        out.truth.add("social", row, person)


def _survey(person: Person, plan: Plan, disguise: Disguise, shop: Shop, out: Outputs) -> None:
    rng = disguise.rng
    if rng.random() >= shop.spec.survey_share:
        return
    response = record_id(shop.spec.seed, "r_", person.index, 0)
    t = _after_orders(plan, shop, rng)
    row = exports.survey_row(response, t, person, disguise, shop.catalogue.categories)
    out.sorted_rows("survey", t, [row])
    out.truth.add("survey", response, person)
