"""The engine of one hotline, run live: one writer task, the real clock, the journal first.

Theory of operation
===================

Every request that changes a hotline becomes a command put on the runner's queue
(:meth:`HotlineRunner.submit`). One task — the single writer — takes whatever has queued up,
handles each command with the engine at the current wall-clock time, writes the whole batch to the
journal in one transaction (group commit: while one batch is being written, the next gathers),
and only then lets the effects out: listeners (the live view, the event bus) see them and each
waiting request gets its answer. A command the engine refuses is journalled as well (timers that
fell due before it fired, and replay must refuse it again) and answered with the refusal.

When nothing arrives, the writer sleeps until the engine's next deadline and then handles
``TimeAdvanced`` (offers lapsing, wrap-ups ending, announcements, callback retries).

Every ``snapshot_every`` journal entries the engine is pickled into a snapshot (by a forked child,
:mod:`verbund.service.forked`, so that the writer does not stop for it); finished contacts
go to the history table about once a second. On start the engine is rebuilt from the newest
snapshot and the journal after it (:func:`verbund.store.recover`); a new hotline's journal starts
with its configuration as commands, so that the journal alone can rebuild it.

If writing the journal fails, the batch's requests are answered with :class:`JournalUnavailable`
and the engine is rebuilt from what the journal holds, so that it never runs ahead of it.

Back-pressure: when more than ``max_pending`` commands wait, :meth:`submit` raises
:class:`Overloaded` at once (the API answers 503 with Retry-After) instead of queueing work that
would only make everyone wait longer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from verbund.engine import Command, Effect, Engine, HotlineConfig, TimeAdvanced
from verbund.errors import EngineError, VerbundError
from verbund.service.forked import PickledInChild, fork_pickle
from verbund.store import (
    Database,
    HistoryRecorder,
    Journal,
    StoreError,
    configuration_commands,
    load_config,
    prune_snapshots,
    recover,
    save_snapshot,
)

__all__ = ["HotlineRunner", "JournalUnavailable", "Outcome", "Overloaded"]

log = logging.getLogger(__name__)

Listener = Callable[[float, Command, list[Effect]], None]
HISTORY_FLUSH_EVERY = 1.0  # seconds
PHASES = ("engine", "journal", "publish", "history", "snapshot")


class Overloaded(VerbundError):
    """Too much work is queued: try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JournalUnavailable(VerbundError):
    """The journal could not be written; nothing of the request took effect."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one command did: its journal position, time, effects, and the refusal if refused."""

    seq: int
    at: float
    effects: list[Effect]
    refused: EngineError | None = None


_Item = tuple[Command, "asyncio.Future[Outcome] | None"]


