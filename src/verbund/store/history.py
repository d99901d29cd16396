"""Contact history: every finished contact with all its times, for reports and statements.

    recorder = HistoryRecorder(database, "116117", config)
    effects = engine.handle(command, now)
    recorder.record(now, command, effects)    # no I/O: follows each contact's lifecycle
    recorder.flush()                          # writes the finished ones, in one transaction

The recorder follows the engine's notices (``ContactStateChanged``, ``DialCallback``,
``AlreadyWaiting``, ``AgentStateChanged``) and takes what only the arrival knows (caller, topic,
language, channel, priority) from the ``ContactArrived`` command. When a contact reaches a terminal
state it becomes a row; a duplicate attempt (``AlreadyWaiting``) becomes a row with outcome
``duplicate`` at once, so that reports can count attempts as well as callers.

Times are the ``now`` of the ``handle`` call that produced the notice. The engine fires a timer
(an offer lapsing, a wrap-up ending) at its own due time within a later call; the live service
calls at each ``next_deadline()``, so the two agree up to its timer latency, and a replay of the
journal reproduces the same times exactly.

Exactly once across a crash: a row is keyed by (hotline, contact, arrival time) and writing it
again does nothing; the recorder's state (contacts under way, finished ones not yet written) is
saved with each engine snapshot, and recovery replays the journal after the snapshot through it
(see :func:`verbund.store.recover`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from verbund.engine.commands import AgentConfigured, Command, ContactArrived
from verbund.engine.config import HotlineConfig
from verbund.engine.effects import (
    AgentStateChanged,
    AlreadyWaiting,
    ContactStateChanged,
    DialCallback,
)
from verbund.engine.states import TERMINAL_CONTACT_STATES, ContactState
from verbund.store.database import Database, translate_errors
from verbund.store.tables import contact_history

__all__ = ["DUPLICATE", "ContactRecord", "HistoryRecorder", "HistoryState"]

DUPLICATE = "duplicate"  # outcome of an attempt by a caller who was already waiting


@dataclass(slots=True)
class ContactRecord:
    """One contact's row of ``contact_history``, filled in as its lifecycle goes on."""

    contact: str
    caller: str
    channel: str
    topic: str
    language: str
    priority: int
    callback: bool
    arrived: float
    outcome: str | None = None
    provider: str | None = None
    agent: str | None = None
    callback_requested: float | None = None
    offered: float | None = None
    answered: float | None = None
    ended: float | None = None
    wrap_up_end: float | None = None
    offers: int = 0
    callback_attempts: int = 0
    duplicate_of: str | None = None


@dataclass(slots=True)
class HistoryState:
    """What the recorder holds between flushes; saved with engine snapshots."""

    live: dict[str, ContactRecord] = field(default_factory=dict)
    finished: list[ContactRecord] = field(default_factory=list)
    agent_providers: dict[str, str] = field(default_factory=dict)
    missed: int = 0  # notices about contacts that arrived before the recorder started


class HistoryRecorder:
    """Turns a hotline's commands and effects into ``contact_history`` rows, written in batches."""

    def __init__(
        self, database: Database, hotline: str, config: HotlineConfig | None = None
    ) -> None:
        self.database = database
        self.hotline = hotline
        self.state = HistoryState()
        if config is not None:
            self.state.agent_providers = {agent.name: agent.provider for agent in config.agents}

    @property
    def pending(self) -> int:
        """Finished contacts not written yet."""
        return len(self.state.finished)

    def record(self, now: float, command: Command, effects: Iterable[object]) -> None:
        """Follow what ``command``, handled at ``now``, did (pass a refusal's ``.effects`` too)."""
        state = self.state
        arrival = command if isinstance(command, ContactArrived) else None
        if isinstance(command, AgentConfigured):
            state.agent_providers[command.agent.name] = command.agent.provider
        for effect in effects:
            if isinstance(effect, ContactStateChanged):
                self._state_changed(now, effect, arrival)
            elif isinstance(effect, AgentStateChanged):
                state.agent_providers[effect.agent] = effect.provider
            elif isinstance(effect, DialCallback):
                found = state.live.get(effect.contact)
                if found is not None:
                    found.callback_attempts = effect.attempt
            elif (
                isinstance(effect, AlreadyWaiting)
                and arrival is not None
                and effect.attempt == arrival.contact
            ):
                duplicate = _new_record(arrival, now)
                duplicate.outcome = DUPLICATE
                duplicate.ended = now
                duplicate.duplicate_of = effect.contact
                state.finished.append(duplicate)

    def _state_changed(
        self, now: float, effect: ContactStateChanged, arrival: ContactArrived | None
    ) -> None:
        state = self.state
        name = effect.contact
        found = state.live.get(name)
        if found is None:
            if arrival is None or arrival.contact != name:
                state.missed += 1
                return
            found = state.live[name] = _new_record(arrival, now)
        new = effect.state
        if new is ContactState.OFFERED or new is ContactState.CALLBACK_OFFERED:
            found.offers += 1
            if found.offered is None:
                found.offered = now
        elif new is ContactState.CONNECTED:
            if found.answered is None:
                found.answered = now
            found.agent = effect.agent
        elif new is ContactState.WRAP_UP:
            found.ended = now
        elif new is ContactState.CALLBACK_WAITING:
            if found.callback_requested is None:
                found.callback_requested = now
        elif new in TERMINAL_CONTACT_STATES:
            found.outcome = new.value
            if new is ContactState.COMPLETED:
                found.wrap_up_end = now
            if found.ended is None:
                found.ended = now
            if new is ContactState.ROUTED:
                found.provider = effect.provider
            elif found.agent is not None:
                found.provider = state.agent_providers.get(found.agent)
            del state.live[name]
            state.finished.append(found)

    def flush(self) -> int:
        """Write the finished contacts in one transaction; return how many were written.

        A contact already in the table (written before a crash and recorded again while the
        journal was replayed) is left as it is.
        """
        batch, self.state.finished = self.state.finished, []
        if not batch:
            return 0
        rows = [self._row(record) for record in batch]
        insert = postgresql.insert if self.database.dialect == "postgresql" else sqlite.insert
        statement = insert(contact_history).on_conflict_do_nothing(
            index_elements=["hotline", "contact", "arrived"]
        )
        try:
            with (
                translate_errors(f"writing the contact history of hotline {self.hotline!r}"),
                self.database.write() as connection,
            ):
                connection.execute(statement, rows)
        except BaseException:
            self.state.finished = batch + self.state.finished  # try again at the next flush
            raise
        return len(rows)

    def _row(self, record: ContactRecord) -> dict[str, Any]:
        row = asdict(record)
        row["hotline"] = self.hotline
        return row


def _new_record(arrival: ContactArrived, now: float) -> ContactRecord:
    channel = arrival.channel
    return ContactRecord(
        contact=arrival.contact,
        caller=arrival.caller,
        channel=getattr(channel, "value", str(channel)),
        topic=arrival.topic,
        language=arrival.language,
        priority=arrival.priority,
        callback=arrival.callback,
        arrived=now,
        callback_requested=now if arrival.callback else None,
    )


def read_history(database: Database, hotline: str) -> list[dict[str, Any]]:
    """Every row of the hotline's contact history, by arrival (for tests and small reports)."""
    columns = [c for c in contact_history.c if c.name != "id"]
    with database.read() as connection:
        rows = connection.execute(
            sa.select(*columns)
            .where(contact_history.c.hotline == hotline)
            .order_by(contact_history.c.arrived, contact_history.c.contact)
        ).all()
    return [dict(row._mapping) for row in rows]
