"""Effects: what the engine decided. Drivers carry them out (ring a desktop, play an
announcement, send a SIP redirect…) and publish the notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verbund.engine.records import quick_init_all, remade
from verbund.engine.states import AgentStatus, ContactState


@dataclass(frozen=True, init=False)
class Effect:
    """Base of every effect."""

    def __reduce__(self) -> tuple[Any, ...]:
        return remade(self)


@dataclass(frozen=True, init=False)
class OfferContact(Effect):
    """Ring the agent's desktop; the offer lapses at ``expires_at``. With ``answered`` (the
    hotline's auto-answer rule) nothing rings: the contact is connected (a callback: dialled) in
    the same step, and ``expires_at`` is the moment of the offer."""

    contact: str
    agent: str
    expires_at: float
    callback: bool = False
    answered: bool = False

    def __init__(
        self,
        contact: str,
        agent: str,
        expires_at: float,
        callback: bool = False,
        answered: bool = False,
    ) -> None:
        self.contact = contact  # type: ignore[misc]
        self.agent = agent  # type: ignore[misc]
        self.expires_at = expires_at  # type: ignore[misc]
        self.callback = callback  # type: ignore[misc]
        self.answered = answered  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class CancelOffer(Effect):
    """Stop ringing: the offer lapsed or the caller is gone."""

    contact: str
    agent: str
    reason: str  # "timeout" | "abandoned"

    def __init__(self, contact: str, agent: str, reason: str) -> None:
        self.contact = contact  # type: ignore[misc]
        self.agent = agent  # type: ignore[misc]
        self.reason = reason  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class RouteContact(Effect):
    """Hand the call to a connected provider's ACD at ``label`` (SIP URI or number)."""

    contact: str
    provider: str
    label: str

    def __init__(self, contact: str, provider: str, label: str) -> None:
        self.contact = contact  # type: ignore[misc]
        self.provider = provider  # type: ignore[misc]
        self.label = label  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AnnounceWait(Effect):
    """Tell the caller their place (1 = next) and expected wait in seconds (None: unknown)."""

    contact: str
    position: int
    ewt: float | None

    def __init__(self, contact: str, position: int, ewt: float | None) -> None:
        self.contact = contact  # type: ignore[misc]
        self.position = position  # type: ignore[misc]
        self.ewt = ewt  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class OfferCallback(Effect):
    """Offer the caller a callback instead of waiting."""

    contact: str
    ewt: float | None

    def __init__(self, contact: str, ewt: float | None) -> None:
        self.contact = contact  # type: ignore[misc]
        self.ewt = ewt  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class RejectContact(Effect):
    """Admission control refused the attempt: say why, when to retry, and whether a callback
    may be requested instead."""

    contact: str
    reason: str  # "max_ewt" | "queue_full" | "no_agents"
    retry_after: float
    callback_available: bool

    def __init__(
        self,
        contact: str,
        reason: str,
        retry_after: float,
        callback_available: bool,
    ) -> None:
        self.contact = contact  # type: ignore[misc]
        self.reason = reason  # type: ignore[misc]
        self.retry_after = retry_after  # type: ignore[misc]
        self.callback_available = callback_available  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AlreadyWaiting(Effect):
    """A redial by a caller who is already waiting or holds a callback: no duplicate is made."""

    attempt: str
    contact: str
    state: ContactState
    position: int | None

    def __init__(
        self,
        attempt: str,
        contact: str,
        state: ContactState,
        position: int | None,
    ) -> None:
        self.attempt = attempt  # type: ignore[misc]
        self.contact = contact  # type: ignore[misc]
        self.state = state  # type: ignore[misc]
        self.position = position  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class DialCallback(Effect):
    """Dial the caller back; ``agent`` is reserved and will talk to them."""

    contact: str
    agent: str
    attempt: int

    def __init__(self, contact: str, agent: str, attempt: int) -> None:
        self.contact = contact  # type: ignore[misc]
        self.agent = agent  # type: ignore[misc]
        self.attempt = attempt  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class ContactStateChanged(Effect):
    """Notice: the contact entered ``state`` (with ``agent`` or ``provider`` where one is held)."""

    contact: str
    state: ContactState
    agent: str | None = None
    provider: str | None = None

    def __init__(
        self,
        contact: str,
        state: ContactState,
        agent: str | None = None,
        provider: str | None = None,
    ) -> None:
        self.contact = contact  # type: ignore[misc]
        self.state = state  # type: ignore[misc]
        self.agent = agent  # type: ignore[misc]
        self.provider = provider  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AgentStateChanged(Effect):
    """Notice: the agent's status changed (``reason`` for not ready)."""

    agent: str
    provider: str
    status: AgentStatus
    reason: str | None = None

    def __init__(
        self,
        agent: str,
        provider: str,
        status: AgentStatus,
        reason: str | None = None,
    ) -> None:
        self.agent = agent  # type: ignore[misc]
        self.provider = provider  # type: ignore[misc]
        self.status = status  # type: ignore[misc]
        self.reason = reason  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class QueueChanged(Effect):
    """Notice: the queue's expected wait for a new arrival moved across a step."""

    queue: str
    waiting: int
    ewt: float | None

    def __init__(self, queue: str, waiting: int, ewt: float | None) -> None:
        self.queue = queue  # type: ignore[misc]
        self.waiting = waiting  # type: ignore[misc]
        self.ewt = ewt  # type: ignore[misc]


# Every effect is made often (several per contact): each gets the quicker __init__.
quick_init_all(globals(), Effect)
