"""The runner: one writer per hotline, journal first, group commit, timers, snapshots, recovery,
back-pressure — in-process against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.store.workload import hotline_config
from verbund.engine import (
    AgentLoggedIn,
    AgentReady,
    CancelOffer,
    Command,
    ContactArrived,
    Effect,
    HotlineConfig,
    OfferContact,
    RoutingRules,
)
from verbund.errors import UnknownEntity
from verbund.service import HotlineRunner, JournalUnavailable, Overloaded
from verbund.store import Database, Journal, StoreError, save_config, snapshot_seqs
from verbund.store.config import load_config


@pytest.fixture
def config(database: Database, hotline: str) -> HotlineConfig:
    base = hotline_config(hotline)
    rules = RoutingRules(offer_timeout=0.3, max_no_answers=5, wrap_up=None)
    config = HotlineConfig(base.name, base.topics, base.providers, base.agents, rules)
    save_config(database, config)
    return config


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def arrivals(n: int, topic: str, language: str, start: int = 0) -> Iterator[ContactArrived]:
    for i in range(start, start + n):
        yield ContactArrived(f"c{i}", f"+49{i}", topic, language)


def _skill(config: HotlineConfig) -> tuple[str, str, str]:
    agent = config.agents[0]
    topic, language = next(iter(agent.skills))
    return agent.name, topic, language


def test_commands_that_queue_while_a_batch_is_written_share_one_transaction(
    database: Database, hotline: str, config: HotlineConfig
) -> None:
    agent, topic, language = _skill(config)

    async def scenario() -> HotlineRunner:
        runner = HotlineRunner(database, hotline)
        await runner.start()
        await runner.submit(AgentLoggedIn(agent))
        before = runner.batches
        outcomes = await asyncio.gather(*(runner.submit(c) for c in arrivals(200, topic, language)))
        assert sorted(o.seq for o in outcomes) == list(
            range(outcomes[0].seq, outcomes[0].seq + 200)
        )
        assert runner.batches - before < 100  # gathered, not one transaction each
        await runner.stop()
        return runner

    runner = run(scenario())
    assert Journal(database, hotline).last_seq() == runner.last_seq


def test_an_answer_comes_only_after_the_command_is_in_the_journal(
    database: Database, hotline: str, config: HotlineConfig
) -> None:
    agent, _topic, _language = _skill(config)

    async def scenario() -> None:
        runner = HotlineRunner(database, hotline)
        await runner.start()
        outcome = await runner.submit(AgentLoggedIn(agent))
        entries = list(Journal(database, hotline).read(after_seq=outcome.seq - 1))
        assert entries[0].command == AgentLoggedIn(agent)
        await runner.stop()

    run(scenario())


def test_a_refused_command_is_journalled_and_raised(
    database: Database, hotline: str, config: HotlineConfig
) -> None:
    async def scenario() -> None:
        runner = HotlineRunner(database, hotline)
        await runner.start()
        with pytest.raises(UnknownEntity, match="no-such-agent"):
            await runner.submit(AgentReady("no-such-agent"))
        last = list(Journal(database, hotline).read())[-1]
        assert last.command == AgentReady("no-such-agent")
        await runner.stop()

    run(scenario())


class FailingJournal(Journal):
    """The real journal, but the next ``fail`` appends fail as a lost database would."""

    fail = 0

    def append(self, batch: Any) -> int:
        if self.fail:
            self.fail -= 1
            raise StoreError("appending to the journal failed: the database went away")
        return super().append(batch)


def test_a_failed_journal_write_takes_nothing_into_effect(
    database: Database, hotline: str, config: HotlineConfig
) -> None:
    agent, _topic, _language = _skill(config)

    async def scenario() -> None:
        runner = HotlineRunner(database, hotline)
        await runner.start()
        journal = runner.journal = FailingJournal(database, hotline)
        await runner.submit(AgentLoggedIn(agent))
        journal.fail = 1
        with pytest.raises(JournalUnavailable, match="nothing of it took effect"):
            await runner.submit(AgentReady(agent))
        assert runner.engine is not None
        assert runner.engine.agent_status(agent).value == "not_ready"  # rebuilt: not ready
        await runner.submit(AgentReady(agent))  # and it works again
        assert runner.engine.agent_status(agent).value == "ready"
        await runner.stop()

    run(scenario())


def test_an_idle_hotline_still_fires_its_timers(
    database: Database, hotline: str, config: HotlineConfig
) -> None:
    agent, topic, language = _skill(config)
    seen: list[Effect] = []

    async def scenario() -> None:
        runner = HotlineRunner(database, hotline)
        runner.listeners.append(lambda now, command, effects: seen.extend(effects))
        await runner.start()
        await runner.submit(AgentLoggedIn(agent))
        await runner.submit(AgentReady(agent))
        await runner.submit(next(arrivals(1, topic, language)))
        assert any(isinstance(e, OfferContact) for e in seen)
        await asyncio.sleep(0.8)  # the offer lapses after 0.3 s with nobody sending anything
        assert any(isinstance(e, CancelOffer) and e.reason == "timeout" for e in seen)
        await runner.stop()

    run(scenario())


def test_too_much_waiting_work_is_refused_at_once(
    database: Database, hotline: str, config: HotlineConfig
) -> None:
    _agent, topic, language = _skill(config)

    async def scenario() -> None:
        runner = HotlineRunner(database, hotline, max_pending=5)
        await runner.start()
        results = await asyncio.gather(
            *(runner.submit(c) for c in arrivals(50, topic, language)), return_exceptions=True
        )
        refused = [r for r in results if isinstance(r, Overloaded)]
        assert refused
        assert all(r.retry_after >= 1 for r in refused)
        accepted = [r for r in results if not isinstance(r, BaseException)]
        assert accepted  # the first ones were taken
        assert len(refused) + len(accepted) == 50
        await runner.stop()

    run(scenario())


def test_a_restarted_runner_is_the_engine_that_stopped(
    database: Database, hotline: str, config: HotlineConfig
) -> None:
    agent, topic, language = _skill(config)

    async def first_life() -> dict[str, object]:
        runner = HotlineRunner(database, hotline, snapshot_every=25)
        await runner.start()
        await runner.submit(AgentLoggedIn(agent))
        for command in arrivals(60, topic, language):
            await runner.submit(command)
        assert runner.engine is not None
        state = runner.engine.snapshot()
        await runner.stop()
        return state

    async def second_life() -> dict[str, object]:
        runner = HotlineRunner(database, hotline)
        await runner.start()
        assert runner.engine is not None
        state = runner.engine.snapshot()
        await runner.stop()
        return state

    before = run(first_life())
    assert snapshot_seqs(database, hotline)  # snapshots were taken
    assert run(second_life()) == before


def test_a_new_journal_begins_with_the_configuration_of_the_tables(
    database: Database, hotline: str, config: HotlineConfig
) -> None:
    async def scenario() -> None:
        runner = HotlineRunner(database, hotline)
        await runner.start()
        assert runner.engine is not None
        assert sorted(runner.engine.agents()) == sorted(a.name for a in config.agents)
        await runner.stop()

    run(scenario())
    commands: list[Command] = [e.command for e in Journal(database, hotline).read()]
    kinds = [type(c).__name__ for c in commands]
    assert kinds[0] == "RulesChanged"
    assert kinds.count("AgentConfigured") == len(load_config(database, hotline).agents)
