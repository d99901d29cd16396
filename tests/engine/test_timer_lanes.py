"""Timers in lanes decide exactly what one heap of all timers decides; agents' free channels are
what asking every channel gives; a snapshot of an older state format refuses to load."""

from __future__ import annotations

import heapq
import pickle
from dataclasses import replace
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from conftest import Driver, agent, hotline
from verbund.engine import (
    AgentNotReady,
    AnnounceWait,
    Channel,
    Engine,
    OfferContact,
    OfferDeclined,
    RulesChanged,
)
from verbund.engine.agents import Agent
from verbund.engine.config import AgentSpec
from verbund.engine.states import AgentPresence
from verbund.sim import driver as sim_driver
from verbund.sim import parse_scenario, run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


class OneHeapEngine(Engine):
    """The engine as it was before lanes: every timer goes into the heap itself."""

    def _set_timer(self, due: float, kind: int, contact, lane: int = -1) -> None:  # type: ignore[no-untyped-def]
        self._timer_seq += 1
        timer = (due, self._timer_seq, kind, contact.name, contact.epoch, -1)
        heapq.heappush(self._timers, timer)


def _trace(monkeypatch: pytest.MonkeyPatch, engine: type[Engine]) -> tuple[bytes, dict[str, int]]:
    monkeypatch.setattr(sim_driver, "Engine", engine)
    # The regional hotline with lower skill levels joining after 45 s and 90 s.
    text = (SCENARIOS / "regional.toml").read_text(encoding="utf-8")
    text = text.replace("[routing]\n", '[routing]\nlevel_waits = ["0s", "45s", "90s"]\n', 1)
    text = text.replace('"termin:en" = 1', '"termin:en" = 3', 1)
    scenario = parse_scenario(text, source="regional.toml", base=SCENARIOS)
    scenario = replace(scenario, duration=3 * 3600.0, drain=1800.0)
    trace = run_replication(scenario)
    arrays = (trace.arrived, trace.outcome, trace.wait, trace.provider, trace.callback)
    return b"".join(np.ascontiguousarray(a).tobytes() for a in arrays), trace.counters


@pytest.mark.skipif(
    not (sim_driver.__file__ or "").endswith(".py"),
    reason="compiled: the driver makes its Engine directly and a compiled Engine cannot be "
    "subclassed; make test runs this in its interpreted pass",
)
def test_lanes_decide_what_one_heap_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    # A broad check over three hours of a regional hotline: redials that reclaim their place,
    # callbacks, lower skill levels, a connected provider. (The two tests below make timers fall
    # due before the last of their lane on purpose.)
    with_lanes = _trace(monkeypatch, Engine)
    one_heap = _trace(monkeypatch, OneHeapEngine)

    assert with_lanes == one_heap
    assert with_lanes[1]["reclaimed"] > 0


def test_a_timer_due_before_the_last_of_its_lane_still_fires_in_order() -> None:
    d = Driver(hotline(agent("a1"), announce_interval=60.0))
    d.arrive("c1", at=0.0)  # nobody is logged in: both wait, announced every 60 s
    d.arrive("c2", at=10.0)
    d.do(RulesChanged(replace(d.engine.rules, announce_interval=20.0)), at=15.0)
    d.arrive("c3", at=20.0)  # its announcement (40 s) is due before c2's (70 s): off the lane

    effects = d.at(130.0)

    announced = [(e.contact, e.position) for e in effects if isinstance(e, AnnounceWait)]
    # 40 c3 · 60 c1 (set first) · 60 c3 · 70 c2 · 80 c1 · 80 c3 · 90 c2 · 100 c1 · 100 c3 · 110 c2
    # · 120 c1 · 120 c3 · 130 c2
    assert announced == [("c3", 3), ("c1", 1), ("c3", 3)] + [
        ("c2", 2),
        ("c1", 1),
        ("c3", 3),
    ] * 3 + [("c2", 2)]


def test_a_declined_contact_keeps_its_early_level_timer_off_the_lane() -> None:
    d = Driver(hotline(agent("a1"), agent("a2", level=2), level_waits=(0.0, 30.0)))
    d.login("a1")
    d.arrive("c1", at=0.0)  # offered to a1 at once: no timers yet
    d.arrive("c2", at=5.0)  # level 2 may take it from 35 s
    d.arrive("c3", at=10.0)  # … and this one from 40 s: the lane's last
    d.do(AgentNotReady("a1", "break"), at=11.0)
    d.do(OfferDeclined("c1", "a1"), at=12.0)  # back to its place: level 2 from 30 s, off-lane
    d.login("a2")  # at 12 s nobody has waited 30 s

    effects = d.at(45.0)  # (before that offer lapses)

    offers = [(e.contact, e.agent) for e in effects if isinstance(e, OfferContact)]
    assert offers == [("c1", "a2")]  # at 30 s, before c2's timer at 35 s
    assert OfferContact("c1", "a2", 30.0 + d.engine.rules.offer_timeout) in effects


def _reference_free_channels(agent: Agent) -> tuple[Channel, ...]:
    return tuple(ch for ch in Channel if agent.can_take(ch))


@pytest.mark.parametrize(("voice", "chat", "social"), list(product((0, 1), (0, 1, 3), (0, 2))))
def test_free_channels_are_what_asking_every_channel_gives(
    voice: int, chat: int, social: int
) -> None:
    capacity = {Channel.SOCIAL: social, Channel.CHAT: chat, Channel.VOICE: voice}  # any order
    spec = AgentSpec("a", "p", {("t", "de"): 1}, capacity)
    for presence in AgentPresence:
        for loads in product(range(voice + 1), range(chat + 1), range(social + 1)):
            a = Agent(spec)
            a.presence = presence
            for channel, load in zip(Channel, loads, strict=True):
                a.load[channel] = load
                for i in range(load):
                    a.held[f"{channel.value}{i}"] = channel
            assert a.free_channels() == _reference_free_channels(a), (presence, loads)


def test_a_snapshot_of_an_older_state_format_refuses_to_load() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")
    d.arrive("c1")
    engine = pickle.loads(pickle.dumps(d.engine))
    assert engine.snapshot() == d.engine.snapshot()

    older = Engine(d.config)
    state = d.engine.__getstate__()
    del state["_state_format"]
    with pytest.raises(ValueError, match="replay the journal"):
        older.__setstate__(state)
