"""The routing engine of one hotline.

Theory of operation
===================

The engine is a pure state machine. Its only input is ``handle(command, now)``; its only output is
the list of effects that call returns. It reads no clock, opens no socket, draws no random number:
the live service feeds it commands with wall-clock time, the simulator with virtual time, and the
same command log always produces the same effects (``replay`` rebuilds an engine from a log).

Time.  ``handle`` first fires every timer that fell due up to ``now`` (offer time-outs, wrap-up
ends, periodic announcements, callback retries, the moments a waiting contact becomes eligible for
a lower skill level), each at its own due time, then applies the command. A driver that only wants
time to pass sends ``TimeAdvanced``; ``next_deadline()`` says when the next timer falls due.
Timers are lazily cancelled: each carries the contact's *epoch*, which every state change bumps.
Most timers fall due a fixed delay after they are set (an offer's time-out, a wrap-up's end, the
next announcement, a callback retry, a skill level joining after the first arrival), so each kind
queues up in a FIFO *lane* in due-time order, and only the head of every lane sits in the heap:
setting and firing one costs O(1), not O(log n) in the number waiting.

Refusals.  A command that is illegal in the current state raises ``CommandRefused`` naming the
state and the command. Every handler checks everything first and changes state only after, so a
refused command changes nothing (the timers that fell due before it have still fired; their
effects travel on the error as ``effects``).

Lifecycles.  The contact and agent-presence tables in ``states.py`` are the only source of
transitions. What an agent is doing is the state of the contacts it holds.

Notices.  Besides decisions, the effects carry notices for read models and wallboards.
``Engine(config, notices=False)`` leaves out ``ContactStateChanged`` and ``AgentStateChanged``
(for a driver that publishes none: the simulator); everything else, decisions and states, stays
the same, and ``agent_status`` still answers.

Dispatch.  Two moments decide who gets what, and together they keep the engine work-conserving
(no contact waits while an eligible agent is available):

* a contact becomes waiting (arrival, decline, time-out, callback due again, or it has waited long
  enough for a lower skill level) → *contact side*: among the providers that have an available
  agent at the best eligible skill level, and the connected providers, the configured strategy picks
  one (default: least delay, then furthest below contracted share, then longest idle);
* an agent gets room (ready, offer lapsed, wrap-up done…) → *agent side*: the agent takes the first
  contact in order (priority, then first arrival) among the queues it is skilled for, as far as
  each contact has waited long enough for the agent's level.

Both are O(skills × priorities + providers) and independent of how many contacts wait: queues are
sorted lists per priority, available agents are ordered sets per queue × level × provider.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Final

from mypy_extensions import mypyc_attr

from verbund.engine.agents import Agent, AvailabilityIndex
from verbund.engine.commands import (
    AgentConfigured,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    AgentRemoved,
    CallbackAnswered,
    CallbackNotAnswered,
    CallbackRequested,
    Command,
    ContactAbandoned,
    ContactArrived,
    ContactEnded,
    OfferAccepted,
    OfferDeclined,
    ProviderConfigured,
    ProviderStatusReported,
    RulesChanged,
    TimeAdvanced,
    TopicConfigured,
    WrapUpDone,
)
from verbund.engine.config import (
    AgentSpec,
    Channel,
    HotlineConfig,
    ProviderMode,
    ProviderSpec,
    QueueKey,
    RoutingRules,
    Skill,
    TopicSpec,
)
from verbund.engine.effects import (
    AgentStateChanged,
    AlreadyWaiting,
    AnnounceWait,
    CancelOffer,
    ContactStateChanged,
    DialCallback,
    Effect,
    OfferCallback,
    OfferContact,
    QueueChanged,
    RejectContact,
    RouteContact,
)
from verbund.engine.policies import (
    Candidate,
    Shares,
    admission,
    connected_delay,
    expected_wait,
    provider_choice,
)
from verbund.engine.queues import ContactQueue, Place
from verbund.engine.records import field_names
from verbund.engine.states import (
    AGENT_HELD_CONTACT_STATES,
    CONTACT_TRANSITIONS,
    NEW,
    PRESENCE_STATUS,
    TERMINAL_CONTACT_STATES,
    AgentEvent,
    AgentPresence,
    AgentStatus,
    ContactEvent,
    ContactState,
    agent_status,
    next_agent_presence,
    next_contact_state,
)
from verbund.errors import CommandRefused, ConfigurationError, EngineError, UnknownEntity

# Enum members as module constants: compiled, each is a C static, while ``Enum.MEMBER``
# goes through ``EnumType.__getattr__`` on Python 3.11 (some 170 ns per use).
_ABANDON: Final = ContactEvent.ABANDON
_ACCEPT: Final = ContactEvent.ACCEPT
_ARRIVE: Final = ContactEvent.ARRIVE
_ARRIVE_FOR_CALLBACK: Final = ContactEvent.ARRIVE_FOR_CALLBACK
_CALLBACK_ANSWERED: Final = ContactEvent.CALLBACK_ANSWERED
_CALLBACK_DIALING: Final = ContactState.CALLBACK_DIALING
_CALLBACK_GIVE_UP: Final = ContactEvent.CALLBACK_GIVE_UP
_CALLBACK_OFFERED: Final = ContactState.CALLBACK_OFFERED
_CALLBACK_RETRY: Final = ContactEvent.CALLBACK_RETRY
_CALLBACK_WAITING: Final = ContactState.CALLBACK_WAITING
_CONNECTED: Final = ProviderMode.CONNECTED
_DECLINE: Final = ContactEvent.DECLINE
_END: Final = ContactEvent.END
_EXPIRE: Final = ContactEvent.EXPIRE
_FINISH_WRAP_UP: Final = ContactEvent.FINISH_WRAP_UP
_LOGGED_OUT: Final = AgentPresence.LOGGED_OUT
_LOG_IN: Final = AgentEvent.LOG_IN
_LOG_OUT: Final = AgentEvent.LOG_OUT
_MAKE_NOT_READY: Final = AgentEvent.MAKE_NOT_READY
_MAKE_READY: Final = AgentEvent.MAKE_READY
_NOT_READY: Final = AgentPresence.NOT_READY
_NO_ANSWER_LIMIT: Final = AgentEvent.NO_ANSWER_LIMIT
_OFFER: Final = ContactEvent.OFFER
_OFFERED: Final = ContactState.OFFERED
_POOLED: Final = ProviderMode.POOLED
_QUEUED: Final = ContactState.QUEUED
_REJECT: Final = ContactEvent.REJECT
_REQUEST_CALLBACK: Final = ContactEvent.REQUEST_CALLBACK
_ROUTE: Final = ContactEvent.ROUTE
_VOICE: Final = Channel.VOICE

# Timer kinds, fired in due-time order (ties: the order they were set).
_OFFER_EXPIRES = 0
_WRAP_UP_ENDS = 1
_ANNOUNCE = 2
_CALLBACK_DUE = 3
_LEVEL_JOINS = 4
_PAUSE_ENDS = 5  # an agent's pause after declining ends (the only timer that belongs to an agent)
_LEVEL_LANES = 16  # level timers queue up in lane _LEVEL_LANES + level, one lane per level

# Contacts in these states block a duplicate attempt by the same caller.
_ACTIVE_STATES = frozenset(
    {
        _QUEUED,
        _OFFERED,
        _CALLBACK_WAITING,
        _CALLBACK_OFFERED,
        _CALLBACK_DIALING,
    }
)
_OFFERED_STATES = (_OFFERED, _CALLBACK_OFFERED)

# Per transition, what _set_state needs: (the new state, whether it is terminal, whether the
# contact stops blocking a duplicate attempt, whether an agent holds it); one lookup instead of
# four. A new contact counts as blocking: ``_admit`` registers it before its first transition.
_TRANSITIONS = {
    (was, event): (
        state,
        state in TERMINAL_CONTACT_STATES,
        (was is NEW or was in _ACTIVE_STATES) and state not in _ACTIVE_STATES,
        state in AGENT_HELD_CONTACT_STATES,
    )
    for (was, event), state in CONTACT_TRANSITIONS.items()
}

# (due, sequence, kind, contact (an agent for _PAUSE_ENDS), its epoch when set, lane or -1 if in
# the heap itself)
Timer = tuple[float, int, int, str, int, int]

# The shape of an engine's state, for snapshots (pickles): bump it whenever the internal state
# changes shape, so that a snapshot of another shape refuses to load and recovery replays the
# journal instead. 2: timers in lanes; agents know their idle channels. 3: queues keep their
# places in ``Places`` (blocks with their lengths) instead of sortedcontainers' SortedList.
# 4: ``RoutingRules`` carry the service-level goal and target. 5: and ``auto_answer``.
# 6: agents pause after a decline (``Agent.epoch``); ``RoutingRules.decline_pause``.
STATE_FORMAT = 6


@mypyc_attr(serializable=True)  # picklable also when compiled (see docs/architecture.md)
class Contact:
    __slots__ = (
        "agent",
        "arrived",
        "callback_attempts",
        "callback_offered",
        "caller",
        "channel",
        "connected_at",
        "epoch",
        "in_queue",
        "name",
        "place",
        "priority",
        "queue",
        "state",
    )

    def __init__(
        self, name: str, caller: str, queue: QueueKey, priority: int, place: Place, now: float
    ) -> None:
        self.name = name
        self.caller = caller
        self.queue = queue
        self.channel = queue.channel
        self.priority = priority
        self.place = place  # (first arrival, sequence, name): its place, kept across redials
        self.state: ContactState | None = NEW
        self.agent: str | None = None
        self.epoch = 0
        self.in_queue = False
        self.arrived = now
        self.connected_at = now
        self.callback_attempts = 0
        self.callback_offered = False


@mypyc_attr(serializable=True)  # picklable also when compiled (see docs/architecture.md)
class Report:
    """A connected provider's last status report and what was routed to it since."""

    __slots__ = ("at", "handle_time", "ready", "routed_since", "serving", "waiting")

    def __init__(self, command: ProviderStatusReported, at: float) -> None:
        self.at = at
        self.ready = command.ready_agents
        self.waiting = command.waiting
        self.handle_time = command.handle_time
        self.serving = command.serving_agents
        self.routed_since = 0

    def delay(self) -> float:
        ready = self.ready - self.routed_since
        waiting = self.waiting + max(0, -ready)
        return connected_delay(ready, waiting, self.handle_time, self.serving)