class HotlineRunner:
    """Runs one hotline's engine. ``start()``, then ``submit(command)``; ``stop()`` at the end."""

    def __init__(
        self,
        database: Database,
        hotline: str,
        *,
        clock: Callable[[], float] = time.time,
        snapshot_every: int = 20_000,
        max_pending: int = 5000,
        flush_interval: float = 0.0,
        max_batch: int = 2000,
    ) -> None:
        self.database = database
        self.hotline = hotline
        self.clock = clock
        self.snapshot_every = snapshot_every
        self.max_pending = max_pending
        self.flush_interval = flush_interval
        self.max_batch = max_batch
        self.journal = Journal(database, hotline)
        self.listeners: list[Listener] = []
        self.engine: Engine | None = None
        self.history: HistoryRecorder | None = None
        self.last_seq = 0
        self.batches = 0  # journal transactions written
        self.commands = 0  # commands handled since start
        # Where the writer's time goes (wall seconds since start, per phase; /metrics shows them):
        # engine (handle + history bookkeeping), journal (the append, thread hop included),
        # publish (listeners: live view, event bus; answering the requests), history, snapshot.
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self._since_snapshot = 0
        self._last_flush = 0.0
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._saving: asyncio.Task[None] | None = None  # a snapshot being written

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Rebuild the engine from snapshot + journal and start the writer task."""
        await asyncio.to_thread(self._recover)
        self._task = asyncio.create_task(self._run(), name=f"engine {self.hotline}")
        if self.last_seq == 0:  # a new journal starts with the configuration in the tables
            config = await asyncio.to_thread(load_config, self.database, self.hotline)
            for command in configuration_commands(config):
                await self.submit(command)

    async def stop(self) -> None:
        """Finish what is queued, write the history and a snapshot, and stop."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        await self._task
        self._task = None
        if self._saving is not None:
            await self._saving
        await asyncio.to_thread(self._flush_history)
        if self._since_snapshot:
            await asyncio.to_thread(self._snapshot)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def pending(self) -> int:
        """Commands waiting for the writer (the journal lag, in commands)."""
        return self._queue.qsize()

    # --- the one way in --------------------------------------------------------------------------

    async def submit(self, command: Command) -> Outcome:
        """Handle ``command``; return once it is journalled, with its effects.

        Raises :class:`Overloaded` when too much is queued, the engine's refusal
        (:class:`~verbund.errors.EngineError`, with the effects of timers that fired before it)
        when the engine refuses the command, and :class:`JournalUnavailable` when it could not be
        journalled.
        """
        if not self.running:
            raise JournalUnavailable(f"hotline {self.hotline!r} is not running; try again shortly")
        if self._queue.qsize() >= self.max_pending:
            raise Overloaded(
                f"hotline {self.hotline!r} has {self._queue.qsize()} commands waiting; "
                "try again in a second",
                retry_after=1.0,
            )
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((command, future))
        outcome = await asyncio.shield(future)
        if outcome.refused is not None:
            raise outcome.refused
        return outcome

    # --- the writer ------------------------------------------------------------------------------

    async def _run(self) -> None:
        queue = self._queue
        while True:
            first = await self._next_item()
            if first is None:
                return
            batch = [first]
            if self.flush_interval and queue.qsize() < self.max_batch:
                await asyncio.sleep(self.flush_interval)
            stopping = False
            while len(batch) < self.max_batch and not queue.empty():
                item = queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._handle_batch(batch)
            if stopping:
                return

    async def _next_item(self) -> _Item | None:
        """The next command; ``TimeAdvanced`` when a timer falls due first. While waiting, the
        finished contacts are written to the history once they have waited a second."""
        assert self.engine is not None
        assert self.history is not None
        while True:
            deadline = self.engine.next_deadline()
            flush_at = self._last_flush + HISTORY_FLUSH_EVERY if self.history.pending else None
            wake = min((t for t in (deadline, flush_at) if t is not None), default=None)
            if wake is None:
                return await self._queue.get()
            timeout = wake - self.clock()
            if timeout > 0:
                try:
                    return await asyncio.wait_for(self._queue.get(), timeout)
                except TimeoutError:
                    pass
            if deadline is not None and deadline <= self.clock():
                return (TimeAdvanced(), None)
            self._last_flush = self.clock()
            await asyncio.to_thread(self._flush_history)

    async def _handle_batch(self, batch: list[_Item]) -> None:
        engine = self.engine
        history = self.history
        assert engine is not None
        assert history is not None
        seconds = self.seconds
        started = time.perf_counter()
        now = max(self.clock(), engine.now)
        entries: list[tuple[float, Command]] = []
        results: list[tuple[Command, list[Effect], EngineError | None]] = []
        for command, _ in batch:
            refused: EngineError | None = None
            try:
                effects = engine.handle(command, now)
            except EngineError as exc:
                refused = exc
                effects = list(exc.effects)  # type: ignore[arg-type]
            entries.append((now, command))
            history.record(now, command, effects)
            results.append((command, effects, refused))
        handled = time.perf_counter()
        seconds["engine"] += handled - started
        try:
            last = await asyncio.to_thread(self.journal.append, entries)
        except (StoreError, OSError) as exc:
            log.error("journal of hotline %s: %s; rebuilding from the journal", self.hotline, exc)
            failure = JournalUnavailable(
                f"hotline {self.hotline!r} could not journal the request ({exc}); "
                "nothing of it took effect: try again"
            )
            # Rebuild first: nobody may read the engine as it was after the lost batch.
            await asyncio.to_thread(self._recover)
            for _, future in batch:
                if future is not None and not future.done():
                    future.set_exception(failure)
            return
        journalled = time.perf_counter()
        seconds["journal"] += journalled - handled
        first_seq = last - len(entries) + 1
        self.last_seq = last
        self.batches += 1
        self.commands += len(entries)
        self._since_snapshot += len(entries)
        for index, ((command, future), (_, effects, refused)) in enumerate(
            zip(batch, results, strict=True)
        ):
            for listener in self.listeners:
                try:
                    listener(now, command, effects)
                except Exception:  # a listener's bug must not stop the hotline
                    log.exception("listener %r failed on %r", listener, command)
            if future is not None and not future.done():
                future.set_result(Outcome(first_seq + index, now, effects, refused))
        self._wake.set()
        published = time.perf_counter()
        seconds["publish"] += published - journalled
        if history.pending and now - self._last_flush >= HISTORY_FLUSH_EVERY:
            self._last_flush = now
            await asyncio.to_thread(self._flush_history)
            seconds["history"] += time.perf_counter() - published
        saving = self._saving
        if self._since_snapshot >= self.snapshot_every and (saving is None or saving.done()):
            # Forked here, while the engine is as journalled up to last_seq: a child pickles it
            # on another core (verbund.service.forked) and a worker stores what it pickled,
            # while the writer goes on.
            before = time.perf_counter()
            child = fork_pickle(engine, history)
            self._since_snapshot = 0
            self._saving = asyncio.create_task(
                asyncio.to_thread(self._save_snapshot, self.last_seq, child)
            )
            seconds["snapshot"] += time.perf_counter() - before

    # --- persistence helpers (run in a worker thread while the writer waits) -------------------

    def _recover(self) -> None:
        history = HistoryRecorder(self.database, self.hotline)
        self.engine, self.last_seq = recover(
            self.database, self.hotline, HotlineConfig(self.hotline, ()), history=history
        )
        self.history = history
        self._since_snapshot = 0

    def _flush_history(self) -> None:
        assert self.history is not None
        try:
            self.history.flush()
        except StoreError as exc:  # kept and written at the next flush
            log.warning("history of hotline %s not written yet: %s", self.hotline, exc)

    def _snapshot(self) -> None:
        assert self.engine is not None
        try:
            save_snapshot(
                self.database, self.hotline, self.last_seq, self.engine, history=self.history
            )
            prune_snapshots(self.database, self.hotline, keep=2)
            self._since_snapshot = 0
        except StoreError as exc:
            log.warning("snapshot of hotline %s failed: %s", self.hotline, exc)

    def _save_snapshot(self, seq: int, child: PickledInChild) -> None:
        """Write the snapshot the child pickles (a failed one: the next comes after another
        ``snapshot_every`` commands; recovery uses the one before and more of the journal)."""
        assert self.engine is not None
        try:
            pickled = child.result()
            save_snapshot(self.database, self.hotline, seq, self.engine, pickled=pickled)
            prune_snapshots(self.database, self.hotline, keep=2)
        except StoreError as exc:
            log.warning("snapshot of hotline %s failed: %s", self.hotline, exc)

    async def changed(self) -> None:
        """Wait until the next batch has been handled (for views that poll for changes)."""
        self._wake.clear()
        await self._wake.wait()
