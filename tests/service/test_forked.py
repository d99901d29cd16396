"""Snapshots pickled by a forked child: the child's pickle is the engine as it was at the fork,
whatever the parent does afterwards; a child that fails is reported, not taken for a snapshot."""

from __future__ import annotations

import pickle

import pytest

from tests.store.workload import hotline_config
from verbund.engine import AgentLoggedIn, ContactArrived, Engine
from verbund.service.forked import fork_pickle
from verbund.store import StoreError

CONFIG = hotline_config("forked")
TOPIC, LANGUAGE = next(iter(CONFIG.agents[0].skills))


def _engine() -> Engine:
    engine = Engine(CONFIG)
    engine.handle(AgentLoggedIn(CONFIG.agents[0].name), 1.0)
    for i in range(50):
        engine.handle(ContactArrived(f"c{i}", f"+49{i}", TOPIC, LANGUAGE), 2.0 + i)
    return engine


def test_the_child_pickles_the_engine_as_it_was_when_forked() -> None:
    engine = _engine()
    before = engine.snapshot()
    child = fork_pickle(engine, None)
    assert child.pid > 0  # a child process, not the caller, is pickling
    engine.handle(ContactArrived("later", "+49999", TOPIC, LANGUAGE), 100.0)
    assert engine.snapshot() != before
    pickled = child.result()
    assert pickled.at == 51.0
    assert pickle.loads(pickled.engine).snapshot() == before
    assert child.result() is pickled  # asked again: the same snapshot, no second wait


def test_a_child_that_cannot_pickle_is_reported_as_a_store_error() -> None:
    engine = _engine()
    engine._reports["unpicklable"] = lambda: None  # type: ignore[assignment]  # pickle cannot
    child = fork_pickle(engine, None)
    with pytest.raises(StoreError, match=r"snapshot child process \d+ failed"):
        child.result()
