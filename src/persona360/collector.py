"""Pausing Python's cycle collector around bulk work that makes millions of live objects.

An import or a resolve builds hundreds of thousands of records at once, none of them
garbage and none in a reference cycle. The collector's generational passes still walk
every one of them again and again: a fifth of an import's CPU on 100,000 order lines,
a sixth of loading 100,000 profiles for resolution, and a tenth of a resolve of
FEBRL3's 5,000 records (each full pass also walks every module Splink imports).
Reference counting still frees memory while it is paused; what sits in a reference
cycle (Splink's linker and its database) must be let go explicitly.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block; it runs again afterwards, also on error.

    Example:
        >>> with collector_paused():
        ...     gc.isenabled()
        False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Young passes every 20,000 allocations, middle ones every 250 of those (see
# collector_tuned_for_serving for why); a full pass is considered every 20 middle ones, and
# Python runs it only once the objects promoted since the last one are a quarter of those
# it kept, which bounds the cyclic garbage a long-lived server holds.
SERVING_THRESHOLDS = (20_000, 250, 20)


@contextmanager
def collector_tuned_for_serving() -> Iterator[None]:
    """Freeze what start-up built and collect young objects less often, for the server's life.

    The server holds hundreds of thousands of long-lived objects from start-up (modules,
    the app, the identity graph as read), and every full pass of the collector walked
    them all again; each micro-batch then makes tens of thousands of short-lived records
    and dicts, none in a cycle, which started a young pass every 700 allocations. Under
    ``bench/ingest.py`` the collector took about a ninth of the server's CPU. Frozen
    objects are never collected (nothing of start-up is garbage); what is built later is
    collected as before, only in larger steps. A middle pass is rare: appended records
    wait in memory for their derivation (up to 2 s), and each middle pass walked all of
    them (80-100 ms); at (20,000, 20, 20), one per 400,000 allocations, the collector
    cost 4.2 us of CPU an event of ``bench/ingest.py``'s batches, at
    :data:`SERVING_THRESHOLDS` (one per 5,000,000) 1.8 us. Larger young steps
    (100,000) saved less (2.8 us) and made each young pass, which holds every thread,
    five times longer (about 20 ms). Undone on exit, so a process that goes on (the
    tests) gets the default collector back and interpreter shutdown frees what start-up
    made.

    Example:
        >>> with collector_tuned_for_serving():
        ...     gc.get_threshold() == SERVING_THRESHOLDS
        True
    """
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