@mypyc_attr(serializable=True)  # picklable also when compiled (see docs/architecture.md)
class Counters:
    """Running totals since the engine started (attempts vs. unique callers, outcomes)."""

    __slots__ = (
        "abandoned",
        "attempts",
        "callback_failed",
        "callbacks",
        "completed",
        "duplicates",
        "reclaimed",
        "rejected",
        "routed",
        "unique_callers",
    )

    def __init__(self) -> None:
        self.attempts = 0
        self.unique_callers = 0
        self.duplicates = 0  # attempts by a caller already waiting: no contact was made
        self.reclaimed = 0  # redials that took back the place of an abandoned attempt
        self.rejected = 0
        self.abandoned = 0
        self.completed = 0
        self.routed = 0
        self.callbacks = 0  # callbacks requested (offers accepted and direct requests)
        self.callback_failed = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in field_names(type(self))}


class Engine:
    """The routing engine of one hotline. See the module docstring for how it works."""

    def __init__(self, config: HotlineConfig, *, now: float = 0.0, notices: bool = True) -> None:
        self.name = config.name
        self._notices = notices
        self.now = now
        self._state_format = STATE_FORMAT
        self._rules = config.rules
        self._choose = provider_choice(config.rules.strategy)
        self._topics: dict[str, tuple[str, ...]] = {}
        self._providers: dict[str, ProviderSpec] = {}
        self._share_target: dict[str, float] = {}
        self._assigned: dict[str, int] = {}
        self._assigned_total = 0
        self._connected_by_skill: dict[Skill, list[str]] = {}
        self._reports: dict[str, Report] = {}
        self._agents: dict[str, Agent] = {}
        self._index = AvailabilityIndex()
        self._queues: dict[QueueKey, ContactQueue] = {}
        self._level_agents: dict[Skill, dict[int, int]] = {}  # agents per skill level ≥ 2
        self._contacts: dict[str, Contact] = {}
        self._timers: list[Timer] = []  # a heap: off-lane timers and the head of every lane
        self._lanes: dict[int, deque[Timer]] = {}
        self._timer_seq = 0
        self._arrival_seq = 0
        self._callers: set[str] = set()
        self._active_by_caller: dict[str, str] = {}
        self._abandoned_by_caller: dict[str, tuple[float, int, Place]] = {}
        self._abandon_log: deque[tuple[float, str]] = deque()
        self.counters = Counters()
        self._out: list[Effect] = []
        self._touched: dict[str, Agent] = {}
        for topic in config.topics:
            self._set_topic(topic)
        for provider in config.providers:
            self._set_provider(provider)
        for agent in config.agents:
            self._set_agent(agent)
        self._out = []
        self._touched.clear()

    def __getstate__(self) -> dict[str, Any]:
        # (compiled by mypyc, the engine keeps its attributes in slots: it has no __dict__)
        fields = field_names(type(self))
        return {n: getattr(self, n) for n in fields} if fields else dict(self.__dict__)

    def __reduce__(self) -> tuple[Any, ...]:
        # Unpickled as an empty engine that takes this state: an engine compiled by mypyc cannot
        # be made without running its __init__, which needs a configuration.
        return (_unpickled, (self.__getstate__(),))

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("_state_format") != STATE_FORMAT:
            raise ValueError(
                f"engine state of format {state.get('_state_format', 1)!r}, this engine reads "
                f"format {STATE_FORMAT}: replay the journal instead"
            )
        for name, value in state.items():  # (not __dict__.update: a compiled engine has none)
            setattr(self, name, value)

    # --- the contract ----------------------------------------------------------------------------

    def handle(self, command: Command, now: float) -> list[Effect]:
        """Apply ``command`` at time ``now`` (seconds) and return the effects it decided."""
        # (``now != now``: NaN; a tuple in isinstance is faster than a union on this hot path)
        if not isinstance(now, (int, float)) or now != now or now < self.now:
            raise CommandRefused(
                f"time {now!r} is before the engine's time {self.now!r}: time never goes back"
            )
        handler = _HANDLERS.get(type(command))
        if handler is None:
            raise CommandRefused(f"{type(command).__name__} is not an engine command")
        out: list[Effect] = []
        self._out = out
        timers = self._timers
        if timers and timers[0][0] <= now:
            self._fire_timers(now)
        self.now = now
        try:
            # The commands every contact brings are called directly (native calls when
            # compiled); the rest through the table.
            kind = type(command)
            if kind is ContactArrived:
                self._contact_arrived(command)  # type: ignore[arg-type]
            elif kind is ContactEnded:
                self._contact_ended(command)  # type: ignore[arg-type]
            elif kind is TimeAdvanced:
                pass
            elif kind is OfferAccepted:
                self._offer_accepted(command)  # type: ignore[arg-type]
            elif kind is ContactAbandoned:
                self._contact_abandoned(command)  # type: ignore[arg-type]
            elif kind is WrapUpDone:
                self._wrap_up_done(command)  # type: ignore[arg-type]
            else:
                handler(self, command)
        except EngineError as refused:
            self._publish_statuses()
            refused.effects = tuple(out)
            raise
        if self._touched:
            self._publish_statuses()
        return out

    def next_deadline(self) -> float | None:
        """When the next timer falls due, or None if none is set."""
        timers = self._timers
        while timers:
            due, _, kind, name, epoch, _ = timers[0]
            if self._timer_is_set(kind, name, epoch):
                return due
            self._pop_timer()
        return None

    def _timer_is_set(self, kind: int, name: str, epoch: int) -> bool:
        """Whether a timer still stands: its contact (or agent) has not moved on since."""
        owner = self._agents.get(name) if kind == _PAUSE_ENDS else self._contacts.get(name)
        return owner is not None and owner.epoch == epoch

    # --- read-only views -------------------------------------------------------------------------

    @property
    def rules(self) -> RoutingRules:
        return self._rules

    def contact_state(self, contact: str) -> ContactState | None:
        """The state of a live contact; None once it has finished (or was never seen)."""
        found = self._contacts.get(contact)
        return None if found is None else found.state

    def contact_details(self, contact: str) -> tuple[str, QueueKey, int, float, float] | None:
        """A live contact's (caller, queue, priority, first arrival, this attempt's arrival);
        None once it has finished. For read models rebuilt after a restart."""
        found = self._contacts.get(contact)
        if found is None:
            return None
        return found.caller, found.queue, found.priority, found.place[0], found.arrived

    def contact_agent(self, contact: str) -> str | None:
        found = self._contacts.get(contact)
        return None if found is None else found.agent

    def live_contacts(self) -> list[str]:
        return list(self._contacts)

    def position(self, contact: str) -> int | None:
        """1-based place of a waiting contact in its queue; None if it is not in a queue."""
        found = self._contacts.get(contact)
        if found is None or not found.in_queue:
            return None
        return self._queues[found.queue].position(found.priority, found.place)

    def agent_status(self, agent: str) -> AgentStatus:
        return _status_of(self._agent(agent), self._contacts)

    def agent_presence(self, agent: str) -> AgentPresence:
        return self._agent(agent).presence

    def agent_contacts(self, agent: str) -> list[str]:
        return list(self._agent(agent).held)

    def agents(self) -> list[str]:
        return list(self._agents)

    def agent_provider(self, agent: str) -> str:
        return self._agent(agent).provider

    def agent_pause_ends(self, agent: str) -> float | None:
        """When the agent's pause after declining an offer ends (they are offered nothing till
        then, although ready); None if they are not pausing. O(timers), for desks, not loops."""
        found = self._agent(agent)
        if not found.epoch:
            return None
        for due, _, kind, name, epoch, _ in self._pending_timers():
            if kind == _PAUSE_ENDS and name == agent and epoch == found.epoch:
                return due
        return None  # (never: a pause stands exactly while its timer does)

    def agent_capacity(self, agent: str) -> dict[Channel, int]:
        return dict(self._agent(agent).capacity)

    def agent_can_take(self, agent: str, queue: QueueKey, waited: float) -> bool:
        """Whether the agent is available for a contact of ``queue`` that has waited ``waited``."""
        found = self._agent(agent)
        level = found.skills.get((queue.topic, queue.language))
        return (
            level is not None
            and found.can_take(queue.channel)
            and self._rules.level_wait(level) <= waited
        )

    def queues(self) -> list[QueueKey]:
        return list(self._queues)

    def waiting(self, queue: QueueKey) -> list[str]:
        """Contacts waiting in ``queue`` in order (O(n): for reports and tests)."""
        found = self._queues.get(queue)
        return [] if found is None else [place[2] for _, place in found.places()]

    def queue_ewt(self, queue: QueueKey) -> float | None:
        """Expected wait of a new arrival in ``queue`` (seconds; None: nobody serves it)."""
        found = self._queues.get(queue)
        if found is None:
            return None
        return self._ewt(found, found.waiting + 1)

    def provider(self, name: str) -> ProviderSpec | None:
        """The specification of provider ``name``; None if there is no such provider."""
        return self._providers.get(name)

    def provider_shares(self) -> dict[str, tuple[float, int]]:
        """Per provider: contracted share (normalised) and contacts given to it so far."""
        return {p: (self._share_target[p], self._assigned.get(p, 0)) for p in self._providers}

    def snapshot(self) -> dict[str, object]:
        """Everything the engine holds, as plain comparable data (tests compare two of these)."""
        return {
            "now": self.now,
            "rules": self._rules,
            "topics": dict(self._topics),
            "providers": dict(self._providers),
            "assigned": (dict(self._assigned), self._assigned_total),
            "reports": {
                p: (r.at, r.ready, r.waiting, r.handle_time, r.serving, r.routed_since)
                for p, r in self._reports.items()
            },
            "agents": {
                a.name: (
                    # What was last published is left out: an engine without notices publishes
                    # nothing, and after every command it equals what the agent does now.
                    *_slot_values(a, exclude=("available", "status", "shown_reason")),
                    tuple(ch.value for ch in a.available),
                    _status_of(a, self._contacts),
                    _shown_reason(a),
                )
                for a in self._agents.values()
            },
            "queues": {
                str(q.key): (q.places(), q.waiting, q.aht, q.serving, q.last_notice)
                for q in self._queues.values()
            },
            "contacts": {c.name: tuple(_slot_values(c)) for c in self._contacts.values()},
            # Only timers that still matter: cancelled ones linger in the heap until popped, and
            # when that happens depends on who asked for ``next_deadline`` (not on the log).
            "timers": sorted(
                t[:5] for t in self._pending_timers() if self._timer_is_set(t[2], t[3], t[4])
            ),
            "sequences": (self._timer_seq, self._arrival_seq),
            "callers": sorted(self._callers),
            "active": dict(self._active_by_caller),
            "abandoned": dict(self._abandoned_by_caller),
            "abandon_log": list(self._abandon_log),
            "counters": self.counters.as_dict(),
        }

    # --- contacts --------------------------------------------------------------------------------

    def _contact_arrived(self, command: ContactArrived) -> None:
        name, caller = command.contact, command.caller
        if name in self._contacts:
            raise CommandRefused(f"contact {name!r} already exists: give each attempt its own id")
        languages = self._topics.get(command.topic)
        if languages is None:
            known = ", ".join(self._topics) or "none"
            raise UnknownEntity(f"topic {command.topic!r} is not configured (topics: {known})")
        if command.language not in languages:
            raise UnknownEntity(
                f"topic {command.topic!r} is not offered in language {command.language!r} "
                f"(languages: {', '.join(languages)})"
            )
        if not isinstance(command.channel, Channel):
            channels = ", ".join(ch.value for ch in Channel)
            raise CommandRefused(f"channel {command.channel!r}: expected one of {channels}")
        counters = self.counters
        counters.attempts += 1
        if not caller:
            counters.unique_callers += 1
        elif caller not in self._callers:
            self._callers.add(caller)
            counters.unique_callers += 1
        self._forget_old_abandons()
        existing_name = self._active_by_caller.get(caller) if caller else None
        if existing_name is not None:
            existing = self._contacts[existing_name]
            counters.duplicates += 1
            assert existing.state is not None
            self._out.append(
                AlreadyWaiting(name, existing_name, existing.state, self.position(existing_name))
            )
            return

        # (A QueueKey equals the plain tuple of its fields: the lookup needs no QueueKey made.)
        queue = self._queues.get((command.topic, command.language, command.channel))  # type: ignore[call-overload]
        if queue is None:
            queue = self._queue(QueueKey(command.topic, command.language, command.channel))
        queue_key = queue.key  # the queue's own key: one object per queue, not per contact
        reclaim = self._abandoned_by_caller.pop(caller, None) if caller else None
        if reclaim is not None:
            counters.reclaimed += 1
            priority = max(command.priority, reclaim[1])
            first_arrival, sequence, _ = reclaim[2]
            place = (first_arrival, sequence, name)
        else:
            priority = command.priority
            self._arrival_seq += 1
            place = (self.now, self._arrival_seq, name)
        contact = Contact(name, caller, queue_key, priority, place, self.now)
        if command.callback:
            counters.callbacks += 1
            self._admit(contact, queue, _ARRIVE_FOR_CALLBACK)
            self._place(contact)
            if contact.in_queue:
                self._schedule_waiting_timers(contact)
            return

        destination = self._destination(contact)
        if destination is not None:
            self._admit(contact, queue, _ARRIVE, enqueue=False)
            self._deliver(contact, destination)
            return
        # Its position is the same before and after it joins: the places ahead of it.
        position = queue.position(priority, place)
        ewt = self._ewt(queue, position)
        rules = self._rules
        if reclaim is None and (rules.max_ewt is not None or rules.max_queue_length is not None):
            refusal = admission(rules, queue.waiting, ewt, queue.serving, queue.aht)
            if refusal is not None:
                self._reject(contact, *refusal)
                return
        self._admit(contact, queue, _ARRIVE)
        self._out.append(AnnounceWait(name, position, ewt))
        self._maybe_offer_callback(contact, ewt)
        self._schedule_waiting_timers(contact)

    def _admit(
        self, contact: Contact, queue: ContactQueue, event: ContactEvent, *, enqueue: bool = True
    ) -> None:
        self._contacts[contact.name] = contact
        if contact.caller:
            self._active_by_caller[contact.caller] = contact.name
        self._set_state(contact, event)
        if enqueue:
            self._enqueue(contact, queue)

    def _reject(self, contact: Contact, reason: str, retry: float) -> None:
        self._set_state(contact, _REJECT)
        self.counters.rejected += 1
        callback_possible = self._rules.callback_offer_ewt is not None
        self._out.append(RejectContact(contact.name, reason, retry, callback_possible))

    def _contact_abandoned(self, command: ContactAbandoned) -> None:
        contact = self._contact(command.contact)
        was = contact.state
        self._check(contact, _ABANDON)
        if was in (_QUEUED, _OFFERED) and contact.caller:
            self._abandoned_by_caller[contact.caller] = (self.now, contact.priority, contact.place)
            self._abandon_log.append((self.now, contact.caller))
        agent = self._agents[contact.agent] if contact.agent is not None else None
        if contact.in_queue:
            self._dequeue(contact)
        if agent is not None:
            self._out.append(CancelOffer(contact.name, agent.name, "abandoned"))
        self._set_state(contact, _ABANDON)
        if agent is not None:
            self._release(contact, agent)
            self._undo_assignment(agent.provider)
        self.counters.abandoned += 1
        if agent is not None:
            self._serve_from_queues(agent)

    def _callback_requested(self, command: CallbackRequested) -> None:
        contact = self._contact(command.contact)
        self._check(contact, _REQUEST_CALLBACK)
        self.counters.callbacks += 1
        if contact.in_queue:
            self._queues[contact.queue].live -= 1  # it keeps its place, as a callback
        self._set_state(contact, _REQUEST_CALLBACK)
        self._schedule_waiting_timers(contact)

    def _callback_answered(self, command: CallbackAnswered) -> None:
        contact = self._contact(command.contact)
        self._check(contact, _CALLBACK_ANSWERED)
        contact.connected_at = self.now
        self._set_state(contact, _CALLBACK_ANSWERED)
        self._refresh_status(self._agents[contact.agent])  # type: ignore[index]

    def _callback_not_answered(self, command: CallbackNotAnswered) -> None:
        contact = self._contact(command.contact)
        give_up = contact.callback_attempts >= self._rules.callback_max_attempts
        event = _CALLBACK_GIVE_UP if give_up else _CALLBACK_RETRY
        self._check(contact, event)
        agent = self._agents[contact.agent]  # type: ignore[index]
        self._set_state(contact, event)
        self._release(contact, agent)
        if give_up:
            self.counters.callback_failed += 1
        else:
            self._set_timer(self.now + self._rules.callback_retry_delay, _CALLBACK_DUE, contact)
        self._serve_from_queues(agent)

    def _offer_accepted(self, command: OfferAccepted) -> None:
        contact = self._contact(command.contact)
        self._check_offer(contact, command.agent, _ACCEPT)
        agent = self._agents[command.agent]
        self._connect(contact, agent)
        self._refresh_status(agent)

    def _connect(self, contact: Contact, agent: Agent) -> None:
        """The agent answered the offer (or auto-answer did): talk, or dial the callback."""
        agent.no_answers = 0
        callback = contact.state is _CALLBACK_OFFERED
        self._set_state(contact, _ACCEPT)
        if callback:
            contact.callback_attempts += 1
            self._out.append(DialCallback(contact.name, agent.name, contact.callback_attempts))
        else:
            contact.connected_at = self.now

    def _offer_declined(self, command: OfferDeclined) -> None:
        contact = self._contact(command.contact)
        self._check_offer(contact, command.agent, _DECLINE)
        agent = self._agents[command.agent]
        agent.no_answers = 0  # a decline is an answer: only offers lapsing in a row count
        pause = self._rules.decline_pause
        if pause > 0.0:
            # Not offered anything for a while: else the contact just declined, first in
            # order, would ring again at once.
            agent.epoch = self._timer_seq + 1  # the timer's own sequence: unique, never reused
            self._set_timer(self.now + pause, _PAUSE_ENDS, agent)
        self._return_offer(contact, agent, _DECLINE)

    def _end_pause(self, agent: Agent) -> None:
        self._cut_pause(agent)
        self._refresh_availability(agent)
        self._serve_from_queues(agent)

    def _cut_pause(self, agent: Agent) -> None:
        """The pause after a decline is over (its time is up, or the agent's presence changed)."""
        agent.epoch = 0  # its timer, if any, no longer stands

    def _contact_ended(self, command: ContactEnded) -> None:
        contact = self._contact(command.contact)
        self._check(contact, _END)
        self._set_state(contact, _END)
        wrap_up = self._rules.wrap_up
        agent = self._agents[contact.agent]  # type: ignore[index]
        if wrap_up == 0.0:
            self._complete(contact, agent)
            return
        if wrap_up is not None:
            self._set_timer(self.now + wrap_up, _WRAP_UP_ENDS, contact)
        self._refresh_status(agent)

    def _wrap_up_done(self, command: WrapUpDone) -> None:
        contact = self._contact(command.contact)
        self._check(contact, _FINISH_WRAP_UP)
        self._complete(contact, self._agents[contact.agent])  # type: ignore[index]

    def _complete(self, contact: Contact, agent: Agent) -> None:
        queue = self._queues[contact.queue]
        queue.aht += self._rules.aht_smoothing * (self.now - contact.connected_at - queue.aht)
        self._set_state(contact, _FINISH_WRAP_UP)
        self._release(contact, agent)
        self.counters.completed += 1
        self._serve_from_queues(agent)

    # --- agents ----------------------------------------------------------------------------------

    def _agent_logged_in(self, command: AgentLoggedIn) -> None:
        agent = self._agent(command.agent)
        provider = self._providers[agent.provider]
        if provider.mode is not _POOLED:
            raise CommandRefused(
                f"agent {agent.name!r} belongs to connected provider {provider.name!r}, whose "
                "agents work in its own ACD: they cannot log in here"
            )
        agent.presence = self._next_presence(agent, _LOG_IN)
        agent.reason = None
        self._cut_pause(agent)
        self._count_serving(agent, +1)
        self._refresh_status(agent)

    def _agent_logged_out(self, command: AgentLoggedOut) -> None:
        agent = self._agent(command.agent)
        agent.presence = self._next_presence(agent, _LOG_OUT)
        agent.reason = None
        self._cut_pause(agent)
        self._count_serving(agent, -1)
        self._refresh_availability(agent)
        self._refresh_status(agent)

    def _agent_ready(self, command: AgentReady) -> None:
        agent = self._agent(command.agent)
        agent.presence = self._next_presence(agent, _MAKE_READY)
        agent.reason = None
        agent.no_answers = 0
        self._cut_pause(agent)
        self._refresh_availability(agent)
        self._refresh_status(agent)
        self._serve_from_queues(agent)

    def _agent_not_ready(self, command: AgentNotReady) -> None:
        agent = self._agent(command.agent)
        presence = self._next_presence(agent, _MAKE_NOT_READY)
        self._make_not_ready(agent, presence, command.reason)

    def _make_not_ready(self, agent: Agent, presence: AgentPresence, reason: str) -> None:
        agent.presence = presence
        agent.reason = reason
        self._cut_pause(agent)
        self._refresh_availability(agent)
        self._refresh_status(agent)

    def _next_presence(self, agent: Agent, event: AgentEvent) -> AgentPresence:
        return next_agent_presence(agent.name, agent.presence, event, len(agent.held))

    # --- connected providers ---------------------------------------------------------------------

    def _provider_status_reported(self, command: ProviderStatusReported) -> None:
        spec = self._providers.get(command.provider)
        if spec is None:
            raise UnknownEntity(f"provider {command.provider!r} is not configured")
        if spec.mode is not _CONNECTED:
            raise CommandRefused(
                f"provider {spec.name!r} is pooled: only connected providers report status"
            )
        # (Whole numbers and a number they are: the command refuses other types when made.)
        for field, value in (
            ("ready_agents", command.ready_agents),
            ("waiting", command.waiting),
            ("serving_agents", command.serving_agents),
        ):
            if value < 0:
                raise CommandRefused(f"{field} {value!r}: expected a whole number ≥ 0")
        handle_time = command.handle_time
        if not 0 < handle_time < math.inf:
            raise CommandRefused(f"handle_time {handle_time!r}: expected seconds > 0")
        self._reports[spec.name] = Report(command, self.now)
        self._route_waiting_calls(spec)

    def _route_waiting_calls(self, spec: ProviderSpec) -> None:
        """Calls waiting here that the connected provider can answer now go to it, in queue order.
        Callbacks are dialled from here, never routed: they are passed over and keep their place.
        """
        report = self._reports[spec.name]
        for topic, language in sorted(spec.serves):
            queue = self._queues.get(QueueKey(topic, language, _VOICE))
            free = report.ready - report.routed_since
            if queue is None or free <= 0 or not queue.live:
                continue  # (without calls on the line, scanning past the callbacks is wasted)
            calls: list[Contact] = []
            for place in queue.in_order():
                contact = self._contacts[place[2]]
                if contact.state is _QUEUED:
                    calls.append(contact)
                    if len(calls) == free:
                        break
            for contact in calls:
                self._route(contact, spec)

    def _route(self, contact: Contact, provider: ProviderSpec) -> None:
        if contact.in_queue:
            self._dequeue(contact)
        self._set_state(contact, _ROUTE, provider=provider.name)
        self._reports[provider.name].routed_since += 1
        self._assign(provider.name)
        self.counters.routed += 1
        self._out.append(RouteContact(contact.name, provider.name, provider.label or provider.name))

    # --- configuration ---------------------------------------------------------------------------

    def _set_topic(self, topic: TopicSpec) -> None:
        if not topic.name or not topic.languages:
            raise ConfigurationError(f"topic {topic.name!r}: expected a name and languages")
        languages = self._topics.get(topic.name, ())
        self._topics[topic.name] = languages + tuple(
            lang for lang in topic.languages if lang not in languages
        )

    def _set_provider(self, spec: ProviderSpec) -> None:
        if not spec.name:
            raise ConfigurationError("provider: expected a name")
        if not isinstance(spec.share, int | float) or not 0.0 <= spec.share < math.inf:
            raise ConfigurationError(f"provider {spec.name!r}: share must be ≥ 0")
        if spec.mode is _CONNECTED and not spec.serves:
            raise ConfigurationError(
                f"provider {spec.name!r} is connected: say which topics:languages it serves"
            )
        old = self._providers.get(spec.name)
        if old is not None and old.mode is not spec.mode:
            logged_in = [
                a.name
                for a in self._agents.values()
                if a.provider == spec.name and a.presence is not _LOGGED_OUT
            ]
            if logged_in:
                raise CommandRefused(
                    f"provider {spec.name!r} has agents logged in ({', '.join(logged_in[:3])}…): "
                    "log them out before changing its mode"
                )
        self._providers[spec.name] = spec
        total = sum(p.share for p in self._providers.values())
        self._share_target = {
            name: (p.share / total if total > 0 else 0.0) for name, p in self._providers.items()
        }
        self._connected_by_skill = {}
        for provider in self._providers.values():
            if provider.mode is _CONNECTED:
                for skill in sorted(provider.serves):
                    self._connected_by_skill.setdefault(skill, []).append(provider.name)
        if spec.mode is _POOLED:
            self._reports.pop(spec.name, None)

    def _set_agent(self, spec: AgentSpec) -> None:
        provider = self._providers.get(spec.provider)
        if provider is None:
            raise UnknownEntity(
                f"agent {spec.name!r}: provider {spec.provider!r} is not configured"
            )
        if provider.mode is not _POOLED:
            raise ConfigurationError(
                f"agent {spec.name!r}: provider {spec.provider!r} is connected; only pooled "
                "providers have agents in Verbund"
            )
        for skill, level in spec.skills.items():
            if not isinstance(level, int) or level < 1:
                raise ConfigurationError(
                    f"agent {spec.name!r}: skill {skill} level {level!r}, expected 1 or more"
                )
        for channel, capacity in spec.capacity.items():
            if not isinstance(capacity, int) or capacity < 0:
                raise ConfigurationError(
                    f"agent {spec.name!r}: {channel.value} capacity {capacity!r}, expected ≥ 0"
                )
        agent = self._agents.get(spec.name)
        if (
            agent is not None
            and agent.provider != spec.provider
            and (agent.presence is not _LOGGED_OUT or agent.held)
        ):
            raise CommandRefused(
                f"agent {spec.name!r} is {agent.presence.value}: log out before changing provider"
            )
        # Levels nobody had for a skill: contacts already waiting need timers for them.
        new_levels = [
            (skill, level)
            for skill, level in spec.skills.items()
            if level >= 2 and level not in self._level_agents.get(skill, {})
        ]
        if agent is None:
            agent = self._agents[spec.name] = Agent(spec)
            self._count_levels(agent, +1)
            self._schedule_level_timers_of_waiting(new_levels)
            return
        logged_in = agent.presence is not _LOGGED_OUT
        if logged_in:
            self._count_serving(agent, -1)
            if agent.available:
                self._index.discard(agent, agent.available)
                agent.available = ()
        self._count_levels(agent, -1)
        agent.configure(spec)
        self._count_levels(agent, +1)
        self._schedule_level_timers_of_waiting(new_levels)
        if logged_in:
            self._count_serving(agent, +1)
            self._refresh_availability(agent)
            self._serve_from_queues(agent)

    def _topic_configured(self, command: TopicConfigured) -> None:
        self._set_topic(command.topic)

    def _provider_configured(self, command: ProviderConfigured) -> None:
        self._set_provider(command.provider)

    def _agent_configured(self, command: AgentConfigured) -> None:
        self._set_agent(command.agent)

    def _time_advanced(self, command: TimeAdvanced) -> None:
        """Nothing to do: the timers that fell due have fired."""

    def _agent_removed(self, command: AgentRemoved) -> None:
        agent = self._agent(command.agent)
        if agent.presence is not _LOGGED_OUT:
            raise CommandRefused(f"agent {agent.name!r} is {agent.presence.value}: log out first")
        self._count_levels(agent, -1)
        del self._agents[agent.name]

    def _rules_changed(self, command: RulesChanged) -> None:
        self._choose = provider_choice(command.rules.strategy)
        old, self._rules = self._rules, command.rules
        if command.rules.level_waits != old.level_waits:
            self._schedule_level_timers_of_waiting(
                [(skill, level) for skill, levels in self._level_agents.items() for level in levels]
            )
        # Shorter level waits may make available agents eligible for contacts already waiting;
        # the agent available longest chooses first.
        available = [agent for agent in self._agents.values() if agent.available]
        for agent in sorted(available, key=lambda a: (a.available_since, a.name)):
            self._serve_from_queues(agent)
        # A report that a longer staleness limit makes current again counts from now on.
        if command.rules.report_stale_after > old.report_stale_after:
            stale_before = self.now - command.rules.report_stale_after
            for name, report in sorted(self._reports.items()):
                if report.at >= stale_before:
                    self._route_waiting_calls(self._providers[name])

    # --- dispatch --------------------------------------------------------------------------------

    def _place(self, contact: Contact) -> None:
        """Contact side: give a waiting contact to the best provider that can take it now."""
        destination = self._destination(contact)
        if destination is not None:
            self._deliver(contact, destination)

    def _destination(self, contact: Contact) -> tuple[str, str | None] | None:
        """The provider (and agent) that should take the contact now, or None to let it wait."""
        queue_key = contact.queue
        candidates: list[Candidate] = []
        connected = (
            self._connected_by_skill
            and queue_key.channel is _VOICE
            and contact.state in (NEW, _QUEUED)
        )
        levels = self._index.levels(queue_key)
        if levels:
            # The index keeps no empty entries: at its lowest level someone is available.
            level = _lowest(levels)
            if _level_wait(self._rules.level_waits, level) <= self.now - contact.place[0]:
                by_provider = levels[level]
                if len(by_provider) == 1 and not connected:  # one provider: no choice to make
                    for provider, available in by_provider.items():
                        return provider, next(iter(available))
                agents = self._agents
                candidates = [
                    Candidate(provider, 0.0, agents[name].available_since, name)
                    for provider, available in by_provider.items()
                    for name in (next(iter(available)),)
                ]
        if connected:
            candidates += self._connected_candidates(queue_key)
        if not candidates:
            return None
        if len(candidates) == 1:  # (every strategy picks among the candidates: no choice here)
            best = candidates[0]
        else:
            best = self._choose(
                candidates, Shares(self._share_target, self._assigned, self._assigned_total)
            )
        if best.agent is not None or best.delay == 0.0:
            return best.provider, best.agent
        queue = self._queues[queue_key]
        internal = self._ewt(queue, queue.position(contact.priority, contact.place))
        return (best.provider, None) if internal is None or best.delay < internal else None

    def _deliver(self, contact: Contact, destination: tuple[str, str | None]) -> None:
        provider, agent = destination
        if agent is not None:
            self._offer(contact, self._agents[agent])
        else:
            self._route(contact, self._providers[provider])

    def _connected_candidates(self, queue_key: QueueKey) -> list[Candidate]:
        names = self._connected_by_skill.get((queue_key.topic, queue_key.language))
        if not names:
            return []
        stale_before = self.now - self._rules.report_stale_after
        fresh = [
            Candidate(name, report.delay(), report.at, None)
            for name in names
            if (report := self._reports.get(name)) is not None and report.at >= stale_before
        ]
        shares = Shares(self._share_target, self._assigned, self._assigned_total)
        under_cap = [c for c in fresh if shares.under_cap(c.provider)]
        return under_cap or fresh

    def _serve_from_queues(self, agent: Agent) -> None:
        """Agent side: while the agent has room, give it the first contact in order it may take."""
        queues = self._queues
        level_waits = self._rules.level_waits
        now = self.now
        while agent.available:
            best: tuple[int, Place] | None = None
            for channel in agent.available:
                for key, level in agent.queues_by_channel[channel]:
                    queue = queues.get(key)
                    if queue is None or not queue.waiting:
                        continue
                    found = queue.best(now - _level_wait(level_waits, level))
                    if found is not None and (
                        best is None
                        or found[0] > best[0]
                        or (found[0] == best[0] and found[1] < best[1])
                    ):
                        best = found
            if best is None:
                return
            self._offer(self._contacts[best[1][2]], agent)

    def _offer(self, contact: Contact, agent: Agent) -> None:
        if contact.in_queue:
            self._dequeue(contact)
        contact.agent = agent.name
        agent.held[contact.name] = contact.channel
        agent.load[contact.channel] += 1
        self._assign(agent.provider)
        self._set_state(contact, _OFFER, agent=agent.name)
        callback = contact.state is _CALLBACK_OFFERED
        if self._rules.auto_answer:
            self._out.append(OfferContact(contact.name, agent.name, self.now, callback, True))
            self._connect(contact, agent)
        else:
            expires = self.now + self._rules.offer_timeout
            self._out.append(OfferContact(contact.name, agent.name, expires, callback))
            self._set_timer(expires, _OFFER_EXPIRES, contact)
        self._refresh_availability(agent, moved=True)
        self._refresh_status(agent)

    def _return_offer(self, contact: Contact, agent: Agent, event: ContactEvent) -> None:
        """A declined or lapsed offer: the contact goes back to its place, the agent to the back
        of the idle order (and after too many lapses in a row, to not ready)."""
        if event is _EXPIRE:
            self._out.append(CancelOffer(contact.name, agent.name, "timeout"))
            agent.no_answers += 1
            if agent.no_answers >= self._rules.max_no_answers:
                agent.presence = self._next_presence(agent, _NO_ANSWER_LIMIT)
                agent.reason = "no_answer"
        self._set_state(contact, event)
        self._release(contact, agent)
        self._undo_assignment(agent.provider)
        self._enqueue(contact, self._queues[contact.queue])
        # Another agent (one who could take nobody waiting) or a connected provider may take the
        # contact at once. The agent it came back from takes the first contact in order instead:
        # someone ahead of it (of higher priority, or a redial that reclaimed an earlier place)
        # may be waiting for that agent.
        destination = self._destination(contact)
        if destination is not None and destination[1] != agent.name:
            self._deliver(contact, destination)
        self._serve_from_queues(agent)
        if contact.in_queue:
            self._place(contact)
        if contact.in_queue:
            self._schedule_waiting_timers(contact)

    def _release(self, contact: Contact, agent: Agent) -> None:
        del agent.held[contact.name]
        agent.load[contact.channel] -= 1
        contact.agent = None
        self._refresh_availability(agent)
        self._refresh_status(agent)

    def _assign(self, provider: str) -> None:
        self._assigned[provider] = self._assigned.get(provider, 0) + 1
        self._assigned_total += 1

    def _undo_assignment(self, provider: str) -> None:
        self._assigned[provider] -= 1
        self._assigned_total -= 1

    # --- bookkeeping -----------------------------------------------------------------------------

    def _check(self, contact: Contact, event: ContactEvent) -> ContactState:
        return next_contact_state(contact.name, contact.state, event)

    def _check_offer(self, contact: Contact, agent: str, event: ContactEvent) -> None:
        self._agent(agent)
        self._check(contact, event)
        if contact.agent != agent:
            raise CommandRefused(
                f"contact {contact.name!r} is {contact.state.value} to agent "  # type: ignore[union-attr]
                f"{contact.agent!r}, not to {agent!r}: cannot {event.value}"
            )

    def _set_state(
        self,
        contact: Contact,
        event: ContactEvent,
        *,
        agent: str | None = None,
        provider: str | None = None,
    ) -> None:
        try:
            state, terminal, leaves_active, held = _TRANSITIONS[(contact.state, event)]
        except KeyError:  # not in the table: refused, with the state and the event named
            next_contact_state(contact.name, contact.state, event)
            raise
        contact.state = state
        contact.epoch += 1
        if terminal:
            self._contacts.pop(contact.name, None)
        if leaves_active and self._active_by_caller.get(contact.caller) == contact.name:
            del self._active_by_caller[contact.caller]
        if self._notices:
            held_by = agent or (contact.agent if held else None)
            self._out.append(ContactStateChanged(contact.name, state, held_by, provider))

    def _enqueue(self, contact: Contact, queue: ContactQueue) -> None:
        queue.add(contact.priority, contact.place)
        contact.in_queue = True
        if contact.state is _QUEUED:
            queue.live += 1
        self._queue_notice(queue)

    def _dequeue(self, contact: Contact) -> None:
        queue = self._queues[contact.queue]
        queue.remove(contact.priority, contact.place)
        contact.in_queue = False
        if contact.state is _QUEUED:
            queue.live -= 1
        self._queue_notice(queue)

    def _queue(self, key: QueueKey) -> ContactQueue:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = ContactQueue(key, self._rules.default_aht)
        return queue

    def _ewt(self, queue: ContactQueue, position: int) -> float | None:
        return expected_wait(position, queue.aht, queue.serving)

    def _queue_notice(self, queue: ContactQueue) -> None:
        ewt = self._ewt(queue, queue.waiting + 1)
        step = self._rules.ewt_granularity
        bucket = None if ewt is None else step * math.floor(ewt / step)
        notice = (min(queue.waiting, 1), bucket)
        if notice != queue.last_notice:
            queue.last_notice = notice
            self._out.append(QueueChanged(str(queue.key), queue.waiting, ewt))

    def _maybe_offer_callback(self, contact: Contact, ewt: float | None) -> None:
        threshold = self._rules.callback_offer_ewt
        if (
            threshold is not None
            and not contact.callback_offered
            and (ewt is None or ewt > threshold)
        ):
            contact.callback_offered = True
            self._out.append(OfferCallback(contact.name, ewt))

    def _schedule_waiting_timers(self, contact: Contact) -> None:
        interval = self._rules.announce_interval
        if interval is not None and contact.state is _QUEUED:
            self._set_timer(self.now + interval, _ANNOUNCE, contact)
        queue = contact.queue
        levels = self._level_agents.get((queue.topic, queue.language))
        if levels:
            self._schedule_level_timers(contact, sorted(levels))

    def _schedule_level_timers(self, contact: Contact, levels: Iterable[int]) -> None:
        first_arrival = contact.place[0]
        level_wait = self._rules.level_wait
        now = self.now
        for level in levels:
            due = first_arrival + level_wait(level)
            if due > now:
                self._set_timer(due, _LEVEL_JOINS, contact, _LEVEL_LANES + level)

    def _schedule_level_timers_of_waiting(self, skill_levels: list[tuple[Skill, int]]) -> None:
        """After a configuration change: timers for these skill levels for every contact already
        waiting (O(waiting), as configuration changes are rare)."""
        by_skill: dict[Skill, list[int]] = {}
        for skill, level in skill_levels:
            by_skill.setdefault(skill, []).append(level)
        for queue in self._queues.values():
            levels = by_skill.get((queue.key.topic, queue.key.language))
            if levels and queue.waiting:
                for place in queue.in_order():
                    self._schedule_level_timers(self._contacts[place[2]], sorted(levels))

    def _set_timer(self, due: float, kind: int, owner: Contact | Agent, lane: int = -1) -> None:
        """Set a timer of ``kind`` for ``owner`` (a contact; an agent for ``_PAUSE_ENDS``).
        Timers of one lane (one kind, or level timers of one level) are nearly always set in
        due-time order, as they fall due a fixed delay after now: they queue up in a FIFO with
        only its head in the heap. A timer due before the
        last of its lane (a reclaimed place, changed rules) goes into the heap itself. Either way
        they fire in (due, sequence) order, as if all were in one heap."""
        self._timer_seq += 1
        seq = self._timer_seq
        if lane < 0:
            lane = kind
        queue = self._lanes.get(lane)
        if queue is None:
            queue = self._lanes[lane] = deque()
        if not queue:
            timer = (due, seq, kind, owner.name, owner.epoch, lane)
            queue.append(timer)
            heapq.heappush(self._timers, timer)
        elif queue[-1][0] <= due:
            queue.append((due, seq, kind, owner.name, owner.epoch, lane))
        else:
            heapq.heappush(self._timers, (due, seq, kind, owner.name, owner.epoch, -1))

    def _pop_timer(self) -> Timer:
        """Take the timer due first (in the heap) out; its lane's next one takes its place."""
        timers = self._timers
        timer = heapq.heappop(timers)
        if timer[5] >= 0:
            queue = self._lanes[timer[5]]
            queue.popleft()
            if queue:
                heapq.heappush(timers, queue[0])
        return timer

    def _pending_timers(self) -> Iterable[Timer]:
        """Every timer not yet fired (also the lazily cancelled ones), in no order."""
        yield from (t for t in self._timers if t[5] < 0)
        for queue in self._lanes.values():
            yield from queue

    def _fire_timers(self, now: float) -> None:
        """Fire every timer due up to ``now`` in (due, sequence) order. A lane's head leaves the
        heap to fire; the lane's next timers then fire straight from the lane for as long as
        they come before everything in the heap, and only the first that does not goes back
        into it (two heap operations per run of a lane, not per timer)."""
        timers = self._timers
        lanes = self._lanes
        while timers and timers[0][0] <= now:
            timer = heapq.heappop(timers)
            number = timer[5]
            if number < 0:
                self._fire(timer)
                continue
            lane = lanes[number]
            if number == _ANNOUNCE:
                self._announce_lane(lane, now)
                continue
            while True:
                # The fired timer stays at the head of its lane while it fires, so that a timer
                # it sets in the same lane queues up behind it instead of entering the heap.
                self._fire(timer)
                lane.popleft()
                if not lane:
                    break
                timer = lane[0]
                if timer[0] > now or (timers and timers[0] < timer):
                    heapq.heappush(timers, timer)
                    break

    def _fire(self, timer: Timer) -> None:
        due, _, kind, name, epoch, _ = timer
        if kind == _PAUSE_ENDS:
            agent = self._agents.get(name)
            if agent is not None and agent.epoch == epoch:
                self.now = due
                self._end_pause(agent)
            return
        contact = self._contacts.get(name)
        if contact is None or contact.epoch != epoch:
            return  # cancelled: the contact moved on (or finished) since the timer was set
        self.now = due
        if kind == _OFFER_EXPIRES:
            self._return_offer(contact, self._agents[contact.agent], _EXPIRE)  # type: ignore[index]
        elif kind == _WRAP_UP_ENDS:
            self._complete(contact, self._agents[contact.agent])  # type: ignore[index]
        elif kind == _ANNOUNCE:
            self._announce(contact)
        elif kind == _CALLBACK_DUE:
            self._enqueue(contact, self._queues[contact.queue])
            self._place(contact)
            if contact.in_queue:  # the level timers set before the dial are void now
                self._schedule_waiting_timers(contact)
        elif contact.in_queue:  # _LEVEL_JOINS: agents of a lower level may now take it
            self._place(contact)

    def _announce(self, contact: Contact) -> None:
        """A periodic announcement off its lane (set due before the last of the lane)."""
        interval = self._rules.announce_interval
        if interval is None:  # switched off since this announcement was scheduled
            return
        queue = self._queues[contact.queue]
        position = queue.position(contact.priority, contact.place)
        ewt = expected_wait(position, queue.aht, queue.serving)  # what _ewt does, one call less
        self._out.append(AnnounceWait(contact.name, position, ewt))
        if not contact.callback_offered:
            self._maybe_offer_callback(contact, ewt)
        self._set_timer(self.now + interval, _ANNOUNCE, contact)

    def _announce_lane(self, lane: deque[Timer], now: float) -> None:
        """Fire the periodic announcements at the head of their lane, one after the other, as
        long as they fall due up to ``now`` and before every timer in the heap; then put the
        lane's next one back into the heap. The heap already gave up the head. Announcing
        changes no state another timer reads, so this is the same order as popping each
        from the heap, without the two heap operations per announcement; it is most of the
        timer work when many wait (every waiting caller, every ``announce_interval``)."""
        timers = self._timers
        contacts = self._contacts
        queues = self._queues
        out = self._out
        interval = self._rules.announce_interval  # None: switched off since they were set
        callback_ewt = self._rules.callback_offer_ewt
        while True:
            due, _, _, name, epoch, _ = lane.popleft()
            contact = contacts.get(name)
            if contact is not None and contact.epoch == epoch and interval is not None:
                queue = queues[contact.queue]
                position = queue.position(contact.priority, contact.place)
                ewt = expected_wait(position, queue.aht, queue.serving)
                out.append(AnnounceWait(name, position, ewt))
                if (
                    callback_ewt is not None
                    and not contact.callback_offered
                    and (ewt is None or ewt > callback_ewt)
                ):
                    contact.callback_offered = True
                    out.append(OfferCallback(name, ewt))
                # The next one, as _set_timer would set it (never through it: the lane's head
                # is out of the heap while this runs).
                self._timer_seq += 1
                again = (due + interval, self._timer_seq, _ANNOUNCE, name, epoch, _ANNOUNCE)
                if not lane or lane[-1][0] <= again[0]:
                    lane.append(again)
                else:
                    heapq.heappush(timers, (*again[:5], -1))
            if not lane:
                return
            head = lane[0]
            if head[0] > now or (timers and timers[0] < head):
                heapq.heappush(timers, head)
                return

    def _refresh_availability(self, agent: Agent, *, moved: bool = False) -> None:
        channels = agent.free_channels()
        if channels == agent.available and not moved:
            return
        if agent.available:
            self._index.discard(agent, agent.available)
        if channels:
            agent.available_since = self.now
            self._index.add(agent, channels)
        agent.available = channels

    def _refresh_status(self, agent: Agent) -> None:
        """Mark the agent's status for publishing once the command is done (no flicker)."""
        if self._notices:
            self._touched[agent.name] = agent

    def _publish_statuses(self) -> None:
        contacts = self._contacts
        for agent in self._touched.values():
            status = _status_of(agent, contacts)
            reason = _shown_reason(agent)
            if (status is not agent.status or reason != agent.shown_reason) and (
                self._agents.get(agent.name) is agent
            ):
                agent.status = status
                agent.shown_reason = reason
                self._out.append(AgentStateChanged(agent.name, agent.provider, status, reason))
        self._touched.clear()

    def _count_serving(self, agent: Agent, sign: int) -> None:
        for topic, language in agent.skills:
            for channel, capacity in agent.capacity.items():
                queue = self._queue(QueueKey(topic, language, channel))
                queue.serving += sign * capacity

    def _count_levels(self, agent: Agent, sign: int) -> None:
        for skill, level in agent.skills.items():
            if level < 2:
                continue
            counts = self._level_agents.setdefault(skill, {})
            counts[level] = counts.get(level, 0) + sign
            if not counts[level]:
                del counts[level]
            if not counts:
                del self._level_agents[skill]

    def _forget_old_abandons(self) -> None:
        log = self._abandon_log
        horizon = self.now - self._rules.redial_window
        while log and log[0][0] < horizon:
            at, caller = log.popleft()
            entry = self._abandoned_by_caller.get(caller)
            if entry is not None and entry[0] == at:
                del self._abandoned_by_caller[caller]

    def _contact(self, name: str) -> Contact:
        contact = self._contacts.get(name)
        if contact is None:
            raise UnknownEntity(f"contact {name!r} is not live (unknown, or already finished)")
        return contact

    def _agent(self, name: str) -> Agent:
        agent = self._agents.get(name)
        if agent is None:
            raise UnknownEntity(f"agent {name!r} is not configured")
        return agent


