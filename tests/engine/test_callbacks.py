"""Callbacks: offered when the wait is long, keeping the caller's place, dialled only once an
agent is reserved, retried up to a limit."""

from __future__ import annotations

from conftest import VOICE, Driver, agent, hotline, of_type, one, states_of
from verbund.engine import (
    AgentNotReady,
    AgentStatus,
    AnnounceWait,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    ContactAbandoned,
    ContactEnded,
    ContactState,
    DialCallback,
    OfferCallback,
    OfferContact,
)


def test_callback_is_offered_above_the_ewt_threshold() -> None:
    d = Driver(hotline(agent("a1"), default_aht=300.0, callback_offer_ewt=600.0))
    d.busy("a1")

    offers = [of_type(d.arrive(c), OfferCallback) for c in ("c1", "c2", "c3")]

    # 300 s and 600 s are not above the threshold; 900 s is.
    assert offers == [[], [], [OfferCallback("c3", 900.0)]]


def test_callback_is_offered_once_per_contact() -> None:
    d = Driver(hotline(agent("a1"), callback_offer_ewt=0.0, announce_interval=60.0))
    d.busy("a1")
    assert len(of_type(d.arrive("c1"), OfferCallback)) == 1

    later = d.at(600.0)

    assert len(of_type(later, AnnounceWait)) == 10
    assert of_type(later, OfferCallback) == []


def test_callback_is_offered_on_a_later_announcement_when_the_wait_grew() -> None:
    d = Driver(
        hotline(
            agent("a1"),
            agent("a2"),
            default_aht=300.0,
            callback_offer_ewt=400.0,
            announce_interval=60.0,
        )
    )
    d.busy("a1", "a2")
    assert of_type(d.arrive("c1"), OfferCallback) == []  # 300 s
    d.arrive("x1", priority=1, at=10.0)
    d.arrive("x2", priority=1, at=20.0)  # c1 is third now: 450 s

    assert of_type(d.at(60.0), OfferCallback) == [OfferCallback("c1", 450.0)]


def test_without_a_threshold_no_callback_is_offered() -> None:
    d = Driver(hotline(agent("a1")))
    assert of_type(d.arrive("c1"), OfferCallback) == []  # nobody serves: wait unknown
    assert of_type(d.at(3600.0), OfferCallback) == []


def test_callback_keeps_its_place_in_the_queue() -> None:
    d = Driver(hotline(agent("a1"), announce_interval=60.0))
    d.busy("a1")
    for t, contact in enumerate(("c1", "c2", "c3"), start=1):
        d.arrive(contact, at=float(t))

    effects = d.do(CallbackRequested("c2"), at=10.0)

    assert states_of(effects, "c2") == [ContactState.CALLBACK_WAITING]
    assert d.engine.waiting(VOICE) == ["c1", "c2", "c3"]
    assert [d.engine.position(c) for c in ("c1", "c2", "c3")] == [1, 2, 3]
    # The caller has hung up: no more announcements for c2.
    assert [a.contact for a in of_type(d.at(65.0), AnnounceWait)] == ["c1", "c3"]

    served = []
    d.do(ContactEnded("a1-busy"), at=70.0)
    for _ in range(3):
        (contact,) = d.engine.agent_contacts("a1")
        served.append(contact)
        d.accept(contact)
        if contact == "c2":
            d.do(CallbackAnswered("c2"))
        d.do(ContactEnded(contact))
    assert served == ["c1", "c2", "c3"]
    assert d.engine.counters.callbacks == 1


def test_callback_reserves_an_agent_before_dialling() -> None:
    d = Driver(hotline(agent("a1"), offer_timeout=20.0))
    d.busy("a1")
    d.arrive("c1", at=1.0)
    d.do(CallbackRequested("c1"), at=2.0)

    reserved = d.do(ContactEnded("a1-busy"), at=100.0)

    assert one(reserved, OfferContact) == OfferContact("c1", "a1", 120.0, callback=True)
    assert of_type(reserved, DialCallback) == []
    assert d.state("c1") is ContactState.CALLBACK_OFFERED
    assert d.engine.agent_status("a1") is AgentStatus.RESERVED

    dialling = d.accept("c1")

    assert of_type(dialling, DialCallback) == [DialCallback("c1", "a1", 1)]
    assert d.state("c1") is ContactState.CALLBACK_DIALING
    assert d.engine.agent_status("a1") is AgentStatus.BUSY

    assert states_of(d.do(CallbackAnswered("c1")), "c1") == [ContactState.CONNECTED]


