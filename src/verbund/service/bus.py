"""Fan-out of effects to the desktops that are connected: one queue per agent connection.

The bus listens to each hotline's runner and turns the effects that concern one agent (an offer,
its cancellation, a callback to dial, the agent's status, the state of a contact it holds) into
JSON-ready messages on that agent's subscriptions. It never blocks the writer: a subscription that
falls ``limit`` messages behind is closed (its ``overflowed`` flag set) and the desktop reconnects,
getting its current desk — offers included — afresh.

Citizens' chat pages subscribe to one contact (``subscribe_contact``): they get its state changes
and wait announcements. Conversation messages are not effects of the engine; the conversation
service hands them to ``publish_agent`` and ``publish_contact`` once they are stored.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from typing import Any

from verbund.engine import (
    AgentStateChanged,
    AnnounceWait,
    CancelOffer,
    Command,
    ContactStateChanged,
    DialCallback,
    Effect,
    OfferContact,
)

__all__ = ["EventBus", "Subscription"]

Message = dict[str, Any]


class Subscription:
    def __init__(
        self, bus: EventBus, key: tuple[str, str], limit: int, *, contact: bool = False
    ) -> None:
        self.bus = bus
        self.key = key
        self.contact = contact  # a chat page's subscription to one contact
        self.queue: asyncio.Queue[Message] = asyncio.Queue(limit)
        self.overflowed = False

    def put(self, message: Message) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            self.bus.unsubscribe(self)

    async def get(self) -> Message:
        return await self.queue.get()

    def close(self) -> None:
        self.bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self._agents: dict[tuple[str, str], set[Subscription]] = defaultdict(set)
        self._contacts: dict[tuple[str, str], set[Subscription]] = defaultdict(set)

    @property
    def subscriptions(self) -> int:
        return sum(len(s) for s in self._agents.values())

    def subscribe_contact(self, hotline: str, contact: str) -> Subscription:
        subscription = Subscription(self, (hotline, contact), self.limit, contact=True)
        self._contacts[(hotline, contact)].add(subscription)
        return subscription

    def publish_agent(self, hotline: str, agent: str, message: Message) -> None:
        for subscription in list(self._agents.get((hotline, agent), ())):
            subscription.put(message)

    def publish_contact(self, hotline: str, contact: str, message: Message) -> None:
        for subscription in list(self._contacts.get((hotline, contact), ())):
            subscription.put(message)

    def subscribe_agent(self, hotline: str, agent: str) -> Subscription:
        subscription = Subscription(self, (hotline, agent), self.limit)
        self._agents[(hotline, agent)].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        table = self._contacts if subscription.contact else self._agents
        found = table.get(subscription.key)
        if found is not None:
            found.discard(subscription)
            if not found:
                del table[subscription.key]

    def listener(self, hotline: str) -> Any:
        """The runner listener that publishes ``hotline``'s effects."""

        def publish(now: float, command: Command, effects: list[Effect]) -> None:
            agents = self._agents
            contacts = self._contacts
            if not agents and not contacts:
                return
            for effect in effects:
                if contacts:
                    _to_contact(contacts, hotline, now, effect)
                if not agents:
                    continue
                target, message = _message(effect)
                if target is None:
                    continue
                for subscription in list(agents.get((hotline, target), ())):
                    subscription.put({**message, "at": now})

        return publish


def _to_contact(
    contacts: dict[tuple[str, str], set[Subscription]], hotline: str, now: float, effect: Effect
) -> None:
    """What a chat page learns about its own contact: its state and its place in the queue."""
    if isinstance(effect, ContactStateChanged):
        message: Message = {"type": "state", "state": effect.state.value}
    elif isinstance(effect, AnnounceWait):
        ewt = effect.ewt if effect.ewt is not None and math.isfinite(effect.ewt) else None
        message = {"type": "wait", "position": effect.position, "ewt": ewt}
    else:
        return
    for subscription in list(contacts.get((hotline, effect.contact), ())):
        subscription.put({**message, "at": now})


def _message(effect: Effect) -> tuple[str | None, Message]:
    if isinstance(effect, OfferContact):
        return effect.agent, {
            "type": "offer",
            "contact": effect.contact,
            "expires_at": effect.expires_at,
            "callback": effect.callback,
            "answered": effect.answered,
        }
    if isinstance(effect, CancelOffer):
        return effect.agent, {
            "type": "offer_cancelled",
            "contact": effect.contact,
            "reason": effect.reason,
        }
    if isinstance(effect, DialCallback):
        return effect.agent, {
            "type": "dial_callback",
            "contact": effect.contact,
            "attempt": effect.attempt,
        }
    if isinstance(effect, AgentStateChanged):
        return effect.agent, {
            "type": "status",
            "status": effect.status.value,
            "reason": effect.reason,
        }
    if isinstance(effect, ContactStateChanged) and effect.agent is not None:
        return effect.agent, {
            "type": "contact",
            "contact": effect.contact,
            "state": effect.state.value,
        }
    return None, {}
