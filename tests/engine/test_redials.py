"""Redials: attempts are not callers. A caller who hung up and calls again soon reclaims their
place; a caller who is still waiting gets no duplicate."""

from __future__ import annotations

import pytest

from conftest import VOICE, Driver, agent, hotline, of_type, one, states_of
from verbund.engine import (
    AlreadyWaiting,
    AnnounceWait,
    CallbackNotAnswered,
    CallbackRequested,
    ContactAbandoned,
    ContactEnded,
    ContactState,
    OfferContact,
    RejectContact,
)

A, B, C = "+4930111", "+4930222", "+4930333"


def _three_waiting(**rules: object) -> Driver:
    d = Driver(hotline(agent("a1"), redial_window=600.0, announce_interval=None, **rules))
    d.busy("a1")
    d.arrive("c1", A, at=0.0)
    d.arrive("c2", B, at=1.0)
    d.arrive("c3", C, at=2.0)
    d.do(ContactAbandoned("c1"), at=10.0)
    return d


def test_redial_within_the_window_reclaims_the_abandoned_place() -> None:
    d = _three_waiting()

    effects = d.arrive("r1", A, at=20.0)

    assert of_type(effects, AnnounceWait) == [AnnounceWait("r1", 1, 300.0)]
    assert d.engine.waiting(VOICE) == ["r1", "c2", "c3"]
    assert d.engine.counters.reclaimed == 1


def test_redial_at_the_end_of_the_window_still_reclaims() -> None:
    d = _three_waiting()

    d.arrive("r1", A, at=610.0)

    assert d.engine.position("r1") == 1


def test_redial_after_the_window_queues_at_the_back() -> None:
    d = _three_waiting()

    effects = d.arrive("r1", A, at=610.5)

    assert of_type(effects, AnnounceWait) == [AnnounceWait("r1", 3, 900.0)]
    assert d.engine.waiting(VOICE) == ["c2", "c3", "r1"]
    assert d.engine.counters.reclaimed == 0


def test_a_reclaimed_place_is_used_up_once_the_caller_is_served() -> None:
    d = _three_waiting()
    d.arrive("r1", A, at=20.0)
    d.do(ContactAbandoned("r1"), at=30.0)
    d.arrive("r2", A, at=40.0)  # abandoned again: reclaims the same first place again
    assert d.engine.position("r2") == 1

    d.do(ContactEnded("a1-busy"), at=50.0)
    d.accept("r2")
    d.do(ContactEnded("r2"), at=60.0)  # served; a1 takes c2 now
    d.arrive("r3", A, at=70.0)

    assert d.engine.waiting(VOICE) == ["c3", "r3"]
    assert d.engine.counters.reclaimed == 2


def test_an_offered_caller_who_hangs_up_also_reclaims_the_place() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), announce_interval=None))
    d.busy("a2")
    d.login("a1")
    d.arrive("c1", A, at=0.0)  # offered to a1
    d.do(ContactAbandoned("c1"), at=5.0)
    d.arrive("x", B, at=6.0)  # goes to a1
    d.arrive("y", C, at=7.0)  # waits

    d.arrive("r1", A, at=8.0)

    assert d.engine.waiting(VOICE) == ["r1", "y"]


def test_a_redial_keeps_the_higher_priority() -> None:
    d = _three_waiting()
    d.arrive("x", "+4930444", priority=1, at=15.0)

    d.arrive("r1", A, priority=2, at=20.0)
    d.arrive("r2", "+4930555", at=21.0)

    assert d.engine.waiting(VOICE) == ["r1", "x", "c2", "c3", "r2"]


def test_a_redial_that_reclaims_its_place_is_not_refused() -> None:
    d = _three_waiting(max_queue_length=3)
    d.arrive("x", "+4930444", at=15.0)  # c2, c3 and x fill the queue
    assert one(d.arrive("y", "+4930555", at=16.0), RejectContact).reason == "queue_full"

    effects = d.arrive("r1", A, at=20.0)

    assert states_of(effects, "r1") == [ContactState.QUEUED]
    assert d.engine.waiting(VOICE) == ["r1", "c2", "c3", "x"]


