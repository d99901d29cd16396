"""Determinism and time: the same command log gives the same effects and the same state; time is
an argument that never goes back; a refused command changes nothing, but timers still fire."""

from __future__ import annotations

import contextlib
import math
import random

import pytest

from conftest import Driver, agent, hotline, of_type
from verbund.engine import (
    AgentConfigured,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    AgentStateChanged,
    AgentStatus,
    AnnounceWait,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    CancelOffer,
    Channel,
    Command,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    ContactState,
    ContactStateChanged,
    Effect,
    Engine,
    HotlineConfig,
    OfferAccepted,
    OfferContact,
    OfferDeclined,
    ProviderConfigured,
    ProviderMode,
    ProviderSpec,
    ProviderStatusReported,
    TimeAdvanced,
    WrapUpDone,
    replay,
)
from verbund.errors import CommandRefused, EngineError


def _config() -> HotlineConfig:
    return hotline(
        agent("a1", "alpha", chat=2),
        agent("a2", "alpha", level=2),
        agent(
            "b1", "beta", skills={("termin", "de"): 1, ("termin", "en"): 1, ("impfung", "de"): 2}
        ),
        agent("b2", "beta", voice=0, chat=3),
        providers=(
            "alpha",
            ProviderSpec("beta", share=2.0),
            ProviderSpec(
                "remote",
                ProviderMode.CONNECTED,
                share=0.5,
                label="sip:remote",
                serves=frozenset({("termin", "de")}),
            ),
        ),
        wrap_up=15.0,
        callback_offer_ewt=120.0,
        max_queue_length=12,
        announce_interval=45.0,
        level_waits=(0.0, 20.0),
        callback_retry_delay=60.0,
    )


def _random_command(rng: random.Random, engine: Engine) -> Command:
    """Mostly what could happen next, sometimes anything at all (to be refused)."""
    live = engine.live_contacts()
    by_state: dict[ContactState | None, list[str]] = {}
    for name in live:
        by_state.setdefault(engine.contact_state(name), []).append(name)
    agent_name = rng.choice(["a1", "a2", "b1", "b2", "b3"])
    contact = rng.choice(live) if live and rng.random() < 0.8 else f"c{rng.randrange(40)}"
    holder = engine.contact_agent(contact) or agent_name
    roll = rng.random()
    offered = by_state.get(ContactState.OFFERED, []) + by_state.get(
        ContactState.CALLBACK_OFFERED, []
    )
    if roll < 0.25:
        return ContactArrived(
            f"c{rng.randrange(40)}",
            rng.choice(["", *(f"+49{n}" for n in range(12))]),
            rng.choice(["termin", "impfung"]),
            "de" if rng.random() < 0.85 else "en",
            channel=Channel.CHAT if rng.random() < 0.2 else Channel.VOICE,
            priority=rng.choice([0, 0, 0, 1]),
            callback=rng.random() < 0.1,
        )
    if roll < 0.4 and offered:
        name = rng.choice(offered)
        answer = OfferAccepted if rng.random() < 0.75 else OfferDeclined
        return answer(name, engine.contact_agent(name) or agent_name)
    if roll < 0.5 and (talking := by_state.get(ContactState.CONNECTED)):
        return ContactEnded(rng.choice(talking))
    if roll < 0.55 and (dialling := by_state.get(ContactState.CALLBACK_DIALING)):
        name = rng.choice(dialling)
        return CallbackAnswered(name) if rng.random() < 0.6 else CallbackNotAnswered(name)
    if roll < 0.65:
        return rng.choice([AgentLoggedIn, AgentReady, AgentReady, AgentLoggedOut, AgentNotReady])(
            agent_name
        )
    if roll < 0.7:
        return rng.choice(
            [
                AgentConfigured(agent("b3", "beta", level=2)),
                ProviderConfigured(ProviderSpec("alpha", share=rng.choice([0.5, 1.0, 3.0]))),
                ProviderStatusReported("remote", rng.randrange(3), rng.randrange(5), 120.0, 3),
                TimeAdvanced(),
            ]
        )
    return rng.choice(
        [
            ContactAbandoned(contact),
            CallbackRequested(contact),
            CallbackAnswered(contact),
            CallbackNotAnswered(contact),
            OfferAccepted(contact, holder),
            OfferDeclined(contact, holder),
            ContactEnded(contact),
            WrapUpDone(contact),
        ]
    )


def _busy_day(seed: int, steps: int = 400) -> Driver:
    """A seeded run of plausible and implausible commands, driven the way the live service does:
    it asks for the next deadline and comes back then if nothing else happens first."""
    rng = random.Random(seed)
    d = Driver(_config())
    for _ in range(steps):
        now = d.now + rng.choice([0.0, 0.5, 3.0, 10.0, 40.0])
        deadline = d.engine.next_deadline()
        if deadline is not None and deadline < now and rng.random() < 0.5:
            d.at(deadline)
        with contextlib.suppress(CommandRefused):
            d.do(_random_command(rng, d.engine), at=now)
    return d


@pytest.mark.parametrize("seed", range(5))
def test_same_command_log_gives_same_effects(seed: int) -> None:
    live = _busy_day(seed)

    again, effects = replay(live.config, live.log)
    third, effects_again = replay(live.config, live.log)

    assert effects == live.effects
    assert effects_again == effects
    assert len(of_type(effects, OfferContact)) > 20  # the run did route things
    assert again.snapshot() == third.snapshot()


