"""A hotline and a seeded busy day of commands, driven the way the live service drives an engine.

:func:`busy_day` yields batches of ``(time, command)`` already handled by the live engine (refused
ones included, as a journal may hold them), together with each command's effects; the tests
journal, snapshot and record them as the service would.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from verbund.engine import (
    AgentConfigured,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    AgentSpec,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    Channel,
    Command,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    ContactState,
    Effect,
    Engine,
    HotlineConfig,
    OfferAccepted,
    OfferDeclined,
    ProviderConfigured,
    ProviderMode,
    ProviderSpec,
    ProviderStatusReported,
    RoutingRules,
    RulesChanged,
    TimeAdvanced,
    TopicConfigured,
    TopicSpec,
    WrapUpDone,
)
from verbund.errors import EngineError


def hotline_config(name: str = "h") -> HotlineConfig:
    termin = {("termin", "de"): 1, ("termin", "en"): 1}
    return HotlineConfig(
        name,
        topics=(TopicSpec("termin", ("de", "en")), TopicSpec("impfung", ("de",))),
        providers=(
            ProviderSpec("alpha"),
            ProviderSpec("beta", share=2.0),
            ProviderSpec(
                "remote",
                ProviderMode.CONNECTED,
                share=0.5,
                label="sip:remote@example.org",
                serves=frozenset({("termin", "de")}),
            ),
        ),
        agents=(
            AgentSpec("a1", "alpha", termin, {Channel.VOICE: 1, Channel.CHAT: 2}),
            AgentSpec("a2", "alpha", {("termin", "de"): 2, ("impfung", "de"): 1}),
            AgentSpec("b1", "beta", {**termin, ("impfung", "de"): 2}),
            AgentSpec("b2", "beta", termin, {Channel.CHAT: 3, Channel.SOCIAL: 2}),
        ),
        rules=RoutingRules(
            wrap_up=15.0,
            callback_offer_ewt=120.0,
            max_queue_length=12,
            announce_interval=45.0,
            level_waits=(0.0, 20.0),
            callback_retry_delay=60.0,
        ),
    )


@dataclass
class Step:
    at: float
    command: Command
    effects: list[Effect]


@dataclass
class Generator:
    rng: random.Random
    arrivals: int = 0
    configured: list[Command] = field(default_factory=list)

    def command(self, engine: Engine) -> Command:
        """Mostly what could happen next, sometimes something the engine refuses."""
        rng = self.rng
        live = engine.live_contacts()
        by_state: dict[ContactState | None, list[str]] = {}
        for name in live:
            by_state.setdefault(engine.contact_state(name), []).append(name)
        agent = rng.choice(["a1", "a2", "b1", "b2", "b3"])
        contact = rng.choice(live) if live and rng.random() < 0.8 else f"gone{rng.randrange(9)}"
        holder = engine.contact_agent(contact) or agent
        roll = rng.random()
        offered = by_state.get(ContactState.OFFERED, []) + by_state.get(
            ContactState.CALLBACK_OFFERED, []
        )
        if roll < 0.27:
            self.arrivals += 1  # every attempt its own id, as the live service gives them
            return ContactArrived(
                f"c{self.arrivals}",
                rng.choice(["", *(f"+4930{n}" for n in range(40))]),
                rng.choice(["termin", "impfung"]),
                "de" if rng.random() < 0.85 else "en",
                channel=rng.choice([Channel.VOICE] * 6 + [Channel.CHAT, Channel.SOCIAL]),
                priority=rng.choice([0, 0, 0, 1]),
                callback=rng.random() < 0.08,
            )
        if roll < 0.42 and offered:
            name = rng.choice(offered)
            answer = OfferAccepted if rng.random() < 0.75 else OfferDeclined
            return answer(name, engine.contact_agent(name) or agent)
        if roll < 0.52 and (talking := by_state.get(ContactState.CONNECTED)):
            return ContactEnded(rng.choice(talking))
        if roll < 0.56 and (wrapping := by_state.get(ContactState.WRAP_UP)):
            return WrapUpDone(rng.choice(wrapping))
        if roll < 0.6 and (dialling := by_state.get(ContactState.CALLBACK_DIALING)):
            name = rng.choice(dialling)
            return CallbackAnswered(name) if rng.random() < 0.6 else CallbackNotAnswered(name)
        if roll < 0.7:
            return rng.choice(
                [AgentLoggedIn, AgentReady, AgentReady, AgentReady, AgentLoggedOut, AgentNotReady]
            )(agent)
        if roll < 0.76:
            return rng.choice(
                [
                    AgentConfigured(AgentSpec("b3", "beta", {("termin", "de"): 2})),
                    AgentConfigured(
                        AgentSpec("a1", "alpha", {("termin", "de"): 1}, {Channel.CHAT: 3})
                    ),
                    ProviderConfigured(ProviderSpec("alpha", share=rng.choice([0.5, 1.0, 3.0]))),
                    ProviderStatusReported("remote", rng.randrange(3), rng.randrange(5), 120.0, 3),
                    ProviderStatusReported("remote", 1, 0, 90.0, 2),
                    TopicConfigured(TopicSpec("impfung", ("de", "tr"))),
                    RulesChanged(RoutingRules(wrap_up=rng.choice([0.0, 10.0]), max_ewt=900.0)),
                    AgentNotReady(agent, reason="training"),
                    TimeAdvanced(),
                ]
            )
        return rng.choice(
            [
                ContactAbandoned(contact),
                ContactAbandoned(contact),
                CallbackRequested(contact),
                OfferAccepted(contact, holder),
                OfferDeclined(contact, holder),
                ContactEnded(contact),
                WrapUpDone(contact),
            ]
        )


def busy_day(engine: Engine, seed: int, steps: int, *, start: float = 0.0) -> Iterator[list[Step]]:
    """Drive ``engine`` for ``steps`` commands, yielding them in batches of 1 to 40 (a group
    commit each); it comes back at the engine's next deadline, as the live service does."""
    rng = random.Random(seed)
    generator = Generator(rng)
    now = start
    batch: list[Step] = []
    size = rng.randint(1, 40)
    for _ in range(steps):
        deadline = engine.next_deadline()
        now += rng.choice([0.0, 0.5, 2.0, 7.0, 30.0])
        command: Command
        if deadline is not None and deadline <= now and rng.random() < 0.5:
            now, command = deadline, TimeAdvanced()
        else:
            command = generator.command(engine)
        try:
            effects = engine.handle(command, now)
        except EngineError as refused:
            effects = list(refused.effects)  # type: ignore[arg-type]
        batch.append(Step(now, command, effects))
        if len(batch) >= size:
            yield batch
            batch, size = [], rng.randint(1, 40)
    if batch:
        yield batch