def test_a_callback_request_can_arrive_on_its_own() -> None:
    d = Driver(hotline(agent("a1"), announce_interval=60.0))
    d.busy("a1")
    d.arrive("c1")

    effects = d.arrive("web1", callback=True, at=5.0)

    assert states_of(effects, "web1") == [ContactState.CALLBACK_WAITING]
    assert of_type(effects, AnnounceWait) == []
    assert d.engine.waiting(VOICE) == ["c1", "web1"]
    assert d.engine.counters.callbacks == 1
    # If an agent is free, it is reserved at once.
    d2 = Driver(hotline(agent("a1")))
    d2.login("a1")
    assert one(d2.arrive("web1", callback=True), OfferContact).callback


def test_unanswered_callback_is_retried_until_the_limit() -> None:
    d = Driver(
        hotline(
            agent("a1"),
            callback_max_attempts=3,
            callback_retry_delay=300.0,
            announce_interval=None,
        )
    )
    d.login("a1")
    d.arrive("c1", callback=True)
    dials = []
    for attempt in (1, 2, 3):
        dials += of_type(d.accept("c1"), DialCallback)
        effects = d.do(CallbackNotAnswered("c1"), at=d.now + 10.0)
        if attempt < 3:
            assert states_of(effects, "c1") == [ContactState.CALLBACK_WAITING]
            assert d.engine.agent_status("a1") is AgentStatus.READY  # free while waiting
            assert d.engine.position("c1") is None
            assert d.engine.next_deadline() == d.now + 300.0
            assert one(d.wait(300.0), OfferContact) == OfferContact(
                "c1", "a1", d.now + 20.0, callback=True
            )

    assert dials == [DialCallback("c1", "a1", n) for n in (1, 2, 3)]
    assert states_of(effects, "c1") == [ContactState.CALLBACK_FAILED]
    assert d.state("c1") is None
    assert d.engine.counters.callback_failed == 1
    assert d.engine.next_deadline() is None


def test_a_callback_due_again_goes_back_to_its_original_place() -> None:
    d = Driver(hotline(agent("a1"), callback_retry_delay=300.0, announce_interval=None))
    d.login("a1")
    d.arrive("c1", callback=True, at=0.0)
    d.accept("c1")
    d.do(CallbackNotAnswered("c1"), at=10.0)
    d.do(AgentNotReady("a1"), at=11.0)
    d.arrive("c2", at=20.0)
    d.arrive("c3", at=30.0)

    d.at(310.0)

    assert d.engine.waiting(VOICE) == ["c1", "c2", "c3"]
    assert d.state("c1") is ContactState.CALLBACK_WAITING


def test_a_callback_due_again_still_lets_lower_levels_join_after_their_wait() -> None:
    d = Driver(
        hotline(
            agent("a1", level=1),
            agent("a2", level=2),
            level_waits=(0.0, 600.0),
            callback_retry_delay=300.0,
            announce_interval=None,
        )
    )
    d.login("a1")
    d.arrive("c1", callback=True, at=0.0)
    d.accept("c1")
    d.do(CallbackNotAnswered("c1"), at=10.0)
    d.do(AgentNotReady("a1"), at=11.0)
    d.login("a2")  # level 2: may take c1 once it has waited 600 s since it first arrived

    assert not of_type(d.at(310.0), OfferContact)  # due again, but only 310 s waited

    assert one(d.at(600.0), OfferContact) == OfferContact("c1", "a2", 620.0, callback=True)


def test_a_waiting_callback_can_be_cancelled() -> None:
    d = Driver(hotline(agent("a1")))
    d.arrive("c1", callback=True)

    effects = d.do(ContactAbandoned("c1"))

    assert states_of(effects, "c1") == [ContactState.ABANDONED]
    assert d.engine.waiting(VOICE) == []
    assert d.engine.counters.abandoned == 1
