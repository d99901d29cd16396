"""Snapshots of a hotline's engine, and recovery: newest snapshot + the journal after it.

    save_snapshot(database, "116117", seq, engine, history=recorder)  # engine has handled 1..seq
    engine, last_seq = recover(database, "116117", config, history=recorder)

A snapshot is the engine pickled whole (the engine is built to pickle: its handlers live in a
module table), with the history recorder's state beside it. ``recover`` loads the newest snapshot
that unpickles, then handles every journal entry after it exactly as ``verbund.engine.replay``
does (a command the engine refuses is refused again and changes nothing; the effects of timers
that fired before it still count). Without a snapshot it replays the whole journal on
``Engine(config)``.

``config`` must be the configuration the journal *started* from: configuration changes since
are commands in the journal. The simplest way to keep that true is to start every journal from an
empty configuration and journal :func:`verbund.store.configuration_commands` first.

Snapshots are trusted data: unpickling runs code named in them, so the database must be as
trusted as the code (it is: it also holds the journal that drives every decision). A snapshot
that no longer unpickles (the engine's classes changed in an upgrade) is skipped with a warning;
the journal is never pruned by this module, so recovery can always fall back to a full replay.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from typing import NamedTuple

import sqlalchemy as sa

from verbund.engine.commands import Command
from verbund.engine.config import HotlineConfig
from verbund.engine.engine import Engine
from verbund.errors import EngineError
from verbund.store.database import Database, translate_errors
from verbund.store.errors import StoreError
from verbund.store.history import HistoryRecorder, HistoryState
from verbund.store.journal import Journal, last_seq_of
from verbund.store.tables import snapshots

__all__ = [
    "Pickled",
    "pickle_state",
    "prune_snapshots",
    "recover",
    "save_snapshot",
    "snapshot_seqs",
]

log = logging.getLogger(__name__)


def _code_version() -> str:
    try:
        return importlib_metadata.version("verbund")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


class Pickled(NamedTuple):
    """An engine and its history recorder's state, pickled at engine time ``at``."""

    engine: bytes
    history: bytes | None
    at: float


def pickle_state(engine: Engine, history: HistoryRecorder | None) -> Pickled:
    """The engine and the history recorder's state, pickled, for :func:`save_snapshot`."""
    engine_blob = pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL)
    history_blob = (
        None if history is None else pickle.dumps(history.state, protocol=pickle.HIGHEST_PROTOCOL)
    )
    return Pickled(engine_blob, history_blob, engine.now)


def save_snapshot(
    database: Database,
    hotline: str,
    seq: int,
    engine: Engine,
    *,
    history: HistoryRecorder | None = None,
    pickled: Pickled | None = None,
) -> None:
    """Save ``engine`` as it is after journal entry ``seq`` (0: before any), with ``history``'s
    state. Pickles at once, so the engine may go on as soon as this returns; or takes them
    ``pickled`` already (:func:`pickle_state`, e.g. by the engine's owner, who then may go on
    while this writes them)."""
    if engine.name != hotline:
        raise StoreError(f"snapshot for hotline {hotline!r} of the engine of {engine.name!r}")
    engine_blob, history_blob, at = pickle_state(engine, history) if pickled is None else pickled
    with (
        translate_errors(f"saving a snapshot of hotline {hotline!r}"),
        database.write() as connection,
    ):
        last = last_seq_of(connection, hotline)
        if not 0 <= seq <= last:
            raise StoreError(
                f"snapshot of hotline {hotline!r} at journal entry {seq}: the journal holds "
                f"entries 1 to {last}; journal the commands before snapshotting their effects"
            )
        key = (snapshots.c.hotline == hotline) & (snapshots.c.seq == seq)
        connection.execute(sa.delete(snapshots).where(key))
        connection.execute(
            snapshots.insert().values(
                hotline=hotline,
                seq=seq,
                at=at,
                engine=engine_blob,
                history=history_blob,
                code_version=_code_version(),
                created=datetime.now(UTC),
            )
        )


