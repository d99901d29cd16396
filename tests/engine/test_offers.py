"""Offers reserve an agent until accept, decline or time-out; wrap-up follows every contact."""

from __future__ import annotations

from conftest import VOICE, Driver, agent, hotline, of_type, one, states_of
from verbund.engine import (
    AgentNotReady,
    AgentReady,
    AgentStateChanged,
    AgentStatus,
    CancelOffer,
    ContactAbandoned,
    ContactEnded,
    ContactState,
    OfferContact,
    OfferDeclined,
    WrapUpDone,
)


def test_an_offer_reserves_the_agent_until_it_expires() -> None:
    d = Driver(hotline(agent("a1"), offer_timeout=15.0))
    d.login("a1")

    effects = d.arrive("c1", at=7.0)

    assert one(effects, OfferContact) == OfferContact("c1", "a1", 22.0)
    assert AgentStateChanged("a1", "alpha", AgentStatus.RESERVED) in effects
    assert d.engine.agent_status("a1") is AgentStatus.RESERVED
    assert d.engine.next_deadline() == 22.0
    assert not of_type(d.arrive("c2", at=8.0), OfferContact)  # a1 is reserved for c1
    assert d.at(21.999) == []

    effects = d.at(22.0)

    # c1 goes back to its place ahead of c2 and, a1 being the only agent, is offered again.
    assert of_type(effects, CancelOffer) == [CancelOffer("c1", "a1", "timeout")]
    assert states_of(effects, "c1") == [ContactState.QUEUED, ContactState.OFFERED]
    assert one(effects, OfferContact) == OfferContact("c1", "a1", 37.0)
    assert d.engine.waiting(VOICE) == ["c2"]


def test_a_declined_offer_returns_the_contact_to_its_place() -> None:
    d = Driver(hotline(agent("a1"), agent("a2")))
    d.login("a1")
    for t, contact in enumerate(("c1", "c2", "c3"), start=1):
        d.arrive(contact, at=float(t))
    d.do(AgentNotReady("a1"))

    effects = d.do(OfferDeclined("c1", "a1"), at=5.0)

    assert states_of(effects, "c1") == [ContactState.QUEUED]
    assert not of_type(effects, CancelOffer)  # the desktop already knows: it declined
    assert d.engine.waiting(VOICE) == ["c1", "c2", "c3"]
    assert d.engine.position("c1") == 1
    assert d.engine.provider_shares() == {"alpha": (1.0, 0)}  # a declined offer counts for nobody
    assert one(d.login("a2"), OfferContact) == OfferContact("c1", "a2", 25.0)


def test_a_declined_contact_goes_to_another_idle_agent_first() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), decline_pause=0.0))
    d.login("a1")
    d.at(1.0)
    d.login("a2")
    d.arrive("c1", at=2.0)
    assert d.engine.contact_agent("c1") == "a1"

    effects = d.do(OfferDeclined("c1", "a1"), at=3.0)

    # a1 is idle again but only since now, so a2 has waited longer for a contact.
    assert one(effects, OfferContact) == OfferContact("c1", "a2", 23.0)
    assert d.engine.agent_status("a1") is AgentStatus.READY
    assert one(d.arrive("c2", at=4.0), OfferContact) == OfferContact("c2", "a1", 24.0)


def test_consecutive_unanswered_offers_set_the_agent_not_ready() -> None:
    d = Driver(hotline(agent("a1"), max_no_answers=2))
    d.login("a1")
    d.arrive("c1")

    first = d.at(20.0)
    assert d.engine.agent_presence("a1").value == "ready"
    assert one(first, OfferContact) == OfferContact("c1", "a1", 40.0)

    second = d.at(40.0)

    assert of_type(second, CancelOffer) == [CancelOffer("c1", "a1", "timeout")]
    assert AgentStateChanged("a1", "alpha", AgentStatus.NOT_READY, "no_answer") in second
    assert d.engine.agent_status("a1") is AgentStatus.NOT_READY
    assert not of_type(second, OfferContact)
    assert d.state("c1") is ContactState.QUEUED
    assert d.engine.position("c1") == 1

    # Ready again, the agent starts a fresh count.
    assert one(d.do(AgentReady("a1"), at=50.0), OfferContact) == OfferContact("c1", "a1", 70.0)
    d.at(70.0)
    assert d.engine.agent_status("a1") is AgentStatus.RESERVED


def test_an_answered_offer_breaks_the_run_of_unanswered_ones() -> None:
    # lapse, accept, lapse: never two in a row.
    d = Driver(hotline(agent("a1"), max_no_answers=2))
    d.login("a1")
    d.arrive("c1")
    d.at(20.0)  # first lapse; c1 offered again
    d.accept("c1")
    d.do(ContactEnded("c1"), at=30.0)
    d.arrive("c2", at=30.0)
    d.at(50.0)  # c2 lapses
    assert d.engine.agent_status("a1") is AgentStatus.RESERVED  # offered c2 again

    # lapse, decline, lapse: a decline is an answer too. (c2 rings again at 65, after the
    # 10 s pause that follows a decline, and lapses at 85 and at 105.)
    d.do(OfferDeclined("c2", "a1"), at=55.0)
    d.at(85.0)
    assert d.engine.agent_status("a1") is AgentStatus.RESERVED
    d.at(105.0)
    assert d.engine.agent_status("a1") is AgentStatus.NOT_READY


