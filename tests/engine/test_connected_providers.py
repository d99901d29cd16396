"""Connected providers run their own ACD: calls are pre-routed to the one with the least expected
delay among those under their share cap, from fresh status reports only."""

from __future__ import annotations

import pytest

from conftest import CHAT, VOICE, Driver, agent, hotline, of_type, states_of
from verbund.engine import (
    CallbackRequested,
    Channel,
    ContactState,
    ContactStateChanged,
    OfferContact,
    ProviderMode,
    ProviderSpec,
    ProviderStatusReported,
    RouteContact,
)
from verbund.engine.policies import connected_delay
from verbund.errors import UnknownEntity

SERVES = frozenset({("termin", "de")})


def connected(name: str, share: float = 1.0) -> ProviderSpec:
    return ProviderSpec(name, ProviderMode.CONNECTED, share, f"sip:{name}@acd.example", SERVES)


def report(provider: str, ready: int, waiting: int, handle: float, serving: int):
    return ProviderStatusReported(provider, ready, waiting, handle, serving)


def _routes(effects: list) -> list[tuple[str, str]]:
    return [(e.contact, e.provider) for e in of_type(effects, RouteContact)]


@pytest.mark.parametrize(
    ("ready", "waiting", "handle", "serving", "delay"),
    [
        (1, 10, 300.0, 5, 0.0),  # an agent is ready
        (0, 3, 100.0, 2, 200.0),  # (3 + 1) × 100 ÷ 2
        (0, 0, 240.0, 4, 60.0),
        (0, 1, 300.0, 0, 600.0),  # nobody serving counts as one
    ],
)
def test_expected_delay_of_a_connected_provider(
    ready: int, waiting: int, handle: float, serving: int, delay: float
) -> None:
    assert connected_delay(ready, waiting, handle, serving) == delay


def test_connected_provider_gets_calls_by_least_expected_delay() -> None:
    d = Driver(hotline(providers=(connected("north"), connected("south"))))
    d.do(report("north", 0, 3, 100.0, 2))  # 200 s
    d.do(report("south", 0, 1, 300.0, 1))  # 600 s

    effects = d.arrive("c1")

    assert of_type(effects, RouteContact) == [RouteContact("c1", "north", "sip:north@acd.example")]
    assert of_type(effects, ContactStateChanged) == [
        ContactStateChanged("c1", ContactState.QUEUED),
        ContactStateChanged("c1", ContactState.ROUTED, provider="north"),
    ]
    assert d.state("c1") is None
    assert d.engine.counters.routed == 1

    d.do(report("south", 1, 0, 300.0, 1))  # a ready agent: no delay at all
    assert _routes(d.arrive("c2")) == [("c2", "south")]


def test_a_provider_without_a_label_is_reached_by_its_name() -> None:
    plain = ProviderSpec("plain", ProviderMode.CONNECTED, serves=SERVES)
    d = Driver(hotline(providers=(plain,)))
    d.do(report("plain", 1, 0, 100.0, 1))

    assert of_type(d.arrive("c1"), RouteContact) == [RouteContact("c1", "plain", "plain")]


def test_connected_provider_over_its_share_cap_is_passed_over() -> None:
    d = Driver(hotline(providers=(connected("north"), connected("south"))))
    d.do(report("north", 0, 3, 100.0, 2))  # 200 s, then 250 s after one more call
    d.do(report("south", 0, 1, 300.0, 1))  # 600 s, then 900 s after one more call

    routed = [_routes(d.arrive(c)) for c in ("c1", "c2", "c3")]

    # c2: north has had its half (1 of 2), so south takes it despite the longer delay; c3: both
    # have had their half again, and north is quicker.
    assert routed == [[("c1", "north")], [("c2", "south")], [("c3", "north")]]
    assert d.engine.provider_shares() == {"north": (0.5, 2), "south": (0.5, 1)}


def test_stale_provider_report_gets_nothing() -> None:
    d = Driver(hotline(providers=(connected("north"),), report_stale_after=30.0))
    d.do(report("north", 5, 0, 100.0, 5), at=0.0)

    assert _routes(d.arrive("c1", at=30.0)) == [("c1", "north")]  # 30 s old: still fresh
    effects = d.arrive("c2", at=30.5)

    assert _routes(effects) == []
    assert states_of(effects, "c2") == [ContactState.QUEUED]
    # A fresh report brings it back: it takes the call that waited.
    assert _routes(d.do(report("north", 1, 0, 100.0, 5), at=40.0)) == [("c2", "north")]