def snapshot_seqs(database: Database, hotline: str) -> list[int]:
    """The journal positions of the hotline's snapshots, newest first."""
    with (
        translate_errors(f"reading the snapshots of hotline {hotline!r}"),
        database.read() as connection,
    ):
        return list(
            connection.execute(
                sa.select(snapshots.c.seq)
                .where(snapshots.c.hotline == hotline)
                .order_by(snapshots.c.seq.desc())
            ).scalars()
        )


def prune_snapshots(database: Database, hotline: str, *, keep: int = 2) -> int:
    """Delete all but the newest ``keep`` snapshots; return how many went."""
    if keep < 1:
        raise StoreError(f"keep={keep}: keep at least the newest snapshot")
    doomed = snapshot_seqs(database, hotline)[keep:]
    if doomed:
        with (
            translate_errors(f"pruning the snapshots of hotline {hotline!r}"),
            database.write() as connection,
        ):
            connection.execute(
                sa.delete(snapshots).where(
                    snapshots.c.hotline == hotline, snapshots.c.seq.in_(doomed)
                )
            )
    return len(doomed)


def recover(
    database: Database,
    hotline: str,
    config: HotlineConfig,
    *,
    history: HistoryRecorder | None = None,
    start: float = 0.0,
) -> tuple[Engine, int]:
    """Rebuild the hotline's engine; return it and the sequence number of the last entry applied.

    With ``history``, the recorder's state comes back from the snapshot and follows the replayed
    entries too, so that :meth:`HistoryRecorder.flush` writes every contact that finished since,
    once (rows written before the crash are left as they are).
    """
    if config.name != hotline:
        raise StoreError(
            f"recovering hotline {hotline!r} with the configuration of {config.name!r}"
        )
    journal = Journal(database, hotline)
    last_in_journal = journal.last_seq()
    engine, history_state, seq = _load_newest(database, hotline)
    if engine is None:
        engine = Engine(config, now=start)
    if seq > last_in_journal:
        raise StoreError(
            f"hotline {hotline!r} has a snapshot at journal entry {seq} but the journal ends at "
            f"{last_in_journal}: journal entries were lost; restore the database from a backup"
        )
    if history is not None and history_state is not None:
        history.state = history_state
    last = seq
    for entry in journal.read(after_seq=seq):
        last = entry.seq
        _apply(engine, entry.at, entry.command, history)
    return engine, last


def _apply(engine: Engine, at: float, command: Command, history: HistoryRecorder | None) -> None:
    effects: Sequence[object]
    try:
        effects = engine.handle(command, at)
    except EngineError as refused:  # refused again, exactly as the first time
        effects = refused.effects
    if history is not None:
        history.record(at, command, effects)


def _load_newest(
    database: Database, hotline: str
) -> tuple[Engine | None, HistoryState | None, int]:
    for seq in snapshot_seqs(database, hotline):
        with (
            translate_errors(f"reading a snapshot of hotline {hotline!r}"),
            database.read() as connection,
        ):
            row = connection.execute(
                sa.select(snapshots.c.engine, snapshots.c.history, snapshots.c.code_version).where(
                    snapshots.c.hotline == hotline, snapshots.c.seq == seq
                )
            ).first()
        if row is None:  # pruned meanwhile
            continue
        try:
            engine = pickle.loads(row.engine)
            history = None if row.history is None else pickle.loads(row.history)
        except Exception as exc:  # any failure to unpickle: this snapshot is unusable
            log.warning(
                "snapshot of hotline %r at journal entry %d (written by Verbund %s) does not "
                "load (%s: %s); trying an older one",
                hotline,
                seq,
                row.code_version,
                type(exc).__name__,
                exc,
            )
            continue
        if not isinstance(engine, Engine) or engine.name != hotline:
            log.warning(
                "snapshot of hotline %r at entry %d is not its engine; skipped", hotline, seq
            )
            continue
        if history is not None and not isinstance(history, HistoryState):
            history = None
        return engine, history, seq
    return None, None, 0
