"""Every lifecycle rule of the engine lives in this module, as data.

A contact moves through ``CONTACT_TRANSITIONS``; an agent's presence moves through
``AGENT_TRANSITIONS``. The engine never assigns a state itself: it asks :func:`next_contact_state`
or :func:`next_agent_presence`, which refuse any pair that is not in the table with an error naming
the state and the event. The engine checks every refusal *before* it changes anything, so a refused
command leaves the engine exactly as it was.

What an agent is *doing* (reserved by an offer, busy, wrapping up) is not a separate table: it is
the state of the contacts the agent holds, so an agent with three chats is never out of step with
them. :func:`agent_status` derives the one word a wallboard shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from verbund.errors import CommandRefused


class ContactState(Enum):
    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow on the hot path

    QUEUED = "queued"  # waiting for an agent, caller on the line / in the chat
    OFFERED = "offered"  # offered to one agent, who is reserved until accept, decline or time-out
    CONNECTED = "connected"  # agent and caller are talking / chatting
    WRAP_UP = "wrap_up"  # conversation over, the agent finishes notes; still holds capacity
    COMPLETED = "completed"  # terminal: served
    ABANDONED = "abandoned"  # terminal: the caller gave up (or cancelled a callback) before service
    REJECTED = (
        "rejected"  # terminal: refused by admission control, told to retry or take a callback
    )
    ROUTED = "routed"  # terminal: pre-routed to a connected provider's own ACD
    CALLBACK_WAITING = "callback_waiting"  # caller hung up and keeps their place for a callback
    CALLBACK_OFFERED = "callback_offered"  # a callback offered to an agent, who is reserved
    CALLBACK_DIALING = (
        "callback_dialing"  # the reserved agent accepted; the caller is being dialled
    )
    CALLBACK_FAILED = (
        "callback_failed"  # terminal: the caller did not answer within the retry limit
    )


TERMINAL_CONTACT_STATES = frozenset(
    {
        ContactState.COMPLETED,
        ContactState.ABANDONED,
        ContactState.REJECTED,
        ContactState.ROUTED,
        ContactState.CALLBACK_FAILED,
    }
)

# States in which a contact waits in its queue and keeps its place: these can be dispatched.
WAITING_CONTACT_STATES = frozenset({ContactState.QUEUED, ContactState.CALLBACK_WAITING})

# States in which a contact occupies capacity of its agent.
AGENT_HELD_CONTACT_STATES = frozenset(
    {
        ContactState.OFFERED,
        ContactState.CONNECTED,
        ContactState.WRAP_UP,
        ContactState.CALLBACK_OFFERED,
        ContactState.CALLBACK_DIALING,
    }
)


class ContactEvent(Enum):
    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow on the hot path

    ARRIVE = "arrive"  # a contact arrives and is admitted to its queue
    ARRIVE_FOR_CALLBACK = "arrive_for_callback"  # a callback request arrives (e.g. a web form)
    REJECT = "reject"  # admission control refuses the arrival
    OFFER = "offer"  # the engine offers the contact to an agent
    ACCEPT = "accept"  # the agent accepts the offer
    DECLINE = "decline"  # the agent declines the offer
    EXPIRE = "expire"  # the offer timed out without an answer
    ABANDON = "abandon"  # the caller hangs up, leaves the chat or cancels the callback
    REQUEST_CALLBACK = "request_callback"  # the waiting caller accepts a callback instead
    ROUTE = "route"  # the engine pre-routes the contact to a connected provider
    END = "end"  # the conversation ends
    FINISH_WRAP_UP = "finish_wrap_up"  # the agent (or the wrap-up timer) finishes the wrap-up
    CALLBACK_ANSWERED = "callback_answered"  # the dialled caller answers
    CALLBACK_RETRY = "callback_retry"  # the dialled caller did not answer; another try later
    CALLBACK_GIVE_UP = "callback_give_up"  # the dialled caller did not answer, no tries left


# Arrival is a transition out of this pseudo-state; no contact is ever stored in it.
NEW = None

CONTACT_TRANSITIONS: dict[tuple[ContactState | None, ContactEvent], ContactState] = {
    (NEW, ContactEvent.ARRIVE): ContactState.QUEUED,
    (NEW, ContactEvent.ARRIVE_FOR_CALLBACK): ContactState.CALLBACK_WAITING,
    (NEW, ContactEvent.REJECT): ContactState.REJECTED,
    (ContactState.QUEUED, ContactEvent.OFFER): ContactState.OFFERED,
    (ContactState.QUEUED, ContactEvent.ROUTE): ContactState.ROUTED,
    (ContactState.QUEUED, ContactEvent.ABANDON): ContactState.ABANDONED,
    (ContactState.QUEUED, ContactEvent.REQUEST_CALLBACK): ContactState.CALLBACK_WAITING,
    (ContactState.OFFERED, ContactEvent.ACCEPT): ContactState.CONNECTED,
    (ContactState.OFFERED, ContactEvent.DECLINE): ContactState.QUEUED,
    (ContactState.OFFERED, ContactEvent.EXPIRE): ContactState.QUEUED,
    (ContactState.OFFERED, ContactEvent.ABANDON): ContactState.ABANDONED,
    (ContactState.CONNECTED, ContactEvent.END): ContactState.WRAP_UP,
    (ContactState.WRAP_UP, ContactEvent.FINISH_WRAP_UP): ContactState.COMPLETED,
    (ContactState.CALLBACK_WAITING, ContactEvent.OFFER): ContactState.CALLBACK_OFFERED,
    (ContactState.CALLBACK_WAITING, ContactEvent.ABANDON): ContactState.ABANDONED,
    (ContactState.CALLBACK_OFFERED, ContactEvent.ACCEPT): ContactState.CALLBACK_DIALING,
    (ContactState.CALLBACK_OFFERED, ContactEvent.DECLINE): ContactState.CALLBACK_WAITING,
    (ContactState.CALLBACK_OFFERED, ContactEvent.EXPIRE): ContactState.CALLBACK_WAITING,
    (ContactState.CALLBACK_OFFERED, ContactEvent.ABANDON): ContactState.ABANDONED,
    (ContactState.CALLBACK_DIALING, ContactEvent.CALLBACK_ANSWERED): ContactState.CONNECTED,
    (ContactState.CALLBACK_DIALING, ContactEvent.CALLBACK_RETRY): ContactState.CALLBACK_WAITING,
    (ContactState.CALLBACK_DIALING, ContactEvent.CALLBACK_GIVE_UP): ContactState.CALLBACK_FAILED,
}


class AgentPresence(Enum):
    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow on the hot path

    LOGGED_OUT = "logged_out"  # not working; receives nothing
    NOT_READY = "not_ready"  # logged in, takes no new contacts (break, training, no answer…)
    READY = "ready"  # logged in and willing to take contacts up to their capacity


class AgentEvent(Enum):
    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow on the hot path

    LOG_IN = "log_in"  # the agent logs in; they start not ready
    LOG_OUT = "log_out"  # the agent logs out; only allowed while holding no contact
    MAKE_READY = "make_ready"  # the agent is ready for contacts
    MAKE_NOT_READY = "make_not_ready"  # the agent takes a break (with a reason)
    NO_ANSWER_LIMIT = "no_answer_limit"  # the engine: too many offers in a row went unanswered


AGENT_TRANSITIONS: dict[tuple[AgentPresence, AgentEvent], AgentPresence] = {
    (AgentPresence.LOGGED_OUT, AgentEvent.LOG_IN): AgentPresence.NOT_READY,
    (AgentPresence.NOT_READY, AgentEvent.MAKE_READY): AgentPresence.READY,
    (AgentPresence.NOT_READY, AgentEvent.LOG_OUT): AgentPresence.LOGGED_OUT,
    (AgentPresence.READY, AgentEvent.MAKE_NOT_READY): AgentPresence.NOT_READY,
    (AgentPresence.READY, AgentEvent.LOG_OUT): AgentPresence.LOGGED_OUT,
    (AgentPresence.READY, AgentEvent.NO_ANSWER_LIMIT): AgentPresence.NOT_READY,
    # A break may be requested by an agent already on a break: only the reason changes.
    (AgentPresence.NOT_READY, AgentEvent.MAKE_NOT_READY): AgentPresence.NOT_READY,
    # An offer made before the break lapses during it: the reason becomes "no answer".
    (AgentPresence.NOT_READY, AgentEvent.NO_ANSWER_LIMIT): AgentPresence.NOT_READY,
}


def next_contact_state(
    contact: str, state: ContactState | None, event: ContactEvent
) -> ContactState:
    """The state after ``event``; :class:`CommandRefused` naming both if the table has no entry."""
    try:
        return CONTACT_TRANSITIONS[(state, event)]
    except KeyError:
        shown = "new" if state is None else state.value
        raise CommandRefused(
            f"contact {contact!r} is {shown}: cannot {event.value.replace('_', ' ')}"
        ) from None


def next_agent_presence(
    agent: str, presence: AgentPresence, event: AgentEvent, holding: int = 0
) -> AgentPresence:
    """The presence after ``event``; :class:`CommandRefused` naming both if it is not allowed.

    Logging out is refused while the agent still holds contacts (offered, connected or in wrap-up):
    those must be finished first, or a caller would be left with nobody.
    """
    try:
        new = AGENT_TRANSITIONS[(presence, event)]
    except KeyError:
        raise CommandRefused(
            f"agent {agent!r} is {presence.value}: cannot {event.value.replace('_', ' ')}"
        ) from None
    if event is AgentEvent.LOG_OUT and holding:
        raise CommandRefused(
            f"agent {agent!r} is {presence.value} and holds {holding} contact(s): cannot log out "
            "before ending them and finishing wrap-up"
        )
    return new


class AgentStatus(Enum):
    """What a wallboard shows for an agent, derived from presence and the contacts held."""

    __hash__ = object.__hash__

    LOGGED_OUT = "logged_out"  # not working
    NOT_READY = "not_ready"  # on a break and holding nothing
    READY = "ready"  # idle and waiting for a contact
    RESERVED = "reserved"  # an offer is out to the agent
    BUSY = "busy"  # in at least one conversation
    WRAP_UP = "wrap_up"  # only wrap-up work left


def agent_status(
    presence: AgentPresence, held_states: Iterable[ContactState | None]
) -> AgentStatus:
    """An agent's status: reserved beats busy beats wrap-up beats presence."""
    best = None
    for state in held_states:
        if state in (ContactState.OFFERED, ContactState.CALLBACK_OFFERED):
            return AgentStatus.RESERVED
        if state in (ContactState.CONNECTED, ContactState.CALLBACK_DIALING):
            best = AgentStatus.BUSY
        elif best is None and state is ContactState.WRAP_UP:
            best = AgentStatus.WRAP_UP
    if best is not None:
        return best
    return PRESENCE_STATUS[presence]


# The status of an agent who holds nothing (looking a member up by value is slow on the hot path).
PRESENCE_STATUS: dict[AgentPresence, AgentStatus] = {p: AgentStatus(p.value) for p in AgentPresence}