@pytest.mark.parametrize("seed", range(5))
def test_replay_rebuilds_an_identical_snapshot(seed: int) -> None:
    live = _busy_day(seed)

    rebuilt, _ = replay(live.config, live.log)

    # The live engine was asked for its next deadline all along; the rebuilt one never was.
    assert rebuilt.snapshot() == live.engine.snapshot()
    assert rebuilt.next_deadline() == live.engine.next_deadline()
    assert rebuilt.counters.as_dict() == live.engine.counters.as_dict()


def test_refused_command_changes_nothing_but_timers_still_fire() -> None:
    def started() -> Driver:
        d = Driver(hotline(agent("a1"), max_no_answers=1, announce_interval=None))
        d.login("a1")
        d.arrive("c1")  # offered to a1 until 20 s
        return d

    late, waited = started(), started()

    with pytest.raises(CommandRefused) as error:
        late.do(OfferAccepted("c1", "a1"), at=25.0)  # too late: the offer lapsed at 20 s
    expected = waited.at(25.0)

    assert str(error.value) == "contact 'c1' is queued: cannot accept"
    assert CancelOffer("c1", "a1", "timeout") in expected
    assert error.value.effects == tuple(expected)
    assert late.engine.snapshot() == waited.engine.snapshot()
    assert late.engine.now == 25.0


def test_time_never_goes_back() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")
    d.arrive("c1", at=10.0)
    before = d.engine.snapshot()

    for earlier in (9.99, -1.0, math.nan):
        with pytest.raises(CommandRefused) as error:
            d.engine.handle(TimeAdvanced(), earlier)
        assert str(error.value) == (
            f"time {earlier!r} is before the engine's time 10.0: time never goes back"
        )
        assert d.engine.snapshot() == before

    assert d.at(10.0) == []  # the same moment again is fine


def test_timers_fire_each_at_its_own_due_time_in_order() -> None:
    d = Driver(hotline(agent("a1"), announce_interval=30.0, offer_timeout=20.0))
    d.login("a1")
    d.arrive("c1", at=0.0)  # offered to a1
    d.arrive("c2", at=5.0)  # waits; announced at 35, 65, 95

    effects = d.at(100.0)

    # c1's offer lapses at 20 s and is made again until 40 s, so at 35 s c2 is first in line. At
    # 40 s it lapses again and a1, with two unanswered offers in a row, goes on a break: c1 waits
    # ahead of c2 from then on, announced at 70 s and 100 s.
    timeline = [
        (type(e).__name__, getattr(e, "contact", None), getattr(e, "position", None))
        for e in effects
        if isinstance(e, OfferContact | CancelOffer | AnnounceWait)
    ]
    assert timeline == [
        ("CancelOffer", "c1", None),
        ("OfferContact", "c1", None),
        ("AnnounceWait", "c2", 1),
        ("CancelOffer", "c1", None),
        ("AnnounceWait", "c2", 2),
        ("AnnounceWait", "c1", 1),
        ("AnnounceWait", "c2", 2),
        ("AnnounceWait", "c1", 1),
    ]
    assert OfferContact("c1", "a1", 40.0) in effects
    assert AgentStateChanged("a1", "alpha", AgentStatus.NOT_READY, "no_answer") in effects
    assert d.engine.next_deadline() == 125.0


def test_next_deadline_ignores_timers_that_no_longer_matter() -> None:
    d = Driver(hotline(agent("a1"), announce_interval=None, wrap_up=None))
    d.login("a1")
    d.arrive("c1")
    assert d.engine.next_deadline() == 20.0

    d.accept("c1")

    assert d.engine.next_deadline() is None


def test_a_refused_command_in_a_log_is_refused_again_on_replay() -> None:
    d = Driver(hotline(agent("a1")))
    d.login("a1")
    d.arrive("c1")
    with pytest.raises(EngineError):
        d.do(OfferAccepted("c1", "a2"), at=30.0)  # a2 does not exist; c1's offer lapsed at 20 s

    rebuilt, effects = replay(d.config, d.log)

    assert effects == d.effects
    assert of_type(effects, CancelOffer) == [CancelOffer("c1", "a1", "timeout")]
    assert rebuilt.snapshot() == d.engine.snapshot()


@pytest.mark.parametrize("seed", range(3))
def test_without_notices_the_engine_decides_the_same(seed: int) -> None:
    """The simulator's engine leaves out the contact and agent notices it never reads: every
    other effect, every state, and every agent's status as asked for, is the same as with
    them."""
    live = _busy_day(seed)
    replayed = Engine(live.config)
    quiet = Engine(live.config, notices=False)
    notices = (ContactStateChanged, AgentStateChanged)
    effects: list[Effect] = []
    seen: set[AgentStatus] = set()
    for now, command in live.log:
        for engine in (replayed, quiet):
            try:
                out = engine.handle(command, now)
            except EngineError as refused:
                out = list(refused.effects)  # type: ignore[arg-type]
            if engine is quiet:
                effects.extend(out)
        statuses = {a: replayed.agent_status(a) for a in replayed.agents()}
        assert {a: quiet.agent_status(a) for a in quiet.agents()} == statuses
        seen |= set(statuses.values())

    assert not [e for e in effects if isinstance(e, notices)]
    assert effects == [e for e in live.effects if not isinstance(e, notices)]
    assert len(effects) > 100
    assert len(seen) >= 4  # ready, reserved, busy, wrap-up… not just one
    assert quiet.snapshot() == live.engine.snapshot()
