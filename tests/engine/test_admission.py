"""Admission control: no hopeless queues. Beyond the maximum expected wait or queue length a new
attempt is refused with a reason, a retry-after in whole minutes and a callback where offered."""

from __future__ import annotations

import pytest

from conftest import VOICE, Driver, agent, hotline, of_type, one, states_of
from verbund.engine import (
    AnnounceWait,
    ContactAbandoned,
    ContactState,
    OfferContact,
    RejectContact,
    RoutingRules,
)
from verbund.engine.policies import admission


def test_admission_refuses_beyond_max_ewt_with_reason_and_retry_after() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), default_aht=300.0, max_ewt=600.0))
    d.busy("a1", "a2")
    for contact in ("c1", "c2", "c3", "c4"):  # 150, 300, 450, 600 s: not above the maximum
        assert states_of(d.arrive(contact), contact) == [ContactState.QUEUED]

    effects = d.arrive("c5")  # 750 s expected: 150 s too long, told to retry in 3 minutes

    assert one(effects, RejectContact) == RejectContact("c5", "max_ewt", 180.0, False)
    assert states_of(effects, "c5") == [ContactState.REJECTED]
    assert of_type(effects, AnnounceWait) == []
    assert d.state("c5") is None
    assert d.engine.waiting(VOICE) == ["c1", "c2", "c3", "c4"]
    assert d.engine.counters.rejected == 1
    assert d.engine.counters.attempts == 7  # the two busy calls, c1–c4, c5


def test_a_refused_caller_is_told_whether_a_callback_can_be_had() -> None:
    d = Driver(hotline(agent("a1"), default_aht=300.0, max_ewt=300.0, callback_offer_ewt=240.0))
    d.busy("a1")
    d.arrive("c1")

    assert one(d.arrive("c2"), RejectContact) == RejectContact("c2", "max_ewt", 300.0, True)
    # The refused caller asks for a callback instead: callbacks hold no line and are admitted.
    assert states_of(d.arrive("c2-cb", "+49-c2", callback=True), "c2-cb") == [
        ContactState.CALLBACK_WAITING
    ]


def test_admission_refuses_when_the_queue_is_full() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), default_aht=300.0, max_queue_length=3))
    d.busy("a1", "a2")
    for contact in ("c1", "c2", "c3"):
        d.arrive(contact)

    # One too many; it takes 300 s ÷ 2 agents for a place to free up: retry in 3 minutes.
    assert one(d.arrive("c4"), RejectContact) == RejectContact("c4", "queue_full", 180.0, False)
    assert d.engine.waiting(VOICE) == ["c1", "c2", "c3"]

    d.do(ContactAbandoned("c1"))
    assert states_of(d.arrive("c5"), "c5") == [ContactState.QUEUED]


def test_admission_refuses_when_nobody_serves_the_queue() -> None:
    d = Driver(hotline(agent("a1"), max_ewt=600.0, min_retry_after=120.0))

    assert one(d.arrive("c1"), RejectContact) == RejectContact("c1", "no_agents", 120.0, False)


def test_admission_never_refuses_a_contact_an_idle_agent_can_take() -> None:
    d = Driver(hotline(agent("a1"), max_queue_length=0, max_ewt=0.0))
    d.login("a1")

    assert one(d.arrive("c1"), OfferContact).agent == "a1"
    assert one(d.arrive("c2"), RejectContact).reason == "queue_full"


def test_a_refused_attempt_leaves_nothing_behind() -> None:
    d = Driver(hotline(agent("a1"), max_queue_length=0))
    d.arrive("c1", "+4930111")

    # The caller is not waiting, so trying again is no duplicate and reclaims nothing.
    effects = d.arrive("c2", "+4930111")

    assert one(effects, RejectContact).reason == "queue_full"
    assert d.engine.live_contacts() == []
    assert d.engine.counters.as_dict() == {
        "abandoned": 0,
        "attempts": 2,
        "callback_failed": 0,
        "callbacks": 0,
        "completed": 0,
        "duplicates": 0,
        "reclaimed": 0,
        "rejected": 2,
        "routed": 0,
        "unique_callers": 1,
    }


@pytest.mark.parametrize(
    ("rules", "waiting", "ewt", "serving", "aht", "decision"),
    [
        (RoutingRules(), 100, 10_000.0, 1, 300.0, None),  # no limits: always admitted
        (RoutingRules(max_ewt=600.0), 3, 600.0, 2, 300.0, None),  # at the limit: admitted
        (RoutingRules(max_ewt=600.0), 3, 601.0, 2, 300.0, ("max_ewt", 60.0)),  # 1 s → 1 min
        (RoutingRules(max_ewt=600.0), 3, 661.0, 2, 300.0, ("max_ewt", 120.0)),  # 61 s → 2 min
        (RoutingRules(max_ewt=600.0, min_retry_after=0.0), 3, 601.0, 2, 300.0, ("max_ewt", 60.0)),
        (
            RoutingRules(max_ewt=600.0, min_retry_after=300.0),
            3,
            601.0,
            2,
            300.0,
            ("max_ewt", 300.0),
        ),
        (RoutingRules(max_ewt=600.0), 3, None, 0, 300.0, ("no_agents", 60.0)),
        (RoutingRules(max_queue_length=10), 9, 9_000.0, 1, 300.0, None),
        (RoutingRules(max_queue_length=10), 10, 1.0, 4, 300.0, ("queue_full", 120.0)),  # 75 s
        (RoutingRules(max_queue_length=10), 12, 1.0, 0, 100.0, ("queue_full", 300.0)),  # 3 × 100
        # A full queue is the first reason given, even when the wait is too long as well.
        (RoutingRules(max_queue_length=1, max_ewt=1.0), 1, 900.0, 1, 300.0, ("queue_full", 300.0)),
    ],
)
def test_retry_after_is_what_it_takes_to_drain_in_whole_minutes_never_below_the_minimum(
    rules: RoutingRules,
    waiting: int,
    ewt: float | None,
    serving: int,
    aht: float,
    decision: tuple[str, float] | None,
) -> None:
    assert admission(rules, waiting, ewt, serving, aht) == decision
