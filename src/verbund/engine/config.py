"""The configuration an engine runs with: hotline, topics, providers, agents and routing rules.

Everything here is an immutable value. The engine validates a configuration once, when it is given
one (at construction or through a configuration command), and raises :class:`ConfigurationError`
naming the field and what is expected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from verbund.errors import ConfigurationError


class Channel(Enum):
    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow on the hot path

    VOICE = "voice"  # a phone call: occupies the agent completely
    CHAT = "chat"  # a web chat: several at once, never during a call
    SOCIAL = "social"  # a social-media conversation: several at once, never during a call


class ProviderMode(Enum):
    __hash__ = object.__hash__

    POOLED = "pooled"  # its agents work in Verbund; the engine offers contacts to each agent
    CONNECTED = "connected"  # it runs its own ACD; the engine pre-routes calls to it by a label


class QueueKey(NamedTuple):
    """A queue is a topic × language × channel; written ``topic:language:channel``."""

    topic: str
    language: str
    channel: Channel

    def __str__(self) -> str:
        return f"{self.topic}:{self.language}:{self.channel.value}"


Skill = tuple[str, str]  # (topic, language)


def parse_skill(text: str) -> Skill:
    """``"termin:de"`` → ``("termin", "de")``."""
    topic, sep, language = text.partition(":")
    if not sep or not topic or not language or ":" in language:
        raise ConfigurationError(f"skill {text!r}: expected 'topic:language', e.g. 'termin:de'")
    return topic, language


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    languages: tuple[str, ...] = ("de",)


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """A member company. ``share`` is its contracted share of the work (normalised over all)."""

    name: str
    mode: ProviderMode = ProviderMode.POOLED
    share: float = 1.0
    label: str | None = None  # connected: where calls go (a SIP URI or a number)
    serves: frozenset[Skill] = frozenset()  # connected: the topics × languages it takes


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """An agent. ``skills`` maps (topic, language) to a level: 1 is the primary skill; level k
    joins after the contact has waited ``RoutingRules.level_waits[k - 1]``."""

    name: str
    provider: str
    skills: Mapping[Skill, int]
    capacity: Mapping[Channel, int] = field(default_factory=lambda: {Channel.VOICE: 1})


@dataclass(frozen=True, slots=True)
class RoutingRules:
    """Routing rules of a hotline; every time is in seconds. ``None`` switches a rule off."""

    offer_timeout: float = 20.0  # an offer not answered within this returns the contact
    # Auto-answer: an offer connects at once (agents on a headset line), no ringing, no time-out.
    auto_answer: bool = False
    max_no_answers: int = 2  # consecutive unanswered offers that put an agent not ready
    # After declining an offer an agent is offered nothing for this long (0: at once again;
    # going not ready and ready, or logging out, ends the pause too).
    decline_pause: float = 10.0
    wrap_up: float | None = 0.0  # wrap-up ends by itself after this; None: only the agent ends it
    level_waits: tuple[float, ...] = (0.0, 30.0, 60.0)  # level k joins after level_waits[k-1]
    callback_offer_ewt: float | None = None  # offer a callback when the expected wait exceeds this
    max_ewt: float | None = None  # admission control: refuse arrivals expected to wait longer
    max_queue_length: int | None = None  # admission control: refuse arrivals beyond this many
    redial_window: float = 600.0  # a caller who abandoned and calls again within this reclaims
    announce_interval: float | None = 60.0  # repeat position and expected wait this often
    ewt_granularity: float = 30.0  # queue notices when the expected wait moves across a step
    callback_retry_delay: float = 300.0  # wait before dialling a callback again
    callback_max_attempts: int = 3  # dialling attempts before a callback fails
    default_aht: float = 300.0  # handle time assumed for expected waits until some are seen
    aht_smoothing: float = 0.05  # weight of the newest handle time in the moving average
    report_stale_after: float = 30.0  # a connected provider's report older than this is ignored
    min_retry_after: float = 60.0  # the shortest retry-after told to a refused caller
    strategy: str = "longest-idle"  # agent selection policy, see verbund.engine.policies
    # The service-level goal (for wallboards and alerts, not for routing): this share of the
    # contacts answered within ``service_level_target`` seconds (None: the node's default).
    service_level_goal: float = 0.8
    service_level_target: float | None = None

    def __post_init__(self) -> None:
        positive = {
            "offer_timeout": self.offer_timeout,
            "redial_window": self.redial_window,
            "ewt_granularity": self.ewt_granularity,
            "callback_retry_delay": self.callback_retry_delay,
            "default_aht": self.default_aht,
            "report_stale_after": self.report_stale_after,
        }
        for name, value in positive.items():
            _check_number(name, value, allow_zero=False)
        optional = {
            "wrap_up": self.wrap_up,
            "callback_offer_ewt": self.callback_offer_ewt,
            "max_ewt": self.max_ewt,
            "min_retry_after": self.min_retry_after,
        }
        for name, optional_value in optional.items():
            if optional_value is not None:
                _check_number(name, optional_value, allow_zero=True)
        _check_number("decline_pause", self.decline_pause, allow_zero=True)
        if not isinstance(self.auto_answer, bool):
            raise ConfigurationError(f"auto_answer {self.auto_answer!r}: expected true or false")
        if self.service_level_target is not None:
            _check_number("service_level_target", self.service_level_target, allow_zero=False)
        goal = self.service_level_goal
        if (
            not isinstance(goal, int | float)
            or isinstance(goal, bool)
            or not math.isfinite(goal)
            or not 0.0 < goal <= 1.0
        ):
            raise ConfigurationError(
                f"service_level_goal: expected a share above 0 and at most 1 (0.8 = 80 %), "
                f"got {goal!r}"
            )
        if self.announce_interval is not None:
            _check_number("announce_interval", self.announce_interval, allow_zero=False)
        if self.max_no_answers < 1:
            raise ConfigurationError("max_no_answers: expected at least 1")
        if self.callback_max_attempts < 1:
            raise ConfigurationError("callback_max_attempts: expected at least 1")
        if self.max_queue_length is not None and self.max_queue_length < 0:
            raise ConfigurationError("max_queue_length: expected 0 or more")
        if not 0.0 < self.aht_smoothing <= 1.0:
            raise ConfigurationError("aht_smoothing: expected a weight in (0, 1]")
        if not self.level_waits or self.level_waits[0] != 0.0:
            raise ConfigurationError("level_waits: expected a list starting with 0 (level 1)")
        if any(b < a for a, b in zip(self.level_waits, self.level_waits[1:], strict=False)):
            raise ConfigurationError("level_waits: expected non-decreasing waits")

    def level_wait(self, level: int) -> float:
        """How long a contact waits before agents with this skill level may take it."""
        waits = self.level_waits
        return waits[level - 1] if level <= len(waits) else waits[-1]


def _check_number(name: str, value: float, *, allow_zero: bool) -> None:
    if not isinstance(value, int | float) or math.isnan(value) or math.isinf(value):
        raise ConfigurationError(f"{name}: expected a number of seconds, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "0 or more" if allow_zero else "more than 0"
        raise ConfigurationError(f"{name}: expected {bound} seconds, got {value!r}")


@dataclass(frozen=True, slots=True)
class HotlineConfig:
    name: str
    topics: tuple[TopicSpec, ...]
    providers: tuple[ProviderSpec, ...] = ()
    agents: tuple[AgentSpec, ...] = ()
    rules: RoutingRules = field(default_factory=RoutingRules)
