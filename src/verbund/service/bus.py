"""Fan-out of effects to the desktops that are connected: one queue per agent connection.

The bus listens to each hotline's runner and turns the effects that concern one agent (an offer,
its cancellation, a callback to dial, the agent's status, the state of a contact it holds) into
JSON-ready messages on that agent's subscriptions. It never blocks the writer: a subscription that
falls ``limit`` messages behind is closed (its ``overflowed`` flag set) and the desktop reconnects,
getting its current desk — offers included — afresh.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from verbund.engine import (
    AgentStateChanged,
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
    def __init__(self, bus: EventBus, key: tuple[str, str], limit: int) -> None:
        self.bus = bus
        self.key = key
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

    @property
    def subscriptions(self) -> int:
        return sum(len(s) for s in self._agents.values())

    def subscribe_agent(self, hotline: str, agent: str) -> Subscription:
        subscription = Subscription(self, (hotline, agent), self.limit)
        self._agents[(hotline, agent)].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        found = self._agents.get(subscription.key)
        if found is not None:
            found.discard(subscription)
            if not found:
                del self._agents[subscription.key]

    def listener(self, hotline: str) -> Any:
        """The runner listener that publishes ``hotline``'s effects."""

        def publish(now: float, command: Command, effects: list[Effect]) -> None:
            agents = self._agents
            if not agents:
                return
            for effect in effects:
                target, message = _message(effect)
                if target is None:
                    continue
                for subscription in list(agents.get((hotline, target), ())):
                    subscription.put({**message, "at": now})

        return publish


def _message(effect: Effect) -> tuple[str | None, Message]:
    if isinstance(effect, OfferContact):
        return effect.agent, {
            "type": "offer",
            "contact": effect.contact,
            "expires_at": effect.expires_at,
            "callback": effect.callback,
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
