"""Builders and a driver shared by the engine tests.

* :func:`hotline` builds a small configuration: topics ``termin`` (``de``, ``en``) and ``impfung``
  (``de``), pooled provider ``alpha``, the agents given (see :func:`agent`) and any
  :class:`RoutingRules` field as a keyword (``hotline(agent("a1"), max_ewt=600)``).
* :class:`Driver` runs one engine in virtual time, the way the simulator does: it keeps the clock,
  the command log (refused commands included) and every effect, has shortcuts for the usual steps
  (``arrive``, ``login``, ``accept``, ``busy``, ``at``, ``wait``, ``change_rules``) and checks with
  ``refuse`` that a refused command changed nothing.
* :func:`of_type`, :func:`one` and :func:`states_of` pick effects out of a list.

Test modules import these by name (``from conftest import Driver, hotline``); keep the names stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from verbund.engine import (
    AgentLoggedIn,
    AgentReady,
    AgentSpec,
    Channel,
    Command,
    ContactArrived,
    ContactState,
    ContactStateChanged,
    Effect,
    Engine,
    HotlineConfig,
    OfferAccepted,
    ProviderSpec,
    QueueKey,
    RoutingRules,
    RulesChanged,
    TimeAdvanced,
    TopicSpec,
)
from verbund.errors import CommandRefused, EngineError

TOPIC = "termin"
LANGUAGE = "de"
VOICE = QueueKey(TOPIC, LANGUAGE, Channel.VOICE)
CHAT = QueueKey(TOPIC, LANGUAGE, Channel.CHAT)
TOPICS = (TopicSpec(TOPIC, ("de", "en")), TopicSpec("impfung", ("de",)))

E = TypeVar("E", bound=Effect)


def agent(
    name: str,
    provider: str = "alpha",
    *,
    level: int = 1,
    skills: Mapping[tuple[str, str], int] | None = None,
    voice: int = 1,
    chat: int = 0,
    social: int = 0,
) -> AgentSpec:
    """An agent of ``provider`` with ``termin:de`` at ``level`` (or the ``skills`` given)."""
    capacity = {Channel.VOICE: voice, Channel.CHAT: chat, Channel.SOCIAL: social}
    return AgentSpec(
        name,
        provider,
        dict(skills) if skills is not None else {(TOPIC, LANGUAGE): level},
        {channel: n for channel, n in capacity.items() if n},
    )


def hotline(
    *agents: AgentSpec,
    providers: Iterable[ProviderSpec | str] = ("alpha",),
    topics: tuple[TopicSpec, ...] = TOPICS,
    **rules: Any,
) -> HotlineConfig:
    """A hotline with ``agents``; providers given by name are pooled with share 1."""
    return HotlineConfig(
        "116117",
        topics=topics,
        providers=tuple(p if isinstance(p, ProviderSpec) else ProviderSpec(p) for p in providers),
        agents=agents,
        rules=RoutingRules(**rules),
    )


class Driver:
    """One engine driven in virtual time. ``log`` holds every command sent (refused ones too) and
    ``effects`` every effect decided, so ``replay(driver.config, driver.log)`` can be compared."""

    def __init__(self, config: HotlineConfig, *, now: float = 0.0) -> None:
        self.config = config
        self.engine = Engine(config, now=now)
        self.now = now
        self.log: list[tuple[float, Command]] = []
        self.effects: list[Effect] = []

    def do(self, command: Command, *, at: float | None = None) -> list[Effect]:
        """Handle ``command`` at ``at`` (default: the driver's current time); a refusal is
        raised after its effects are recorded."""
        now = self.now if at is None else at
        self.log.append((now, command))
        try:
            out = self.engine.handle(command, now)
        except EngineError as refused:  # timers that fell due still fired: keep their effects
            self.now = self.engine.now
            self.effects.extend(refused.effects)  # type: ignore[arg-type]
            raise
        self.now = now
        self.effects.extend(out)
        return out

    def at(self, now: float) -> list[Effect]:
        """Let time pass until ``now``: the timers that fall due fire."""
        return self.do(TimeAdvanced(), at=now)

    def wait(self, seconds: float) -> list[Effect]:
        return self.at(self.now + seconds)

    def arrive(
        self, contact: str, caller: str | None = None, *, at: float | None = None, **kwargs: Any
    ) -> list[Effect]:
        """``contact`` arrives in ``termin:de`` by voice unless told otherwise; the caller is
        ``+49-<contact>`` unless given."""
        kwargs.setdefault("topic", TOPIC)
        kwargs.setdefault("language", LANGUAGE)
        caller = f"+49-{contact}" if caller is None else caller
        return self.do(ContactArrived(contact, caller, **kwargs), at=at)

    def login(self, *agents: str, ready: bool = True) -> list[Effect]:
        """Log the agents in (and make them ready), one after the other at the current time."""
        out: list[Effect] = []
        for name in agents:
            out += self.do(AgentLoggedIn(name))
            if ready:
                out += self.do(AgentReady(name))
        return out

    def accept(self, contact: str) -> list[Effect]:
        """The agent the contact is offered to accepts it."""
        holder = self.engine.contact_agent(contact)
        assert holder is not None, f"{contact} is offered to nobody"
        return self.do(OfferAccepted(contact, holder))

    def busy(self, *agents: str) -> list[Effect]:
        """Log each agent in and give it a call of its own (``<agent>-busy``), accepted, so that
        it serves the queue but is not available. Each must be the only idle agent when it
        logs in."""
        out: list[Effect] = []
        for name in agents:
            out += self.login(name)
            out += self.arrive(f"{name}-busy")
            assert self.engine.contact_agent(f"{name}-busy") == name
            out += self.accept(f"{name}-busy")
        return out

    def change_rules(self, **changes: Any) -> list[Effect]:
        return self.do(RulesChanged(replace(self.engine.rules, **changes)))

    def refuse(self, command: Command, *, error: type[EngineError] = CommandRefused) -> EngineError:
        """Send, at the current time, a command that must be refused with ``error``; check that
        it changed nothing and return the error. (At a later time, timers falling due would
        rightly change the engine: see ``EngineError.effects``.)"""
        before = self.engine.snapshot()
        self.log.append((self.now, command))
        with pytest.raises(error) as refused:
            self.engine.handle(command, self.now)
        assert refused.value.effects == ()
        assert self.engine.snapshot() == before
        return refused.value

    def state(self, contact: str) -> ContactState | None:
        return self.engine.contact_state(contact)


def of_type(effects: Iterable[Effect], kind: type[E]) -> list[E]:
    """The effects of one kind, in order."""
    return [effect for effect in effects if isinstance(effect, kind)]


def one(effects: Iterable[Effect], kind: type[E]) -> E:
    """The only effect of ``kind``; fails if there is none or more than one."""
    found = of_type(effects, kind)
    assert len(found) == 1, f"expected one {kind.__name__}, got {found}"
    return found[0]


def states_of(effects: Iterable[Effect], contact: str) -> list[ContactState]:
    """The states ``contact`` entered, in order, according to the notices."""
    return [e.state for e in of_type(effects, ContactStateChanged) if e.contact == contact]
