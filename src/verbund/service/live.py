"""The live view of one hotline: what wallboards, desktops and the state API read.

A :class:`LiveView` listens to the runner (``apply(now, command, effects)``, called after each
command is journalled) and keeps, without touching the engine:

* every live contact — caller, queue, arrival, state, agent or provider — and per caller the
  number of attempts today (for "earlier attempts" on the desktop);
* each agent's status and provider, and the offers out to it with their expiry (so that a
  desktop that reconnects gets its ringing offer back);
* per queue: waiting, expected wait, and today's counts — offered attempts, unique callers,
  answered (and within the service-level target), abandoned, rejected, routed, callbacks — also
  per provider and per 15-minute interval of the day (hotline-local time).

"Today" starts at local midnight; the counters start again then. Nothing here is a secret of the
engine: it is all built from the effects, so the view is exactly what left the process.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from verbund.engine import (
    AgentConfigured,
    AgentRemoved,
    AgentStateChanged,
    AgentStatus,
    AlreadyWaiting,
    CancelOffer,
    Command,
    ContactArrived,
    ContactState,
    ContactStateChanged,
    DialCallback,
    Effect,
    Engine,
    OfferContact,
    QueueChanged,
    QueueKey,
    RejectContact,
)

__all__ = ["AgentView", "ContactView", "DayCounts", "LiveView"]

INTERVAL = 900.0  # seconds in a planning interval
WAITING = (ContactState.QUEUED, ContactState.CALLBACK_WAITING)
HELD = (
    ContactState.OFFERED,
    ContactState.CONNECTED,
    ContactState.WRAP_UP,
    ContactState.CALLBACK_OFFERED,
    ContactState.CALLBACK_DIALING,
)


@dataclass(slots=True)
class ContactView:
    contact: str
    caller: str
    queue: str
    channel: str
    priority: int
    arrived: float
    state: ContactState | None = None  # None until the engine's first notice
    agent: str | None = None
    provider: str | None = None
    answered: float | None = None
    attempt: int = 1  # this caller's attempts today, this one included
    callback: bool = False

    def public(self, *, reveal_caller: bool) -> dict[str, Any]:
        return {
            "contact": self.contact,
            "caller": self.caller if reveal_caller else mask_caller(self.caller),
            "queue": self.queue,
            "channel": self.channel,
            "priority": self.priority,
            "arrived": self.arrived,
            "state": None if self.state is None else self.state.value,
            "agent": self.agent,
            "provider": self.provider,
            "answered": self.answered,
            "earlier_attempts": self.attempt - 1,
            "callback": self.callback,
        }


@dataclass(slots=True)
class AgentView:
    agent: str
    provider: str
    status: AgentStatus = AgentStatus.LOGGED_OUT
    reason: str | None = None
    since: float = 0.0
    offers: dict[str, float] = field(default_factory=dict)  # contact -> offer expiry
    answered_today: int = 0


@dataclass(slots=True)
class DayCounts:
    offered: int = 0  # attempts
    callers: int = 0  # unique callers (first attempt today)
    answered: int = 0
    in_target: int = 0  # answered within the service-level target
    abandoned: int = 0
    rejected: int = 0
    routed: int = 0
    callbacks: int = 0
    wait_answered: float = 0.0  # total wait of answered contacts

    def add(self, other: DayCounts) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        # Calls pre-routed to a connected provider are answered (or not) by its own ACD: they
        # are counted, but left out of this hotline's service level and abandonment rate.
        served = self.offered - self.routed
        return {
            "offered": self.offered,
            "callers": self.callers,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "rejected": self.rejected,
            "routed": self.routed,
            "callbacks": self.callbacks,
            "service_level": None if served <= 0 else self.in_target / served,
            "p_abandon": None if served <= 0 else self.abandoned / served,
            "asa": None if not self.answered else self.wait_answered / self.answered,
        }


def mask_caller(caller: str) -> str:
    """``+4930123456`` → ``•••••••3456``: only the last four characters are shown."""
    if len(caller) <= 4:
        return "•" * len(caller)
    return "•" * (len(caller) - 4) + caller[-4:]


def local_midnight(now: float) -> float:
    moment = datetime.fromtimestamp(now)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class LiveView:
    """Everything the pages and the state API show about one hotline, kept from the effects."""

    def __init__(
        self,
        hotline: str,
        *,
        service_level_target: float = 20.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.hotline = hotline
        self.target = service_level_target
        self.clock = clock
        self.contacts: dict[str, ContactView] = {}
        self.agents: dict[str, AgentView] = {}
        self.ewt: dict[str, float | None] = {}
        self.waiting: dict[str, dict[str, float]] = defaultdict(dict)  # queue -> contact: arrived
        self.held: dict[str, set[str]] = defaultdict(set)  # agent -> contacts it holds
        self.version = 0  # moves with every change
        self.offers_made = 0  # offers to agents since start
        self._day = local_midnight(clock())
        self._reset_day()

    def _reset_day(self) -> None:
        self.attempts: dict[str, int] = {}  # caller -> attempts today
        self.by_queue: dict[str, DayCounts] = defaultdict(DayCounts)
        self.by_provider: dict[str, DayCounts] = defaultdict(DayCounts)
        self.by_interval: dict[int, DayCounts] = defaultdict(DayCounts)
        for agent in self.agents.values():
            agent.answered_today = 0

    def seed(self, engine: Engine) -> None:
        """Take the live contacts and the agents from an engine rebuilt after a restart (the
        counts of the day start again; the history table keeps the finished contacts)."""
        for name in engine.agents():
            view = self._agent(name)
            view.provider = engine.agent_provider(name)
            view.status = engine.agent_status(name)
        for name in engine.live_contacts():
            details, state = engine.contact_details(name), engine.contact_state(name)
            if details is None or state is None or name in self.contacts:
                continue
            caller, queue, priority, first_arrival, _ = details
            view_ = ContactView(
                name, caller, str(queue), queue.channel.value, priority, first_arrival
            )
            view_.state = state
            view_.agent = engine.contact_agent(name)
            if view_.agent is not None:
                view_.provider = engine.agent_provider(view_.agent)
                if state in HELD:
                    self.held[view_.agent].add(name)
            self.contacts[name] = view_
            if state in WAITING:
                self.waiting[view_.queue][name] = first_arrival
        self.version += 1

    # --- following the runner --------------------------------------------------------------------

    def apply(self, now: float, command: Command, effects: list[Effect]) -> None:
        if now >= self._day + 86400.0:
            self._day = local_midnight(now)
            self._reset_day()
        self.version += 1
        arrival = command if isinstance(command, ContactArrived) else None
        if arrival is not None:
            self._arrived(now, arrival, effects)
        elif isinstance(command, AgentConfigured):
            self._agent(command.agent.name).provider = command.agent.provider
        elif isinstance(command, AgentRemoved):
            self.agents.pop(command.agent, None)
        for effect in effects:
            if isinstance(effect, ContactStateChanged):
                self._contact_state(now, effect)
            elif isinstance(effect, AgentStateChanged):
                self._agent_state(now, effect)
            elif isinstance(effect, OfferContact):
                if not effect.answered:  # (auto-answered: connected, nothing rings)
                    self._agent(effect.agent).offers[effect.contact] = effect.expires_at
                self.offers_made += 1
            elif isinstance(effect, (CancelOffer, DialCallback)):
                self._agent(effect.agent).offers.pop(effect.contact, None)
            elif isinstance(effect, QueueChanged):
                self.ewt[effect.queue] = effect.ewt

    def _interval(self, now: float) -> DayCounts:
        return self.by_interval[int((now - self._day) // INTERVAL)]

    def _arrived(self, now: float, arrival: ContactArrived, effects: list[Effect]) -> None:
        queue = str(QueueKey(arrival.topic, arrival.language, arrival.channel))
        caller = arrival.caller
        attempt = 1
        counts = [self.by_queue[queue], self._interval(now)]
        if caller:
            attempt = self.attempts.get(caller, 0) + 1
            self.attempts[caller] = attempt
        for c in counts:
            c.offered += 1
            if attempt == 1:
                c.callers += 1
        if any(isinstance(e, AlreadyWaiting) for e in effects):
            return  # no new contact: the caller is already waiting
        if any(isinstance(e, RejectContact) for e in effects) and not any(
            isinstance(e, ContactStateChanged) and e.contact == arrival.contact for e in effects
        ):
            return
        self.contacts[arrival.contact] = ContactView(
            arrival.contact,
            caller,
            queue,
            arrival.channel.value,
            arrival.priority,
            now,
            attempt=attempt,
            callback=arrival.callback,
        )

    def _contact_state(self, now: float, effect: ContactStateChanged) -> None:
        view = self.contacts.get(effect.contact)
        if view is None:  # e.g. a contact from before a restart
            return
        old, new = view.state, effect.state
        view.state = new
        if new in WAITING and old not in WAITING:
            self.waiting[view.queue][view.contact] = view.arrived
        elif new not in WAITING and old in WAITING:
            self.waiting[view.queue].pop(view.contact, None)
        if effect.agent is not None:
            view.agent = effect.agent
            view.provider = self._agent(effect.agent).provider
        if view.agent is not None:
            if new in HELD:
                self.held[view.agent].add(view.contact)
            else:
                self.held[view.agent].discard(view.contact)
        if effect.provider is not None:
            view.provider = effect.provider
        if new is ContactState.CALLBACK_WAITING and old is not ContactState.CALLBACK_WAITING:
            for c in self._counts(view, now):
                c.callbacks += 1
        if new is ContactState.CONNECTED and view.answered is None:
            view.answered = now
            wait = now - view.arrived
            for c in self._counts(view, now, provider=True):
                c.answered += 1
                c.wait_answered += wait
                if wait <= self.target:
                    c.in_target += 1
            if view.agent is not None:
                self._agent(view.agent).answered_today += 1
        elif new is ContactState.ABANDONED:
            for c in self._counts(view, now):
                c.abandoned += 1
        elif new is ContactState.REJECTED:
            for c in self._counts(view, now):
                c.rejected += 1
        elif new is ContactState.ROUTED:
            for c in self._counts(view, now, provider=True):
                c.routed += 1
        if new in (
            ContactState.COMPLETED,
            ContactState.ABANDONED,
            ContactState.REJECTED,
            ContactState.ROUTED,
            ContactState.CALLBACK_FAILED,
        ):
            del self.contacts[view.contact]
            self.waiting[view.queue].pop(view.contact, None)
            if view.agent is not None:
                self._agent(view.agent).offers.pop(view.contact, None)
        elif (
            new is not ContactState.OFFERED
            and new is not ContactState.CALLBACK_OFFERED
            and view.agent is not None
        ):
            self._agent(view.agent).offers.pop(view.contact, None)

    def _counts(self, view: ContactView, now: float, *, provider: bool = False) -> list[DayCounts]:
        counts = [self.by_queue[view.queue], self._interval(now)]
        if provider and view.provider is not None:
            counts.append(self.by_provider[view.provider])
        return counts

    def _agent(self, name: str) -> AgentView:
        found = self.agents.get(name)
        if found is None:
            found = self.agents[name] = AgentView(name, "")
        return found

    def _agent_state(self, now: float, effect: AgentStateChanged) -> None:
        agent = self._agent(effect.agent)
        agent.provider = effect.provider
        if agent.status is not effect.status or agent.reason != effect.reason:
            agent.since = now
        agent.status = effect.status
        agent.reason = effect.reason

    # --- reading ---------------------------------------------------------------------------------

    def queue_summary(self, now: float | None = None) -> list[dict[str, Any]]:
        """Per queue: waiting now, longest wait, expected wait and today's counts (alliance-wide
        aggregates, which every role may see)."""
        now = self.clock() if now is None else now
        names = sorted(
            set(self.by_queue) | set(self.ewt) | {q for q, w in self.waiting.items() if w}
        )
        rows = []
        for queue in names:
            waiting = self.waiting.get(queue, {})
            longest = now - min(waiting.values()) if waiting else 0.0
            ewt = self.ewt.get(queue)
            rows.append(
                {
                    "queue": queue,
                    "waiting": len(waiting),
                    "longest_wait": max(longest, 0.0),
                    "ewt": None if ewt is None or math.isinf(ewt) else ewt,
                    **self.by_queue[queue].as_dict(),
                }
            )
        return rows

    def totals(self) -> dict[str, Any]:
        total = DayCounts()
        for counts in self.by_queue.values():
            total.add(counts)
        return total.as_dict()

    def intervals(self) -> list[dict[str, Any]]:
        """Today's counts per 15-minute interval, from midnight, with the interval's start."""
        return [
            {"start": datetime.fromtimestamp(self._day + i * INTERVAL).isoformat(), **c.as_dict()}
            for i, c in sorted(self.by_interval.items())
        ]

    def agents_by_state(self, provider: str | None = None) -> dict[str, dict[str, int]]:
        """Per provider (only ``provider`` when given): how many agents are in each status."""
        table: dict[str, dict[str, int]] = {}
        for agent in self.agents.values():
            if provider is not None and agent.provider != provider:
                continue
            row = table.setdefault(agent.provider, {s.value: 0 for s in AgentStatus})
            row[agent.status.value] += 1
        return dict(sorted(table.items()))

    def alliance_agents(self) -> dict[str, int]:
        """All agents of all providers by status: the aggregate every role may see."""
        row = {s.value: 0 for s in AgentStatus}
        for agent in self.agents.values():
            row[agent.status.value] += 1
        return row

    def provider_counts(self, provider: str | None = None) -> dict[str, dict[str, Any]]:
        return {
            name: counts.as_dict()
            for name, counts in sorted(self.by_provider.items())
            if provider is None or name == provider
        }

    def agent_desk(self, agent: str) -> dict[str, Any]:
        """One agent's desktop: status, offers out to them, contacts held."""
        view = self.agents.get(agent)
        held = [
            self.contacts[name].public(reveal_caller=False)
            for name in sorted(self.held.get(agent, ()))
            if name in self.contacts
        ]
        return {
            "agent": agent,
            "provider": None if view is None else view.provider,
            "status": AgentStatus.LOGGED_OUT.value if view is None else view.status.value,
            "reason": None if view is None else view.reason,
            "since": None if view is None else view.since,
            "offers": {} if view is None else dict(view.offers),
            "contacts": held,
            "answered_today": 0 if view is None else view.answered_today,
        }
