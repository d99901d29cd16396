"""Snapshots and recovery: the newest snapshot plus the journal after it rebuild the engine
exactly as it was, whether there were snapshots or not."""

from __future__ import annotations

import logging
import pickle

import pytest
import sqlalchemy as sa

from verbund.engine import Engine, HotlineConfig, TimeAdvanced, replay
from verbund.errors import EngineError
from verbund.store import (
    Database,
    Journal,
    StoreError,
    prune_snapshots,
    recover,
    save_config,
    save_snapshot,
    snapshot_seqs,
)
from verbund.store.tables import snapshots

from .workload import busy_day, hotline_config


def _live_day(
    database: Database, hotline: str, *, seed: int, steps: int, snapshot_every: int | None
) -> tuple[Engine, list[tuple[float, object]]]:
    """Run the engine live, journal every batch after handling it and snapshot now and then."""
    engine = Engine(hotline_config(hotline))
    journal = Journal(database, hotline)
    log = []
    for number, batch in enumerate(busy_day(engine, seed, steps), start=1):
        last = journal.append([(step.at, step.command) for step in batch])
        log += [(step.at, step.command) for step in batch]
        if snapshot_every and number % snapshot_every == 0:
            save_snapshot(database, hotline, last, engine)
    return engine, log


@pytest.mark.parametrize("snapshot_every", [None, 9], ids=["journal-only", "with-snapshots"])
def test_the_recovered_engine_is_the_engine_that_was_lost(
    database: Database, hotline: str, snapshot_every: int | None
) -> None:
    live, log = _live_day(database, hotline, seed=11, steps=4000, snapshot_every=snapshot_every)
    assert live.counters.completed > 20  # a real day

    recovered, last = recover(database, hotline, hotline_config(hotline))

    assert last == len(log) == Journal(database, hotline).last_seq()
    assert bool(snapshot_seqs(database, hotline)) == bool(snapshot_every)
    assert recovered.snapshot() == live.snapshot()
    assert recovered.next_deadline() == live.next_deadline()
    # … and it goes on deciding exactly as the lost one would have.
    for batch in busy_day(live, seed=12, steps=200, start=live.now):
        for step in batch:
            try:
                effects = recovered.handle(step.command, step.at)
            except EngineError as refused:
                effects = list(refused.effects)  # type: ignore[arg-type]
            assert effects == step.effects
    assert recovered.snapshot() == live.snapshot()


def test_recovery_agrees_with_the_engines_own_replay(database: Database, hotline: str) -> None:
    _, log = _live_day(database, hotline, seed=5, steps=400, snapshot_every=3)

    recovered, _ = recover(database, hotline, hotline_config(hotline))
    replayed, _ = replay(hotline_config(hotline), log)  # type: ignore[arg-type]

    assert recovered.snapshot() == replayed.snapshot()


def test_a_hotline_without_journal_or_snapshot_recovers_as_configured(
    database: Database, hotline: str
) -> None:
    engine, last = recover(database, hotline, hotline_config(hotline))

    assert last == 0
    assert engine.snapshot() == Engine(hotline_config(hotline)).snapshot()


def test_a_snapshot_that_no_longer_loads_is_skipped_for_an_older_one(
    database: Database, hotline: str, caplog: pytest.LogCaptureFixture
) -> None:
    live, _ = _live_day(database, hotline, seed=2, steps=300, snapshot_every=4)
    newest = snapshot_seqs(database, hotline)[0]
    with database.write() as c:
        c.execute(
            sa.update(snapshots)
            .where(snapshots.c.hotline == hotline, snapshots.c.seq == newest)
            .values(engine=pickle.dumps("an engine of another version")[:-3])
        )

    with caplog.at_level(logging.WARNING, logger="verbund.store.snapshots"):
        recovered, _ = recover(database, hotline, hotline_config(hotline))

    assert recovered.snapshot() == live.snapshot()
    assert f"at journal entry {newest}" in caplog.text
    assert "does not load" in caplog.text


def test_with_every_snapshot_unusable_the_whole_journal_is_replayed(
    database: Database, hotline: str
) -> None:
    live, _ = _live_day(database, hotline, seed=4, steps=200, snapshot_every=2)
    with database.write() as c:
        c.execute(sa.update(snapshots).values(engine=b"garbage"))

    recovered, _ = recover(database, hotline, hotline_config(hotline))

    assert recovered.snapshot() == live.snapshot()


def test_a_snapshot_cannot_run_ahead_of_the_journal(database: Database, hotline: str) -> None:
    engine = Engine(hotline_config(hotline))
    Journal(database, hotline).append([(1.0, TimeAdvanced())])
    engine.handle(TimeAdvanced(), 1.0)

    with pytest.raises(StoreError, match="journal the commands before snapshotting"):
        save_snapshot(database, hotline, 2, engine)
    with pytest.raises(StoreError, match="of the engine of 'someone-else'"):
        save_snapshot(database, hotline, 1, Engine(hotline_config("someone-else")))


def test_a_journal_shorter_than_its_snapshot_is_reported(database: Database, hotline: str) -> None:
    journal = Journal(database, hotline)
    engine = Engine(hotline_config(hotline))
    journal.append([(1.0, TimeAdvanced()), (2.0, TimeAdvanced())])
    save_snapshot(database, hotline, 2, engine)
    with database.write() as c:
        c.execute(sa.text("DELETE FROM journal WHERE hotline = :h AND seq = 2"), {"h": hotline})

    with pytest.raises(StoreError, match="journal entries were lost"):
        recover(database, hotline, hotline_config(hotline))


def test_old_snapshots_can_be_pruned(database: Database, hotline: str) -> None:
    _live_day(database, hotline, seed=1, steps=200, snapshot_every=2)
    seqs = snapshot_seqs(database, hotline)

    assert prune_snapshots(database, hotline, keep=2) == len(seqs) - 2

    assert snapshot_seqs(database, hotline) == seqs[:2]


def test_recovery_needs_the_hotlines_own_configuration(database: Database, hotline: str) -> None:
    other: HotlineConfig = hotline_config("other")
    save_config(database, other)

    with pytest.raises(StoreError, match="with the configuration of 'other'"):
        recover(database, hotline, other)
