"""Who gets served first, and by whom: contact order, agent choice and provider shares."""

from __future__ import annotations

from conftest import VOICE, Driver, agent, hotline, of_type, one
from verbund.engine import (
    AgentReady,
    AnnounceWait,
    ContactEnded,
    OfferContact,
    ProviderSpec,
)


def _offered_to(effects: list, contact: str) -> str:
    return next(e.agent for e in of_type(effects, OfferContact) if e.contact == contact)


def test_contacts_are_served_by_priority_then_first_arrival() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1", ready=False)
    announced = []
    for t, (contact, priority) in enumerate(
        [("c1", 0), ("c2", 1), ("c3", 0), ("c4", 1), ("c5", 2)], start=1
    ):
        announced += of_type(d.arrive(contact, priority=priority, at=float(t)), AnnounceWait)

    assert [(a.contact, a.position) for a in announced] == [
        ("c1", 1),
        ("c2", 1),
        ("c3", 3),
        ("c4", 2),
        ("c5", 1),
    ]
    assert d.engine.waiting(VOICE) == ["c5", "c2", "c4", "c1", "c3"]
    assert [d.engine.position(c) for c in ("c1", "c2", "c3", "c4", "c5")] == [4, 2, 5, 3, 1]

    served = []
    d.do(AgentReady("a1"))
    for _ in range(5):
        (contact,) = d.engine.agent_contacts("a1")
        served.append(contact)
        d.accept(contact)
        d.do(ContactEnded(contact))  # no wrap-up: the agent takes the next one at once
    assert served == ["c5", "c2", "c4", "c1", "c3"]


def test_longest_idle_agent_gets_the_contact() -> None:
    d = Driver(hotline(agent("a1"), agent("a2"), agent("a3")))
    d.login("a2")
    d.at(5.0)
    d.login("a3")
    d.at(10.0)
    d.login("a1")

    assert _offered_to(d.arrive("c1"), "c1") == "a2"
    d.accept("c1")
    d.do(ContactEnded("c1"), at=20.0)  # a2 is idle again, but only since now

    assert [_offered_to(d.arrive(c), c) for c in ("c2", "c3", "c4")] == ["a3", "a1", "a2"]


def test_provider_furthest_below_its_share_is_preferred() -> None:
    # alpha is contracted for a quarter of the work, beta for three quarters; alpha's agents have
    # been idle longest, yet beta gets three of the first four contacts.
    d = Driver(
        hotline(
            *(agent(f"a{i}", "alpha") for i in range(1, 5)),
            *(agent(f"b{i}", "beta") for i in range(1, 5)),
            providers=(ProviderSpec("alpha", share=1.0), ProviderSpec("beta", share=3.0)),
        )
    )
    d.login("a1", "a2", "a3", "a4")
    d.at(1.0)
    d.login("b1", "b2", "b3", "b4")

    chosen = []
    for contact in ("c1", "c2", "c3", "c4"):
        chosen.append(_offered_to(d.arrive(contact), contact))
        d.accept(contact)

    # c1: beta is 0.75 below, alpha 0.25; c2: both 0.5 below, so the longest idle (alpha's a1).
    assert chosen == ["b1", "a1", "b2", "b3"]
    assert d.engine.provider_shares() == {"alpha": (0.25, 1), "beta": (0.75, 3)}


def test_share_preference_never_leaves_a_contact_waiting_while_an_agent_is_idle() -> None:
    d = Driver(
        hotline(
            agent("a1", "alpha"),
            agent("b1", "beta"),
            providers=(ProviderSpec("alpha", share=1.0), ProviderSpec("beta", share=9.0)),
        )
    )
    d.login("b1")
    d.arrive("c1")
    d.accept("c1")  # beta's only agent is busy
    d.login("a1")

    # alpha is already far above its share (1 of 2 against 10 %), but a1 is idle: it takes c2.
    assert _offered_to(d.arrive("c2"), "c2") == "a1"
    d.accept("c2")
    assert d.engine.provider_shares() == {"alpha": (0.1, 1), "beta": (0.9, 1)}

    # Nobody is idle now: c3 waits and goes to whoever is free first, whatever the shares.
    assert not of_type(d.arrive("c3"), OfferContact)
    assert one(d.do(ContactEnded("c2")), OfferContact) == OfferContact("c3", "a1", 20.0)


def test_global_longest_idle_strategy_ignores_shares() -> None:
    config = hotline(
        agent("a1", "alpha"),
        agent("b1", "beta"),
        providers=(ProviderSpec("alpha", share=1.0), ProviderSpec("beta", share=3.0)),
        strategy="global-longest-idle",
    )
    d = Driver(config)
    d.login("a1")
    d.at(1.0)
    d.login("b1")

    assert _offered_to(d.arrive("c1"), "c1") == "a1"


def test_ties_between_providers_go_to_the_longest_idle_agent_then_the_provider_name() -> None:
    config = hotline(agent("a1", "alpha"), agent("b1", "beta"), providers=("beta", "alpha"))
    same_time = Driver(config)
    same_time.login("b1", "a1")  # both idle since 0, equal shares: alpha wins by name
    assert _offered_to(same_time.arrive("c1"), "c1") == "a1"

    beta_first = Driver(config)
    beta_first.login("b1")
    beta_first.at(1.0)
    beta_first.login("a1")
    assert _offered_to(beta_first.arrive("c1"), "c1") == "b1"