def test_connected_provider_report_drains_waiting_calls() -> None:
    d = Driver(hotline(providers=(connected("north"),), announce_interval=None))
    d.arrive("c1", at=1.0)
    d.arrive("c2", priority=1, at=2.0)
    d.arrive("c3", at=3.0)

    effects = d.do(report("north", 2, 0, 100.0, 4), at=10.0)

    assert _routes(effects) == [("c2", "north"), ("c1", "north")]
    assert d.engine.waiting(VOICE) == ["c3"]
    # Both ready agents are taken now: the next call would wait 100 s ÷ 4 there.
    assert _routes(d.arrive("c4", at=11.0)) == [("c4", "north")]


def test_a_connected_provider_takes_a_call_only_if_it_is_quicker_than_waiting_here() -> None:
    d = Driver(
        hotline(
            agent("a1"),
            providers=(ProviderSpec("alpha", share=1.0), connected("north", share=9.0)),
            default_aht=300.0,
        )
    )
    d.busy("a1")  # here, the next caller would wait 300 s
    d.do(report("north", 0, 3, 100.0, 2))  # 200 s there
    assert _routes(d.arrive("c1")) == [("c1", "north")]

    d.do(report("north", 0, 7, 100.0, 2))  # 400 s there

    assert _routes(d.arrive("c2")) == []
    assert d.engine.waiting(VOICE) == ["c2"]


def test_an_idle_pooled_agent_beats_a_connected_provider_with_a_delay() -> None:
    d = Driver(
        hotline(agent("a1"), providers=(ProviderSpec("alpha", share=1.0), connected("north", 9.0)))
    )
    d.login("a1")
    d.do(report("north", 0, 0, 100.0, 2))  # 50 s

    effects = d.arrive("c1")

    assert _routes(effects) == []
    assert [o.agent for o in of_type(effects, OfferContact)] == ["a1"]


def test_only_voice_calls_are_pre_routed() -> None:
    d = Driver(hotline(providers=(connected("north"),)))
    d.do(report("north", 3, 0, 100.0, 3))

    assert _routes(d.arrive("ch1", channel=Channel.CHAT)) == []
    assert d.engine.waiting(CHAT) == ["ch1"]


def test_callbacks_are_not_routed_to_connected_providers() -> None:
    d = Driver(hotline(providers=(connected("north"),)))
    d.arrive("c1")
    d.do(CallbackRequested("c1"))
    d.arrive("web1", callback=True)

    assert _routes(d.do(report("north", 3, 0, 100.0, 3))) == []
    assert d.engine.waiting(VOICE) == ["c1", "web1"]


def test_callbacks_waiting_ahead_do_not_hold_back_calls_a_provider_can_take() -> None:
    d = Driver(hotline(providers=(connected("north"),), announce_interval=None))
    d.arrive("cb1", callback=True, at=1.0)
    d.arrive("c1", at=2.0)
    d.arrive("cb2", priority=1, callback=True, at=3.0)
    d.arrive("c2", at=4.0)
    d.arrive("c3", at=5.0)

    effects = d.do(report("north", 2, 0, 100.0, 4), at=10.0)

    assert _routes(effects) == [("c1", "north"), ("c2", "north")]
    assert d.engine.waiting(VOICE) == ["cb2", "cb1", "c3"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (report("alpha", 1, 0, 100.0, 1), "provider 'alpha' is pooled"),
        (report("north", -1, 0, 100.0, 1), "ready_agents -1: expected a whole number ≥ 0"),
        (report("north", 1, 0, 100.0, -2), "serving_agents -2: expected a whole number ≥ 0"),
        (report("north", 1, 0, 0.0, 1), "handle_time 0.0: expected seconds > 0"),
        (report("north", 1, 0, float("inf"), 1), "handle_time inf: expected seconds > 0"),
    ],
)
def test_a_bad_status_report_is_refused_and_changes_nothing(
    command: ProviderStatusReported, message: str
) -> None:
    d = Driver(hotline(providers=("alpha", connected("north"))))
    d.arrive("c1")

    error = d.refuse(command)

    assert message in str(error)


def test_a_report_of_a_fractional_count_is_refused_when_made() -> None:
    with pytest.raises(TypeError, match="int object expected; got float"):
        report("north", 1, 0.5, 100.0, 1)  # type: ignore[arg-type]


def test_a_report_from_an_unknown_provider_is_refused() -> None:
    d = Driver(hotline())

    error = d.refuse(report("nobody", 1, 0, 100.0, 1), error=UnknownEntity)

    assert str(error) == "provider 'nobody' is not configured"
