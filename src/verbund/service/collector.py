"""How the live service runs Python's cyclic garbage collector: collections visit only what is
young, and a deep collection now and then finds what the freezing kept.

A collection stops the process for as long as it takes to visit every tracked object of the
generations it collects, and every request in flight waits it out. A busy hotline keeps tens of
thousands of waiting contacts and thousands of agents' WebSockets alive for minutes, and CPython's
default policy visits them again and again: every tenth collection of generation 1 is a full one
(generation 2), which visited every object that had survived since start-up — a tenth of a second
and more each time, every few seconds while queues grow (measured in ``bench/service.py``).

Yet in steady state the service makes no cyclic garbage at all (every collection of the benchmark's
measured window found none: what the engine, the journal, the event bus and the requests make is
freed by reference counting). So :func:`install_collector_policy`:

* freezes (``gc.freeze()``) whatever survives a collection of generation 1 or 2: it moves to the
  permanent generation, which no ordinary collection visits. Young cyclic garbage (made and dropped
  between two such collections) is still found; objects without cycles are freed by reference
  counting whether frozen or not;
* every ``deep_interval`` seconds (the setting ``gc_deep_interval``; ``0`` turns it off),
  unfreezes everything once, so that the next full collection visits all and frees cyclic garbage
  that died after it was frozen; its survivors are frozen again. That one pause is long
  (every tracked object), so it comes rarely.

``verbund_gc_frozen_objects`` and ``verbund_gc_collected_objects_total{generation}`` on ``/metrics``
show how many objects are frozen and how much cyclic garbage each generation found.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

__all__ = ["CollectorPolicy", "install_collector_policy"]

DEEP_INTERVAL = 3600.0  # seconds between deep collections by default


class CollectorPolicy:
    """The ``gc.callbacks`` hook of :func:`install_collector_policy` (one per process)."""

    def __init__(self, deep_interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.deep_interval = deep_interval
        self.clock = clock
        self.deep_due = clock() + deep_interval if deep_interval > 0 else float("inf")
        self.deep_pending = False  # unfrozen: the next full collection is the deep one
        self.deep_collections = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        generation = info.get("generation", 0)
        if phase != "stop" or generation == 0:
            return
        if generation == 2 and self.deep_pending:
            self.deep_pending = False
            self.deep_collections += 1
        if not self.deep_pending and self.clock() >= self.deep_due:
            # A collection cannot start another from its callback: unfreeze, and let the next
            # full collection (within ten of generation 1) visit everything.
            gc.unfreeze()
            self.deep_pending = True
            self.deep_due = self.clock() + self.deep_interval
            return
        if not self.deep_pending:
            gc.freeze()


_installed: CollectorPolicy | None = None


def install_collector_policy(deep_interval: float = DEEP_INTERVAL) -> CollectorPolicy:
    """From now on, freeze the survivors of collections of generations 1 and 2, with a deep
    collection every ``deep_interval`` seconds (installed once per process; later calls return
    the installed policy with its interval updated)."""
    global _installed
    if _installed is None:
        gc.freeze()  # what start-up made (modules, configuration, the recovered engine)
        _installed = CollectorPolicy(deep_interval)
        gc.callbacks.append(_installed)
    elif deep_interval != _installed.deep_interval:
        _installed.deep_interval = deep_interval
        _installed.deep_due = (
            _installed.clock() + deep_interval if deep_interval > 0 else float("inf")
        )
    return _installed
