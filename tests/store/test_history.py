"""Contact history: every finished contact becomes one row with all its times, written in
batches, exactly once even when the process dies between a flush and the next snapshot."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from verbund.engine import (
    AgentLoggedIn,
    AgentReady,
    AgentSpec,
    CallbackAnswered,
    CallbackNotAnswered,
    Command,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    Engine,
    HotlineConfig,
    OfferAccepted,
    ProviderMode,
    ProviderSpec,
    ProviderStatusReported,
    RoutingRules,
    TimeAdvanced,
    TopicSpec,
)
from verbund.errors import EngineError
from verbund.store import (
    Database,
    HistoryRecorder,
    Journal,
    read_history,
    recover,
    save_config,
    save_snapshot,
)

from .workload import busy_day, hotline_config


def _small_hotline(name: str) -> HotlineConfig:
    return HotlineConfig(
        name,
        topics=(TopicSpec("termin", ("de",)),),
        providers=(
            ProviderSpec("alpha"),
            ProviderSpec(
                "remote",
                ProviderMode.CONNECTED,
                label="sip:r",
                serves=frozenset({("termin", "de")}),
            ),
        ),
        agents=(AgentSpec("a1", "alpha", {("termin", "de"): 1}),),
        rules=RoutingRules(
            wrap_up=10.0,
            max_queue_length=1,
            announce_interval=None,
            callback_retry_delay=60.0,
            callback_max_attempts=2,
        ),
    )


def _drive(
    engine: Engine, recorder: HistoryRecorder, script: Sequence[tuple[float, Command]]
) -> None:
    for at, command in script:
        try:
            effects = engine.handle(command, at)
        except EngineError as refused:
            effects = list(refused.effects)  # type: ignore[arg-type]
        recorder.record(at, command, effects)


ROW = {
    "caller": "",
    "channel": "voice",
    "topic": "termin",
    "language": "de",
    "priority": 0,
    "callback": False,
    "provider": None,
    "agent": None,
    "callback_requested": None,
    "offered": None,
    "answered": None,
    "wrap_up_end": None,
    "offers": 0,
    "callback_attempts": 0,
    "duplicate_of": None,
}


def _row(**fields: Any) -> dict[str, Any]:
    return {**ROW, **fields}


def test_each_finished_contact_is_one_row_with_all_its_times(database: Database) -> None:
    name = f"h-{uuid.uuid4().hex[:12]}"
    config = _small_hotline(name)
    save_config(database, config)
    recorder = HistoryRecorder(database, name, config)

    _drive(
        Engine(config),
        recorder,
        [
            (0.0, AgentLoggedIn("a1")),
            (0.0, AgentReady("a1")),
            (1.0, ContactArrived("c1", "+491", "termin", "de")),  # offered to a1 at once
            (3.0, OfferAccepted("c1", "a1")),
            (4.0, ContactArrived("c2", "+492", "termin", "de")),  # waits: a1 is busy
            (5.0, ContactArrived("c3", "+493", "termin", "de")),  # the queue is full: rejected
            (6.0, ContactArrived("c4", "+492", "termin", "de", priority=2)),  # c2's caller again
            (7.0, ContactAbandoned("c2")),
            (8.0, ProviderStatusReported("remote", 1, 0, 100.0, 1)),
            (9.0, ContactArrived("c5", "+495", "termin", "de")),  # routed to remote
            (20.0, ContactEnded("c1")),
            (30.0, TimeAdvanced()),  # c1's wrap-up ends
            (40.0, ContactArrived("c6", "+496", "termin", "de", callback=True)),
            (41.0, OfferAccepted("c6", "a1")),  # dial 1
            (42.0, CallbackNotAnswered("c6")),
            (102.0, TimeAdvanced()),  # due again: offered to a1
            (103.0, OfferAccepted("c6", "a1")),  # dial 2
            (104.0, CallbackAnswered("c6")),
            (110.0, ContactEnded("c6")),
            (120.0, TimeAdvanced()),
            (121.0, ContactArrived("c7", "", "termin", "de")),  # still going: not written
        ],
    )
    assert recorder.pending == 6
    assert recorder.flush() == 6
    assert recorder.flush() == 0

    rows = [
        {k: v for k, v in row.items() if k != "hotline"} for row in read_history(database, name)
    ]
    assert rows == [
        _row(
            contact="c1", caller="+491", outcome="completed", provider="alpha", agent="a1",
            arrived=1.0, offered=1.0, answered=3.0, ended=20.0, wrap_up_end=30.0, offers=1,
        ),
        _row(contact="c2", caller="+492", outcome="abandoned", arrived=4.0, ended=7.0),
        _row(contact="c3", caller="+493", outcome="rejected", arrived=5.0, ended=5.0),
        _row(
            contact="c4", caller="+492", priority=2, outcome="duplicate", arrived=6.0, ended=6.0,
            duplicate_of="c2",
        ),
        _row(
            contact="c5", caller="+495", outcome="routed", provider="remote", arrived=9.0,
            ended=9.0,
        ),
        _row(
            contact="c6", caller="+496", callback=True, outcome="completed", provider="alpha",
            agent="a1", arrived=40.0, callback_requested=40.0, offered=40.0, answered=104.0,
            ended=110.0, wrap_up_end=120.0, offers=2, callback_attempts=2,
        ),
    ]  # fmt: skip


def test_a_row_written_twice_is_kept_once(database: Database, hotline: str) -> None:
    config = hotline_config(hotline)
    recorder = HistoryRecorder(database, hotline, config)
    script: list[tuple[float, Command]] = [
        (1.0, ContactArrived("c1", "+491", "termin", "de")),
        (2.0, ContactAbandoned("c1")),
    ]
    _drive(Engine(config), recorder, script)
    finished = list(recorder.state.finished)

    recorder.flush()
    recorder.state.finished = finished  # as after a recovery that replayed the same contact
    recorder.flush()

    assert [row["contact"] for row in read_history(database, hotline)] == ["c1"]


def test_history_is_written_exactly_once_across_a_crash(database: Database, hotline: str) -> None:
    config = hotline_config(hotline)
    # What an uninterrupted day records, kept in memory.
    reference = HistoryRecorder(database, hotline, config)
    for batch in busy_day(Engine(config), seed=21, steps=1500):
        for step in batch:
            reference.record(step.at, step.command, step.effects)
    expected = sorted(
        (r.arrived, r.contact, r.outcome, r.ended, r.agent, r.provider)
        for r in reference.state.finished
    )

    # The same day live: journalled, flushed now and then, snapshotted now and then…
    journal = Journal(database, hotline)
    live = HistoryRecorder(database, hotline, config)
    engine = Engine(config)
    for number, batch in enumerate(busy_day(engine, seed=21, steps=1500), start=1):
        last = journal.append([(step.at, step.command) for step in batch])
        for step in batch:
            live.record(step.at, step.command, step.effects)
        if number % 3 == 0:
            live.flush()
        if number % 5 == 0:
            save_snapshot(database, hotline, last, engine, history=live)
    # … then the process dies: whatever `live` held unflushed is gone.
    assert live.pending > 0

    restarted = HistoryRecorder(database, hotline, config)
    recover(database, hotline, config, history=restarted)
    restarted.flush()

    written = sorted(
        (r["arrived"], r["contact"], r["outcome"], r["ended"], r["agent"], r["provider"])
        for r in read_history(database, hotline)
    )
    assert len(expected) > 200
    assert written == expected


@pytest.mark.parametrize("flushes", [1, 4])
def test_flushing_writes_in_batches(database: Database, hotline: str, flushes: int) -> None:
    config = hotline_config(hotline)
    recorder = HistoryRecorder(database, hotline, config)
    engine = Engine(config)
    total = 0
    for number, batch in enumerate(busy_day(engine, seed=8, steps=400), start=1):
        for step in batch:
            recorder.record(step.at, step.command, step.effects)
        if number % flushes == 0:
            total += recorder.flush()
    total += recorder.flush()

    assert total == len(read_history(database, hotline)) > 20
