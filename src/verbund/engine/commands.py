"""Commands: what happens outside the engine and is reported to it. Each may be refused.

Every command is a frozen dataclass; the engine's only input is ``handle(command, now)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from verbund.engine.config import AgentSpec, Channel, ProviderSpec, RoutingRules, TopicSpec
from verbund.engine.records import quick_init_all


@dataclass(frozen=True, slots=True)
class Command:
    """Base of every command."""


# --- contacts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ContactAbandoned(Command):
    """The caller hung up, left the chat, or cancelled their callback."""

    contact: str


@dataclass(frozen=True, slots=True)
class CallbackRequested(Command):
    """A waiting caller accepts a callback: they hang up and keep their place."""

    contact: str


@dataclass(frozen=True, slots=True)
class CallbackAnswered(Command):
    """The caller answered the callback dialled for them."""

    contact: str


@dataclass(frozen=True, slots=True)
class CallbackNotAnswered(Command):
    """The callback dialled for the caller was not answered (busy, no answer, voicemail)."""

    contact: str


@dataclass(frozen=True, slots=True)
class OfferAccepted(Command):
    contact: str
    agent: str


@dataclass(frozen=True, slots=True)
class OfferDeclined(Command):
    contact: str
    agent: str


@dataclass(frozen=True, slots=True)
class ContactEnded(Command):
    """The conversation is over; the agent goes into wrap-up for this contact."""

    contact: str


@dataclass(frozen=True, slots=True)
class WrapUpDone(Command):
    contact: str


# --- agents --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentLoggedIn(Command):
    agent: str


@dataclass(frozen=True, slots=True)
class AgentLoggedOut(Command):
    agent: str


@dataclass(frozen=True, slots=True)
class AgentReady(Command):
    agent: str


@dataclass(frozen=True, slots=True)
class AgentNotReady(Command):
    agent: str
    reason: str = "break"


# --- connected providers -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderStatusReported(Command):
    """A connected provider's ACD reports its live status (every few seconds)."""

    provider: str
    ready_agents: int
    waiting: int
    handle_time: float
    serving_agents: int


# --- configuration at run time -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigurationChanged(Command):
    """Base of the commands that change configuration while the engine runs."""


@dataclass(frozen=True, slots=True)
class TopicConfigured(ConfigurationChanged):
    """Adds a topic, or adds languages to it."""

    topic: TopicSpec


@dataclass(frozen=True, slots=True)
class ProviderConfigured(ConfigurationChanged):
    """Adds a provider or changes its share, label or served topics."""

    provider: ProviderSpec


@dataclass(frozen=True, slots=True)
class AgentConfigured(ConfigurationChanged):
    """Adds an agent or changes its skills and capacity, also while it is logged in."""

    agent: AgentSpec


@dataclass(frozen=True, slots=True)
class AgentRemoved(ConfigurationChanged):
    agent: str


@dataclass(frozen=True, slots=True)
class RulesChanged(ConfigurationChanged):
    rules: RoutingRules


# --- time ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeAdvanced(Command):
    """Nothing happened but time: timers that fell due fire."""


# Every command is made often (several per contact): each gets the quicker __init__.
quick_init_all(globals(), Command)