def _lowest(levels: dict[int, Any]) -> int:
    """The lowest of the skill levels that key ``levels`` (not empty)."""
    lowest = -1
    for level in levels:
        if lowest < 0 or level < lowest:
            lowest = level
    return lowest


def _level_wait(waits: tuple[float, ...], level: int) -> float:
    """``RoutingRules.level_wait`` (how long a contact waits before agents of ``level`` may take
    it), a native call when compiled."""
    return waits[level - 1] if level <= len(waits) else waits[-1]


# Command type → handler. Plain functions, so that an engine can be pickled for snapshots.
_HANDLERS: dict[type[Command], Callable[[Engine, Any], None]] = {
    ContactArrived: Engine._contact_arrived,
    ContactAbandoned: Engine._contact_abandoned,
    CallbackRequested: Engine._callback_requested,
    CallbackAnswered: Engine._callback_answered,
    CallbackNotAnswered: Engine._callback_not_answered,
    OfferAccepted: Engine._offer_accepted,
    OfferDeclined: Engine._offer_declined,
    ContactEnded: Engine._contact_ended,
    WrapUpDone: Engine._wrap_up_done,
    AgentLoggedIn: Engine._agent_logged_in,
    AgentLoggedOut: Engine._agent_logged_out,
    AgentReady: Engine._agent_ready,
    AgentNotReady: Engine._agent_not_ready,
    ProviderStatusReported: Engine._provider_status_reported,
    TopicConfigured: Engine._topic_configured,
    ProviderConfigured: Engine._provider_configured,
    AgentConfigured: Engine._agent_configured,
    AgentRemoved: Engine._agent_removed,
    RulesChanged: Engine._rules_changed,
    TimeAdvanced: Engine._time_advanced,
}