def test_an_offer_to_a_caller_who_hangs_up_is_cancelled_and_the_agent_takes_the_next() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")
    d.arrive("c1")
    d.arrive("c2", at=1.0)

    effects = d.do(ContactAbandoned("c1"), at=2.0)

    assert effects[0] == CancelOffer("c1", "a1", "abandoned")
    assert states_of(effects, "c1") == [ContactState.ABANDONED]
    assert one(effects, OfferContact) == OfferContact("c2", "a1", 22.0)
    assert d.engine.provider_shares() == {"alpha": (1.0, 1)}  # only c2 counts


def test_wrap_up_ends_after_the_configured_time_or_when_the_agent_says() -> None:
    d = Driver(hotline(agent("a1"), wrap_up=30.0, announce_interval=None))
    d.login("a1")
    d.arrive("c1")
    d.accept("c1")
    d.arrive("c2", at=10.0)

    ended = d.do(ContactEnded("c1"), at=65.0)

    assert states_of(ended, "c1") == [ContactState.WRAP_UP]
    assert d.engine.agent_status("a1") is AgentStatus.WRAP_UP
    assert d.engine.next_deadline() == 95.0
    assert d.at(94.9) == []

    timer = d.at(95.0)

    assert states_of(timer, "c1") == [ContactState.COMPLETED]
    assert one(timer, OfferContact) == OfferContact("c2", "a1", 115.0)

    # The agent may finish earlier; the timer then does nothing.
    d.accept("c2")
    d.do(ContactEnded("c2"), at=200.0)
    done = d.do(WrapUpDone("c2"), at=210.0)
    assert states_of(done, "c2") == [ContactState.COMPLETED]
    assert d.engine.agent_status("a1") is AgentStatus.READY
    assert d.engine.next_deadline() is None
    assert d.at(300.0) == []


def test_without_a_wrap_up_time_only_the_agent_ends_the_wrap_up() -> None:
    d = Driver(hotline(agent("a1"), wrap_up=None, announce_interval=None))
    d.login("a1")
    d.arrive("c1")
    d.accept("c1")
    d.do(ContactEnded("c1"), at=10.0)

    assert d.engine.next_deadline() is None
    assert d.at(10_000.0) == []
    assert d.state("c1") is ContactState.WRAP_UP
    assert states_of(d.do(WrapUpDone("c1")), "c1") == [ContactState.COMPLETED]


def test_with_zero_wrap_up_the_agent_is_free_when_the_contact_ends() -> None:
    d = Driver(hotline(agent("a1"), wrap_up=0.0))
    d.login("a1")
    d.arrive("c1")
    d.accept("c1")
    d.arrive("c2", at=1.0)

    effects = d.do(ContactEnded("c1"), at=5.0)

    assert states_of(effects, "c1") == [ContactState.WRAP_UP, ContactState.COMPLETED]
    assert one(effects, OfferContact) == OfferContact("c2", "a1", 25.0)
    assert d.engine.counters.completed == 1


def test_an_agent_on_a_break_still_finishes_the_contacts_it_holds() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")
    d.arrive("c1")
    d.accept("c1")
    d.arrive("c2", at=1.0)

    assert AgentStateChanged("a1", "alpha", AgentStatus.BUSY, "lunch") in d.do(
        AgentNotReady("a1", "lunch")
    )
    effects = d.do(ContactEnded("c1"), at=5.0)

    assert not of_type(effects, OfferContact)
    assert AgentStateChanged("a1", "alpha", AgentStatus.NOT_READY, "lunch") in effects
    assert d.engine.waiting(VOICE) == ["c2"]


def test_after_declining_an_agent_is_offered_nothing_for_the_pause() -> None:
    d = Driver(hotline(agent("a1"), decline_pause=10.0, offer_timeout=20.0))
    d.login("a1")
    d.arrive("c1", at=1.0)

    effects = d.do(OfferDeclined("c1", "a1"), at=2.0)

    # Not the same contact straight back (the only agent, it would ring again at once).
    assert not of_type(effects, OfferContact)
    assert d.engine.agent_status("a1") is AgentStatus.READY
    assert d.engine.agent_pause_ends("a1") == 12.0  # (what the desk shows: ready, but pausing)
    assert d.engine.waiting(VOICE) == ["c1"]
    assert not of_type(d.arrive("c2", at=5.0), OfferContact)
    assert not d.engine.agent_can_take("a1", VOICE, 100.0)
    assert d.engine.next_deadline() == 12.0

    effects = d.at(12.0)

    assert one(effects, OfferContact) == OfferContact("c1", "a1", 32.0)  # first in order
    assert d.engine.agent_pause_ends("a1") is None


def test_a_declined_contact_rings_at_once_at_another_available_agent() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), decline_pause=10.0))
    d.login("a1")
    d.arrive("c1", at=1.0)
    d.login("a2")

    effects = d.do(OfferDeclined("c1", "a1"), at=2.0)

    assert one(effects, OfferContact) == OfferContact("c1", "a2", 22.0)


def test_going_not_ready_and_ready_again_ends_the_pause() -> None:
    d = Driver(hotline(agent("a1"), decline_pause=60.0))
    d.login("a1")
    d.arrive("c1", at=1.0)
    d.do(OfferDeclined("c1", "a1"), at=2.0)
    d.do(AgentNotReady("a1"), at=3.0)

    assert d.engine.agent_pause_ends("a1") is None  # not ready: the pause is cut

    effects = d.do(AgentReady("a1"), at=4.0)

    assert one(effects, OfferContact) == OfferContact("c1", "a1", 24.0)
    d.accept("c1")
    assert d.at(62.0) == []  # the pause's timer no longer stands: nothing happens at its end
