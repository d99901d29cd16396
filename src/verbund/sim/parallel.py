"""Replications in several processes at once.

Replications are independent by construction: replication ``r`` draws from its own child of the
scenario's ``SeedSequence`` and runs its own engine. So they can run side by side, one process
each, and the summary is the same, bit for bit, as when they run one after the other: each
worker returns the replication's KPIs (a plain dict, as :func:`replication_kpis` makes it) and
the caller puts them in replication order.

Workers are started with ``spawn`` (a fresh interpreter: no threads or locks of the parent are
inherited, the same on every platform). Their progress comes back through one queue handed to
each worker when it starts; the parent drains it while it waits, so ``progress`` is only ever
called in the parent's thread.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing.queues import Queue
from typing import Any

from verbund.sim.driver import run_replication
from verbund.sim.results import replication_kpis
from verbund.sim.scenario import Scenario

Json = dict[str, Any]
Progress = Callable[[int, float], None]

_POLL = 0.2  # seconds between looks at the progress queue

_progress_queue: Queue[tuple[int, float]] | None = None  # in a worker: where progress goes


def _start_worker(progress: Queue[tuple[int, float]] | None) -> None:
    global _progress_queue
    _progress_queue = progress


def _replicate(scenario: Scenario, replication: int) -> Json:
    """In a worker: one replication and its KPIs."""
    report = None
    progress = _progress_queue
    if progress is not None:

        def report(fraction: float) -> None:
            progress.put((replication, fraction))

    return replication_kpis(scenario, run_replication(scenario, replication, report))


def run_in_processes(scenario: Scenario, jobs: int, progress: Progress | None = None) -> list[Json]:
    """The KPIs of every replication of ``scenario``, in replication order, computed by ``jobs``
    worker processes. The first replication to fail raises its error here (replications not yet
    started are cancelled; those running finish first)."""
    context = multiprocessing.get_context("spawn")
    updates: Queue[tuple[int, float]] | None = None if progress is None else context.Queue()
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(updates,)
    ) as pool:
        futures = [pool.submit(_replicate, scenario, r) for r in range(scenario.replications)]
        try:
            pending: set[Future[Json]] = set(futures)
            while pending:
                done, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
                _drain(updates, progress)
                for future in done:
                    future.result()  # a failed replication: raise its error now
            _drain(updates, progress)
            return [future.result() for future in futures]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _drain(updates: Queue[tuple[int, float]] | None, progress: Progress | None) -> None:
    if updates is None or progress is None:
        return
    while True:
        try:
            replication, fraction = updates.get_nowait()
        except queue.Empty:
            return
        progress(replication, fraction)
