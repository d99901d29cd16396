"""A ready-to-explore hotline: three providers, and bots that play the callers and the agents.

    config, users = demo_config()
    bots = DemoBots(service, config.name, seed=1)
    await bots.start()       # callers arrive, agents log in, accept, talk, wrap up …

The bots use the simulator's models (``verbund.sim.distributions``) for patience, handle times,
think times and breaks, and talk to the running service exactly as channels and desktops do:
every action is a command through the hotline's runner, journalled and published. Agents whose
names are in ``human_agents`` are left alone, for a person to log in and work with.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np

from verbund.engine import (
    AgentLoggedIn,
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
    ContactStateChanged,
    DialCallback,
    Effect,
    HotlineConfig,
    OfferAccepted,
    OfferCallback,
    OfferContact,
    ProviderMode,
    ProviderSpec,
    ProviderStatusReported,
    RejectContact,
    RouteContact,
    RoutingRules,
    TopicSpec,
)
from verbund.errors import VerbundError
from verbund.service.hotlines import Service
from verbund.sim.distributions import Distribution, uniform_stream

__all__ = ["DEMO_PASSWORD", "DemoBots", "DemoUser", "demo_config"]

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-passwort"


@dataclass(frozen=True, slots=True)
class DemoUser:
    name: str
    role: str
    provider: str | None
    what: str


def demo_config(name: str = "116117") -> tuple[HotlineConfig, list[DemoUser]]:
    """The demo hotline and its logins."""
    topics = (TopicSpec("termin", ("de", "en")), TopicSpec("impffragen", ("de", "tr")))
    providers = (
        ProviderSpec("Nordruf", share=0.45),
        ProviderSpec("Suedwest", share=0.35),
        ProviderSpec(
            "Callwerk",
            ProviderMode.CONNECTED,
            share=0.20,
            label="sip:116117@acd.callwerk.example",
            serves=frozenset({("termin", "de"), ("impffragen", "de")}),
        ),
    )
    agents = []
    for provider, count in (("Nordruf", 12), ("Suedwest", 10)):
        for i in range(1, count + 1):
            skills: dict[tuple[str, str], int] = {("termin", "de"): 1, ("impffragen", "de"): 1}
            if i % 4 == 0:
                skills[("termin", "en")] = 1
            if i % 5 == 0:
                skills[("impffragen", "tr")] = 1
            capacity = {Channel.VOICE: 1, Channel.CHAT: 3} if i % 3 == 0 else {Channel.VOICE: 1}
            agents.append(AgentSpec(f"{provider.lower()}-{i:02d}", provider, skills, capacity))
    agents.append(
        AgentSpec(
            "anna",
            "Nordruf",
            {("termin", "de"): 1, ("impffragen", "de"): 1, ("termin", "en"): 1},
            {Channel.VOICE: 1, Channel.CHAT: 3, Channel.SOCIAL: 5},
        )
    )
    rules = RoutingRules(
        offer_timeout=20.0,
        wrap_up=5.0,
        callback_offer_ewt=90.0,
        max_ewt=600.0,
        announce_interval=30.0,
        default_aht=60.0,
        redial_window=300.0,
    )
    users = [
        DemoUser("koordination", "coordinator", None, "Koordination des Verbunds"),
        DemoUser("nordruf-admin", "provider_admin", "Nordruf", "Admin Nordruf"),
        DemoUser("nordruf-leitung", "supervisor", "Nordruf", "Teamleitung Nordruf"),
        DemoUser("suedwest-leitung", "supervisor", "Suedwest", "Teamleitung Suedwest"),
        DemoUser("callwerk-acd", "supervisor", "Callwerk", "ACD von Callwerk (verbunden)"),
        DemoUser("anna", "agent", "Nordruf", "Agentin bei Nordruf (keine Bot-Steuerung)"),
    ]
    return HotlineConfig(name, topics, providers, tuple(agents), rules), users


DEMO_CHAT_TEXTS = (
    "Guten Tag, ich hätte gern einen Impftermin.",
    "Wo in meiner Nähe kann ich mich impfen lassen?",
    "Kann ich meinen Termin am Freitag verschieben?",
)


class DemoBots:
    """Callers, agents and a connected provider's ACD, played in real time."""

    def __init__(
        self,
        service: Service,
        hotline: str,
        *,
        seed: int = 1,
        calls_per_minute: float = 24.0,
        human_agents: tuple[str, ...] = ("anna",),
        speed: float = 1.0,
    ) -> None:
        self.service = service
        self.hotline = hotline
        self.human = set(human_agents)
        self.rate = calls_per_minute / 60.0 * speed
        self.speed = speed
        rng = np.random.default_rng(seed)
        streams = rng.spawn(8)
        self.patience = Distribution.exponential(75.0 / speed).stream(streams[0])
        self.talk = Distribution.lognormal(50.0 / speed, cv=0.6).stream(streams[1])
        self.think = Distribution.gamma(2.5 / speed, cv=0.5).stream(streams[2])
        self.gap = Distribution.exponential(1.0 / self.rate).stream(streams[3])
        self.uniform = uniform_stream(streams[4])
        self.redial_delay = Distribution.exponential(30.0 / speed).stream(streams[5])
        self.breaks = Distribution.exponential(600.0 / speed).stream(streams[6])
        self._tasks: set[asyncio.Task[Any]] = set()
        self._serial = 0
        self._callers: dict[str, str] = {}  # contact -> caller
        self._acd_busy = 0
        self._acd_agents = 8
        self.stopped = False

    # --- running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        hotline = self.service.hotline(self.hotline)
        hotline.runner.listeners.append(self._react)
        engine = hotline.runner.engine
        assert engine is not None
        for agent in engine.agents():
            if agent in self.human:
                continue
            self._spawn(self._agent_shift(agent))
        self._spawn(self._callers_arrive())
        self._spawn(self._acd_reports())

    async def stop(self) -> None:
        self.stopped = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _later(self, delay: float, command: Command) -> None:
        async def send() -> None:
            await asyncio.sleep(max(delay, 0.0))
            await self._send(command)

        self._spawn(send())

    async def _send(self, command: Command) -> None:
        if self.stopped:
            return
        try:
            await self.service.hotline(self.hotline).runner.submit(command)
        except VerbundError as exc:  # e.g. the caller hung up while the agent answered
            log.debug("demo: %s refused: %s", type(command).__name__, exc)

    # --- callers ---------------------------------------------------------------------------------

    async def _callers_arrive(self) -> None:
        queues = [
            ("termin", "de", Channel.VOICE, 0.55),
            ("impffragen", "de", Channel.VOICE, 0.25),
            ("termin", "en", Channel.VOICE, 0.06),
            ("impffragen", "tr", Channel.VOICE, 0.04),
            ("termin", "de", Channel.CHAT, 0.10),
        ]
        cumulative = np.cumsum([q[3] for q in queues])
        while not self.stopped:
            await asyncio.sleep(self.gap())
            topic, language, channel, _ = queues[
                int(np.searchsorted(cumulative, self.uniform() * cumulative[-1]))
            ]
            self._serial += 1
            caller = f"+49151{self._serial * 7919 % 10_000_000:07d}"
            self._arrive(caller, topic, language, channel, attempt=1)

    def _arrive(
        self, caller: str, topic: str, language: str, channel: Channel, attempt: int
    ) -> None:
        self._serial += 1
        contact = f"demo-{self._serial}"
        self._callers[contact] = caller
        arrival = ContactArrived(contact, caller, topic, language, channel)
        if channel is Channel.CHAT:
            self._spawn(self._chat_arrives(arrival))
        else:
            self._spawn(self._send(arrival))
        patience = self.patience()

        async def give_up() -> None:
            await asyncio.sleep(patience)
            engine = self.service.hotline(self.hotline).runner.engine
            if engine is not None and engine.contact_state(contact) is ContactState.QUEUED:
                await self._send(ContactAbandoned(contact))
                if attempt < 5 and self.uniform() < 0.4:  # a redial storm, in miniature
                    await asyncio.sleep(self.redial_delay())
                    self._arrive(caller, topic, language, channel, attempt + 1)

        self._spawn(give_up())

    async def _chat_arrives(self, arrival: ContactArrived) -> None:
        """A chat arrives with its first message, as the web chat page sends it."""
        await self._send(arrival)
        line = self.service.hotline(self.hotline)
        record = {
            "contact": arrival.contact,
            "channel": arrival.channel.value,
            "topic": arrival.topic,
            "language": arrival.language,
            "caller": arrival.caller,
        }
        text = DEMO_CHAT_TEXTS[self._serial % len(DEMO_CHAT_TEXTS)]
        try:
            await self.service.conversations.open(line, record)
            await self.service.conversations.append(
                line, arrival.contact, sender="caller", text=text
            )
        except VerbundError as exc:
            log.debug("demo: the chat of %s was not stored: %s", arrival.contact, exc)

    # --- agents ----------------------------------------------------------------------------------

    async def _agent_shift(self, agent: str) -> None:
        await asyncio.sleep(self.uniform() * 5.0)
        await self._send(AgentLoggedIn(agent))
        await self._send(AgentReady(agent))
        while not self.stopped:
            await asyncio.sleep(self.breaks())
            await self._send(AgentNotReady(agent, "pause"))
            await asyncio.sleep(30.0 / self.speed + self.uniform() * 60.0 / self.speed)
            await self._send(AgentReady(agent))

    def _react(self, now: float, command: Command, effects: list[Effect]) -> None:
        """Carry out what the engine decided for bots (called by the runner after the journal)."""
        if self.stopped:
            return
        for effect in effects:
            if (
                isinstance(effect, OfferContact)
                and not effect.answered
                and effect.agent not in self.human
            ):
                self._later(self.think(), OfferAccepted(effect.contact, effect.agent))
            elif (
                isinstance(effect, ContactStateChanged)
                and effect.state is ContactState.CONNECTED
                and effect.agent not in self.human
            ):
                self._later(self.talk(), ContactEnded(effect.contact))
            elif isinstance(effect, DialCallback):
                answered = self.uniform() < 0.85
                outcome = CallbackAnswered if answered else CallbackNotAnswered
                self._later(8.0 / self.speed, outcome(effect.contact))
                if effect.agent in self.human:
                    continue
            elif isinstance(effect, OfferCallback) and self.uniform() < 0.35:
                self._later(2.0 / self.speed, CallbackRequested(effect.contact))
            elif isinstance(effect, RejectContact):
                if effect.callback_available and self.uniform() < 0.5:
                    continue
                caller = self._callers.get(effect.contact)
                if caller is not None and self.uniform() < 0.5:
                    delay = effect.retry_after

                    async def redial(caller: str = caller, delay: float = delay) -> None:
                        await asyncio.sleep(delay / self.speed)
                        self._arrive(caller, "termin", "de", Channel.VOICE, attempt=2)

                    self._spawn(redial())
            elif isinstance(effect, RouteContact):
                self._acd_busy += 1
                self._spawn(self._acd_call())

    # --- the connected provider's ACD ------------------------------------------------------------

    async def _acd_call(self) -> None:
        await asyncio.sleep(self.talk() + 3.0)
        self._acd_busy = max(self._acd_busy - 1, 0)

    async def _acd_reports(self) -> None:
        while not self.stopped:
            ready = max(self._acd_agents - self._acd_busy, 0)
            waiting = max(self._acd_busy - self._acd_agents, 0)
            await self._send(
                ProviderStatusReported("Callwerk", ready, waiting, 55.0, self._acd_agents)
            )
            await asyncio.sleep(5.0)
