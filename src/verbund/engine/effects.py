"""Effects: what the engine decided. Drivers carry them out (ring a desktop, play an
announcement, send a SIP redirect…) and publish the notices.
"""

from __future__ import annotations

from dataclasses import dataclass

from verbund.engine.records import quick_init_all
from verbund.engine.states import AgentStatus, ContactState


@dataclass(frozen=True, slots=True)
class Effect:
    """Base of every effect."""


@dataclass(frozen=True, slots=True)
class OfferContact(Effect):
    """Ring the agent's desktop; the offer lapses at ``expires_at``. With ``answered`` (the
    hotline's auto-answer rule) nothing rings: the contact is connected (a callback: dialled) in
    the same step, and ``expires_at`` is the moment of the offer."""

    contact: str
    agent: str
    expires_at: float
    callback: bool = False
    answered: bool = False


@dataclass(frozen=True, slots=True)
class CancelOffer(Effect):
    """Stop ringing: the offer lapsed or the caller is gone."""

    contact: str
    agent: str
    reason: str  # "timeout" | "abandoned"


@dataclass(frozen=True, slots=True)
class RouteContact(Effect):
    """Hand the call to a connected provider's ACD at ``label`` (SIP URI or number)."""

    contact: str
    provider: str
    label: str


@dataclass(frozen=True, slots=True)
class AnnounceWait(Effect):
    """Tell the caller their place (1 = next) and expected wait in seconds (None: unknown)."""

    contact: str
    position: int
    ewt: float | None


@dataclass(frozen=True, slots=True)
class OfferCallback(Effect):
    """Offer the caller a callback instead of waiting."""

    contact: str
    ewt: float | None


@dataclass(frozen=True, slots=True)
class RejectContact(Effect):
    """Admission control refused the attempt: say why, when to retry, and whether a callback
    may be requested instead."""

    contact: str
    reason: str  # "max_ewt" | "queue_full" | "no_agents"
    retry_after: float
    callback_available: bool


@dataclass(frozen=True, slots=True)
class AlreadyWaiting(Effect):
    """A redial by a caller who is already waiting or holds a callback: no duplicate is made."""

    attempt: str
    contact: str
    state: ContactState
    position: int | None


@dataclass(frozen=True, slots=True)
class DialCallback(Effect):
    """Dial the caller back; ``agent`` is reserved and will talk to them."""

    contact: str
    agent: str
    attempt: int


@dataclass(frozen=True, slots=True)
class ContactStateChanged(Effect):
    """Notice: the contact entered ``state`` (with ``agent`` or ``provider`` where one is held)."""

    contact: str
    state: ContactState
    agent: str | None = None
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class AgentStateChanged(Effect):
    """Notice: the agent's status changed (``reason`` for not ready)."""

    agent: str
    provider: str
    status: AgentStatus
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class QueueChanged(Effect):
    """Notice: the queue's expected wait for a new arrival moved across a step."""

    queue: str
    waiting: int
    ewt: float | None


# Every effect is made often (several per contact): each gets the quicker __init__.
quick_init_all(globals(), Effect)
