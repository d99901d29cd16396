"""Auto-answer: an offer connects at once (a callback is dialled at once), nothing rings."""

from __future__ import annotations

from conftest import VOICE, Driver, agent, hotline, of_type, one, states_of
from verbund.engine import (
    AgentStateChanged,
    AgentStatus,
    CallbackRequested,
    ContactAbandoned,
    ContactEnded,
    ContactState,
    DialCallback,
    OfferAccepted,
    OfferContact,
    replay,
)


def test_an_offer_is_connected_in_the_same_step_without_ringing() -> None:
    d = Driver(hotline(agent("a1"), auto_answer=True, wrap_up=None))
    d.login("a1")

    effects = d.arrive("c1", at=7.0)

    assert one(effects, OfferContact) == OfferContact("c1", "a1", 7.0, answered=True)
    assert states_of(effects, "c1") == [
        ContactState.QUEUED,
        ContactState.OFFERED,
        ContactState.CONNECTED,
    ]
    # The desktop goes straight to busy: it is never reserved (ringing).
    assert of_type(effects, AgentStateChanged) == [
        AgentStateChanged("a1", "alpha", AgentStatus.BUSY)
    ]
    assert d.engine.next_deadline() is None  # no offer time-out
    assert d.state("c1") is ContactState.CONNECTED
    d.refuse(OfferAccepted("c1", "a1"))  # there is nothing left to accept

    d.do(ContactEnded("c1"), at=200.0)
    assert d.engine.agent_status("a1") is AgentStatus.WRAP_UP


def test_the_next_waiting_contact_connects_when_the_agent_is_free_again() -> None:
    d = Driver(hotline(agent("a1"), auto_answer=True))
    d.login("a1")
    d.arrive("c1", at=1.0)
    d.arrive("c2", at=2.0)
    assert d.engine.waiting(VOICE) == ["c2"]

    effects = d.do(ContactEnded("c1"), at=100.0)

    assert one(effects, OfferContact) == OfferContact("c2", "a1", 100.0, answered=True)
    assert d.state("c2") is ContactState.CONNECTED
    assert d.engine.waiting(VOICE) == []


def test_a_callback_is_dialled_at_once() -> None:
    d = Driver(hotline(agent("a1"), auto_answer=True))
    d.login("a1")
    d.arrive("a1-busy")  # connected at once: a1 is busy
    d.arrive("c1", at=1.0)
    d.do(CallbackRequested("c1"))

    effects = d.do(ContactEnded("a1-busy"), at=50.0)

    assert one(effects, OfferContact) == OfferContact("c1", "a1", 50.0, True, True)
    assert one(effects, DialCallback) == DialCallback("c1", "a1", 1)
    assert d.state("c1") is ContactState.CALLBACK_DIALING


def test_switching_it_on_leaves_ringing_offers_to_ring_and_replays_the_same() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), offer_timeout=20.0))
    d.login("a1")
    d.arrive("c1", at=1.0)  # rings at a1
    d.change_rules(auto_answer=True)
    d.login("a2")

    effects = d.arrive("c2", at=2.0)

    assert one(effects, OfferContact).answered
    assert d.state("c1") is ContactState.OFFERED
    assert d.engine.next_deadline() == 21.0
    d.do(ContactAbandoned("c1"), at=3.0)
    engine, replayed = replay(d.config, d.log)
    assert replayed == d.effects
    assert engine.snapshot() == d.engine.snapshot()