def test_an_unknown_caller_is_never_taken_for_a_redial_or_a_duplicate() -> None:
    d = Driver(hotline(agent("a1"), announce_interval=None))
    d.busy("a1")
    d.arrive("u1", "", at=0.0)
    d.arrive("u2", "", at=1.0)
    d.do(ContactAbandoned("u1"), at=2.0)

    d.arrive("u3", "", at=3.0)

    assert d.engine.waiting(VOICE) == ["u2", "u3"]
    assert d.engine.counters.duplicates == 0
    assert d.engine.counters.reclaimed == 0


def _waiting_in(state: ContactState, d: Driver) -> None:
    d.arrive("c1", A)
    if state is ContactState.CALLBACK_WAITING:
        d.do(CallbackRequested("c1"))


@pytest.mark.parametrize(
    ("state", "position"),
    [
        (ContactState.QUEUED, 2),
        (ContactState.CALLBACK_WAITING, 2),
        (ContactState.OFFERED, None),
        (ContactState.CALLBACK_OFFERED, None),
        (ContactState.CALLBACK_DIALING, None),
    ],
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_a_caller_already_waiting_gets_no_duplicate(
    state: ContactState, position: int | None
) -> None:
    d = Driver(hotline(agent("a1"), agent("a2")))
    if state in (ContactState.QUEUED, ContactState.CALLBACK_WAITING):
        d.busy("a1")
        d.arrive("c0", B)
        _waiting_in(state, d)
    elif state is ContactState.OFFERED:
        d.login("a1")
        d.arrive("c1", A)
    else:
        d.login("a1")
        d.arrive("c1", A, callback=True)
        if state is ContactState.CALLBACK_DIALING:
            d.accept("c1")
    assert d.state("c1") is state
    live = d.engine.live_contacts()

    effects = d.arrive("r1", A)

    assert effects == [AlreadyWaiting("r1", "c1", state, position)]
    assert d.engine.live_contacts() == live
    assert d.engine.counters.duplicates == 1


def test_a_callback_waiting_for_its_next_dial_blocks_duplicates_too() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")
    d.arrive("c1", A, callback=True)
    d.accept("c1")
    d.do(CallbackNotAnswered("c1"))

    assert d.arrive("r1", A) == [AlreadyWaiting("r1", "c1", ContactState.CALLBACK_WAITING, None)]


def test_a_caller_being_served_may_call_again() -> None:
    d = Driver(hotline(agent("a1"), agent("a2")))
    d.login("a1", "a2")
    d.arrive("c1", A)
    d.accept("c1")

    assert one(d.arrive("c2", A), OfferContact) == OfferContact("c2", "a2", 20.0)


def test_attempts_and_unique_callers_are_counted_apart() -> None:
    d = Driver(hotline(agent("a1"), max_queue_length=3, announce_interval=None))
    d.arrive("c1", A)  # attempt 1, caller A
    d.arrive("c1-again", A)  # attempt 2: A is waiting, a duplicate
    d.do(ContactAbandoned("c1"))
    d.arrive("c1-redial", A)  # attempt 3: reclaims A's place
    d.arrive("c2", B)  # attempt 4, caller B
    d.arrive("u1", "")  # attempt 5: unknown callers each count once
    d.arrive("u2", "")  # attempt 6: refused, the queue is full
    d.arrive("c2-again", B)  # attempt 7: duplicate

    counters = d.engine.counters
    assert (counters.attempts, counters.unique_callers) == (7, 4)
    assert (counters.duplicates, counters.reclaimed, counters.rejected) == (2, 1, 1)
    assert counters.abandoned == 1
    assert d.engine.waiting(VOICE) == ["c1-redial", "c2", "u1"]
