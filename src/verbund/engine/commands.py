"""Commands: what happens outside the engine and is reported to it. Each may be refused.

Every command is a frozen dataclass; the engine's only input is ``handle(command, now)``. Each
has an ``__init__`` of its own (see :mod:`verbund.engine.records`): compiled by mypyc, commands
are native classes, made in a few dozen nanoseconds, and their text, number and yes/no fields
refuse a value of another type when made (``TypeError``), interpreted as well. What else is
wrong with a command (an unknown topic or channel, a negative count, a bad agent spec…) the
engine refuses when it handles it, saying what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mypy_extensions import mypyc_attr

from verbund.engine.config import AgentSpec, Channel, ProviderSpec, RoutingRules, TopicSpec
from verbund.engine.records import quick_init_all, remade


@mypyc_attr(allow_interpreted_subclasses=True)  # (tests make commands of their own)
@dataclass(frozen=True, init=False)
class Command:
    """Base of every command."""

    def __reduce__(self) -> tuple[Any, ...]:
        return remade(self)


# --- contacts ------------------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class ContactArrived(Command):
    """A call, chat or social message arrives (or, with ``callback``, a callback request).

    ``caller`` identifies the person across attempts (E.164 number, chat session, social id);
    an empty string means unknown and is never matched as a redial.
    Higher ``priority`` is served first.
    """

    contact: str
    caller: str
    topic: str
    language: str
    channel: Channel = Channel.VOICE
    priority: int = 0
    callback: bool = False

    def __init__(
        self,
        contact: str,
        caller: str,
        topic: str,
        language: str,
        channel: Channel = Channel.VOICE,
        priority: int = 0,
        callback: bool = False,
    ) -> None:
        self.contact = contact  # type: ignore[misc]
        self.caller = caller  # type: ignore[misc]
        self.topic = topic  # type: ignore[misc]
        self.language = language  # type: ignore[misc]
        self.channel = channel  # type: ignore[misc]
        self.priority = priority  # type: ignore[misc]
        self.callback = callback  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class ContactAbandoned(Command):
    """The caller hung up, left the chat, or cancelled their callback."""

    contact: str

    def __init__(self, contact: str) -> None:
        self.contact = contact  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class CallbackRequested(Command):
    """A waiting caller accepts a callback: they hang up and keep their place."""

    contact: str

    def __init__(self, contact: str) -> None:
        self.contact = contact  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class CallbackAnswered(Command):
    """The caller answered the callback dialled for them."""

    contact: str

    def __init__(self, contact: str) -> None:
        self.contact = contact  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class CallbackNotAnswered(Command):
    """The callback dialled for the caller was not answered (busy, no answer, voicemail)."""

    contact: str

    def __init__(self, contact: str) -> None:
        self.contact = contact  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class OfferAccepted(Command):
    contact: str
    agent: str

    def __init__(self, contact: str, agent: str) -> None:
        self.contact = contact  # type: ignore[misc]
        self.agent = agent  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class OfferDeclined(Command):
    contact: str
    agent: str

    def __init__(self, contact: str, agent: str) -> None:
        self.contact = contact  # type: ignore[misc]
        self.agent = agent  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class ContactEnded(Command):
    """The conversation is over; the agent goes into wrap-up for this contact."""

    contact: str

    def __init__(self, contact: str) -> None:
        self.contact = contact  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class WrapUpDone(Command):
    contact: str

    def __init__(self, contact: str) -> None:
        self.contact = contact  # type: ignore[misc]


# --- agents --------------------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class AgentLoggedIn(Command):
    agent: str

    def __init__(self, agent: str) -> None:
        self.agent = agent  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AgentLoggedOut(Command):
    agent: str

    def __init__(self, agent: str) -> None:
        self.agent = agent  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AgentReady(Command):
    agent: str

    def __init__(self, agent: str) -> None:
        self.agent = agent  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AgentNotReady(Command):
    agent: str
    reason: str = "break"

    def __init__(self, agent: str, reason: str = "break") -> None:
        self.agent = agent  # type: ignore[misc]
        self.reason = reason  # type: ignore[misc]


# --- connected providers -------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class ProviderStatusReported(Command):
    """A connected provider's ACD reports its live status (every few seconds)."""

    provider: str
    ready_agents: int
    waiting: int
    handle_time: float
    serving_agents: int

    def __init__(
        self,
        provider: str,
        ready_agents: int,
        waiting: int,
        handle_time: float,
        serving_agents: int,
    ) -> None:
        self.provider = provider  # type: ignore[misc]
        self.ready_agents = ready_agents  # type: ignore[misc]
        self.waiting = waiting  # type: ignore[misc]
        self.handle_time = handle_time  # type: ignore[misc]
        self.serving_agents = serving_agents  # type: ignore[misc]


# --- configuration at run time -------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class ConfigurationChanged(Command):
    """Base of the commands that change configuration while the engine runs."""

    def __init__(self) -> None:
        pass


@dataclass(frozen=True, init=False)
class TopicConfigured(ConfigurationChanged):
    """Adds a topic, or adds languages to it."""

    topic: TopicSpec

    def __init__(self, topic: TopicSpec) -> None:
        self.topic = topic  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class ProviderConfigured(ConfigurationChanged):
    """Adds a provider or changes its share, label or served topics."""

    provider: ProviderSpec

    def __init__(self, provider: ProviderSpec) -> None:
        self.provider = provider  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AgentConfigured(ConfigurationChanged):
    """Adds an agent or changes its skills and capacity, also while it is logged in."""

    agent: AgentSpec

    def __init__(self, agent: AgentSpec) -> None:
        self.agent = agent  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AgentRemoved(ConfigurationChanged):
    agent: str

    def __init__(self, agent: str) -> None:
        self.agent = agent  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class RulesChanged(ConfigurationChanged):
    rules: RoutingRules

    def __init__(self, rules: RoutingRules) -> None:
        self.rules = rules  # type: ignore[misc]


# --- time ----------------------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class TimeAdvanced(Command):
    """Nothing happened but time: timers that fell due fire."""

    def __init__(self) -> None:
        pass


# Every command is made often (several per contact): each gets the quicker __init__.
quick_init_all(globals(), Command)