def _status_of(agent: Agent, contacts: dict[str, Contact]) -> AgentStatus:
    """What the agent is doing now, from its presence and the contacts it holds."""
    held = agent.held
    if not held:
        return PRESENCE_STATUS[agent.presence]
    return agent_status(agent.presence, [contacts[name].state for name in held])


def _shown_reason(agent: Agent) -> str | None:
    """The reason published with the agent's status: only a not-ready agent has one."""
    return agent.reason if agent.presence is _NOT_READY else None


def _unpickled(state: dict[str, Any]) -> Engine:
    engine = Engine(HotlineConfig(str(state.get("name", "")), ()))
    engine.__setstate__(state)  # refuses a state of another format
    return engine


def _slot_values(obj: object, exclude: tuple[str, ...] = ()) -> Iterable[object]:
    for name in field_names(type(obj)):
        if name in exclude:
            continue
        value = getattr(obj, name)
        yield dict(value) if isinstance(value, dict) else value


def replay(
    config: HotlineConfig, log: Iterable[tuple[float, Command]], *, start: float = 0.0
) -> tuple[Engine, list[Effect]]:
    """Rebuild an engine from its configuration and command log; also return every effect.

    Refused commands in the log are refused again, exactly as the first time, and change nothing.
    """
    engine = Engine(config, now=start)
    effects: list[Effect] = []
    for now, command in log:
        try:
            effects.extend(engine.handle(command, now))
        except EngineError as refused:
            effects.extend(refused.effects)  # type: ignore[arg-type]
    return engine, effects


__all__ = ["Engine", "replay"]
