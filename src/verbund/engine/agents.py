"""Agents and the index of who can take a contact right now.

An agent is *available* for a channel when they are ready and have room: a call needs an agent who
holds nothing; a chat or social conversation needs an agent on no call with fewer of that channel
than their capacity. The index keeps, per queue × skill level × provider, the available agents in
the order they became available (an ``OrderedDict`` used as an ordered set), so the longest-idle
agent of a provider is its first entry and every update is O(1) per skill.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Final

from mypy_extensions import mypyc_attr

from verbund.engine.config import AgentSpec, Channel, QueueKey, Skill
from verbund.engine.records import field_names
from verbund.engine.states import AgentPresence, AgentStatus

AgentSet = OrderedDict[str, None]

_CHANNELS = tuple(Channel)  # iterating the Enum itself is slow on the hot path
# Enum members as module constants: compiled, each is a C static, while ``Enum.MEMBER``
# goes through ``EnumType.__getattr__`` on Python 3.11 (some 170 ns per use).
_LOGGED_OUT: Final = AgentPresence.LOGGED_OUT
_READY: Final = AgentPresence.READY
_STATUS_LOGGED_OUT: Final = AgentStatus.LOGGED_OUT
_VOICE: Final = Channel.VOICE


class Agent:
    __slots__ = (
        "available",
        "available_since",
        "capacity",
        "epoch",
        "held",
        "idle_channels",
        "idle_levels",
        "load",
        "name",
        "no_answers",
        "presence",
        "provider",
        "queues_by_channel",
        "reason",
        "shown_reason",
        "skills",
        "status",
    )

    def __init__(self, spec: AgentSpec) -> None:
        self.name = spec.name
        self.configure(spec)
        self.presence = _LOGGED_OUT
        self.status = _STATUS_LOGGED_OUT  # the status last published (Engine.agent_status
        # tells the one of now, also when the engine publishes no notices)
        self.reason: str | None = None
        self.shown_reason: str | None = None  # the reason last published with the status
        self.held: dict[str, Channel] = {}  # contacts offered to / handled by the agent
        self.load: dict[Channel, int] = dict.fromkeys(_CHANNELS, 0)
        self.available: tuple[Channel, ...] = ()
        self.available_since = 0.0
        self.no_answers = 0
        # Ready but offered nothing for a while after a decline: the number of that pause's
        # timer, which stands while they agree (0: no pause).
        self.epoch = 0

    def __reduce__(self) -> tuple[Any, ...]:
        # Unpickled as a new agent that takes this state (compiled by mypyc, an agent cannot be
        # made without running its __init__).
        state = {n: getattr(self, n) for n in field_names(type(self))}
        return (_unpickled, (self.name, self.provider, state))

    def configure(self, spec: AgentSpec) -> None:
        """Take provider, skills and capacity from ``spec`` (the engine keeps the index right)."""
        self.provider = spec.provider
        self.skills: dict[Skill, int] = dict(spec.skills)
        self.capacity: dict[Channel, int] = {ch: n for ch, n in spec.capacity.items() if n > 0}
        # What the agent can take when ready and holding nothing: every channel with capacity.
        self.idle_channels = tuple(ch for ch in _CHANNELS if ch in self.capacity)
        self.queues_by_channel: dict[Channel, tuple[tuple[QueueKey, int], ...]] = {
            ch: tuple(
                (QueueKey(topic, language, ch), level)
                for (topic, language), level in self.skills.items()
            )
            for ch in self.capacity
        }
        self.idle_levels = _queue_levels(self.queues_by_channel, self.idle_channels)

    def can_take(self, channel: Channel) -> bool:
        if self.presence is not _READY or self.epoch:
            return False
        cap = self.capacity.get(channel, 0)
        if channel is _VOICE:
            return cap > 0 and not self.held
        return self.load[_VOICE] == 0 and self.load[channel] < cap

    def free_channels(self) -> tuple[Channel, ...]:
        """The channels the agent can take a contact on now, in a fixed order (the same as
        ``tuple(ch for ch in Channel if self.can_take(ch))``, without asking each channel)."""
        if self.presence is not _READY or self.epoch:
            return ()
        if not self.held:
            return self.idle_channels
        load = self.load
        if load[_VOICE]:
            return ()
        capacity = self.capacity
        return tuple(ch for ch in _CHANNELS if ch is not _VOICE and load[ch] < capacity.get(ch, 0))

    def queue_levels(self, channels: tuple[Channel, ...]) -> tuple[tuple[QueueKey, int], ...]:
        """The (queue, skill level) pairs the agent serves on ``channels``."""
        if channels is self.idle_channels:  # the common case, worked out once
            return self.idle_levels
        return _queue_levels(self.queues_by_channel, channels)


def _queue_levels(
    by_channel: dict[Channel, tuple[tuple[QueueKey, int], ...]], channels: tuple[Channel, ...]
) -> tuple[tuple[QueueKey, int], ...]:
    return tuple(entry for ch in channels for entry in by_channel[ch])


def _unpickled(name: str, provider: str, state: dict[str, Any]) -> Agent:
    agent = Agent(AgentSpec(name, provider, {}))
    for attribute, value in state.items():
        setattr(agent, attribute, value)
    return agent


@mypyc_attr(serializable=True)  # picklable also when compiled (see docs/architecture.md)
class AvailabilityIndex:
    """Available agents per queue, skill level and provider, longest available first."""

    __slots__ = ("_index",)

    def __init__(self) -> None:
        # queue -> level -> provider -> agents (only non-empty entries are kept, at every depth,
        # so that a queue nobody is available for has no entry at all)
        self._index: dict[QueueKey, dict[int, dict[str, AgentSet]]] = {}

    def add(self, agent: Agent, channels: tuple[Channel, ...]) -> None:
        for queue, level in agent.queue_levels(channels):
            by_provider = self._index.setdefault(queue, {}).setdefault(level, {})
            agents = by_provider.get(agent.provider)
            if agents is None:
                agents = by_provider[agent.provider] = OrderedDict()
            agents[agent.name] = None

    def discard(self, agent: Agent, channels: tuple[Channel, ...]) -> None:
        index = self._index
        for queue, level in agent.queue_levels(channels):
            by_level = index[queue]
            by_provider = by_level[level]
            agents = by_provider[agent.provider]
            del agents[agent.name]
            if not agents:
                del by_provider[agent.provider]
                if not by_provider:
                    del by_level[level]
                    if not by_level:
                        del index[queue]

    def levels(self, queue: QueueKey) -> dict[int, dict[str, AgentSet]] | None:
        return self._index.get(queue)

    def has_any(self, queue: QueueKey) -> bool:
        return queue in self._index
