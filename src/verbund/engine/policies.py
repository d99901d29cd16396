"""Routing policies: small functions with written tie-break rules, chosen by configuration.

* **Provider choice** (``RoutingRules.strategy``) picks among providers that can take a contact
  now (pooled with an available agent: delay 0) or soon (connected: their expected delay).
* **Expected wait** estimates a waiting contact's wait from its position, the queue's recent handle
  time and the capacity serving it.
* **Admission** decides whether a new attempt may join a queue at all.
* **Connected delay** turns a provider's status report into an expected delay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from verbund.engine.config import RoutingRules
from verbund.engine.records import quick_init
from verbund.errors import ConfigurationError


# Both are made for every contact placed among several providers: each has an ``__init__`` of
# its own, native when compiled (see verbund.engine.records).
@dataclass(frozen=True, init=False)
class Candidate:
    """A provider that could take a contact: ``agent`` for pooled ones, ``None`` for connected."""

    provider: str
    delay: float  # expected seconds until answered; 0 for an available pooled agent
    since: float  # when its first available agent became available (pooled), else report time
    agent: str | None

    def __init__(self, provider: str, delay: float, since: float, agent: str | None) -> None:
        self.provider = provider  # type: ignore[misc]
        self.delay = delay  # type: ignore[misc]
        self.since = since  # type: ignore[misc]
        self.agent = agent  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class Shares:
    """Contracted shares (normalised) and how many contacts each provider was given so far."""

    target: Mapping[str, float]
    assigned: Mapping[str, int]
    total: int

    def __init__(
        self, target: Mapping[str, float], assigned: Mapping[str, int], total: int
    ) -> None:
        self.target = target  # type: ignore[misc]
        self.assigned = assigned  # type: ignore[misc]
        self.total = total  # type: ignore[misc]

    def deficit(self, provider: str) -> float:
        """How many contacts the provider is behind its share, counting the one being placed."""
        return self.target.get(provider, 0.0) * (self.total + 1) - self.assigned.get(provider, 0)

    def under_cap(self, provider: str) -> bool:
        return self.deficit(provider) > 0.0


quick_init(Candidate)  # interpreted: the same __init__ would meet the frozen refusal
quick_init(Shares)

ProviderChoice = Callable[[Sequence[Candidate], Shares], Candidate]


def longest_idle_with_shares(candidates: Sequence[Candidate], shares: Shares) -> Candidate:
    """Least expected delay first; then the provider furthest below its contracted share; then the
    agent available longest; then the provider name. Only candidates that can take the contact
    are ever passed in, so a contact never waits while an eligible agent is available."""
    return min(
        candidates, key=lambda c: (c.delay, -shares.deficit(c.provider), c.since, c.provider)
    )


def longest_idle(candidates: Sequence[Candidate], shares: Shares) -> Candidate:
    """Least expected delay, then the agent available longest across all providers; shares are
    ignored (except as the cap for connected providers, applied before the choice)."""
    return min(candidates, key=lambda c: (c.delay, c.since, c.provider))


STRATEGIES: dict[str, ProviderChoice] = {
    "longest-idle": longest_idle_with_shares,
    "global-longest-idle": longest_idle,
}


def provider_choice(strategy: str) -> ProviderChoice:
    try:
        return STRATEGIES[strategy]
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise ConfigurationError(f"strategy {strategy!r}: expected one of {known}") from None


def expected_wait(position: int, aht: float, serving: int) -> float | None:
    """Position × handle time ÷ serving capacity; ``None`` when nobody serves the queue."""
    if serving <= 0:
        return None
    return position * aht / serving


def admission(
    rules: RoutingRules, waiting: int, ewt: float | None, serving: int, aht: float
) -> tuple[str, float] | None:
    """``None`` to admit, else ``(reason, retry_after)``. The retry-after is how long the queue
    needs to drain back under the limit, never less than ``rules.min_retry_after``, rounded up to
    a whole minute so callers hear a plain number."""
    retry: float
    if rules.max_queue_length is not None and waiting >= rules.max_queue_length:
        excess = waiting - rules.max_queue_length + 1
        retry = excess * aht / max(serving, 1)
        reason = "queue_full"
    elif rules.max_ewt is not None and ewt is None:
        retry, reason = rules.min_retry_after or 0.0, "no_agents"
    elif rules.max_ewt is not None and ewt is not None and ewt > rules.max_ewt:
        retry, reason = ewt - rules.max_ewt, "max_ewt"
    else:
        return None
    retry = max(retry, rules.min_retry_after or 0.0)
    return reason, 60.0 * math.ceil(retry / 60.0)


def connected_delay(ready: int, waiting: int, handle_time: float, serving: int) -> float:
    """0 when an agent is ready, else (waiting + 1) × handle time ÷ max(serving agents, 1)."""
    if ready > 0:
        return 0.0
    return (waiting + 1) * handle_time / max(serving, 1)
