"""Limits for what the public may send: token buckets keyed by client address or conversation.

    starts = RateLimiter(rate=30, per=60.0, what="new chats from your address")
    starts.check(request.client.host)        # raises TooManyRequests with a retry-after

A bucket holds ``rate`` tokens and refills at ``rate / per`` a second, so bursts up to ``rate``
pass and a steady stream is held to the rate. The buckets live in this process only (one node's
memory; several nodes each count their own), and are forgotten all at once when there are more
than ``max_keys`` of them — at worst a flood gets a fresh allowance, never an unbounded table.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from verbund.web.errors import TooManyRequests

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(
        self,
        *,
        rate: int,
        per: float,
        what: str,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.rate = rate
        self.per = per
        self.what = what
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def check(self, key: str) -> None:
        """Take one token for ``key``, or raise :class:`TooManyRequests`."""
        now = self.clock()
        tokens, when = self._buckets.get(key, (float(self.rate), now))
        tokens = min(float(self.rate), tokens + (now - when) * self.rate / self.per)
        if tokens < 1.0:
            wait = (1.0 - tokens) * self.per / self.rate
            raise TooManyRequests(
                f"too many {self.what}: at most {self.rate} in {self.per:g} s; "
                f"try again in {math.ceil(wait)} s",
                retry_after=wait,
            )
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._buckets.clear()
        self._buckets[key] = (tokens - 1.0, now)
