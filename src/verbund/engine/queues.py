"""Waiting contacts of one queue, in order: priority (higher first), then first arrival.

Each priority has its own sorted list of ``(first_arrival, sequence, contact)`` (``Places``). New
arrivals land at the end of their list; a reclaimed redial, a declined offer or a callback due
again goes back to its original place. Adding, removing and finding a contact's position cost a
few C-level bisections and a sum over block lengths, however many wait, and finding the best
contact a given skill level may take looks only at the head of each priority's list: the head is
the longest waiting, so if it has not waited long enough for that level, nobody behind it has.
"""

from __future__ import annotations

from collections.abc import Iterator

from mypy_extensions import mypyc_attr

from verbund.engine.config import QueueKey
from verbund.engine.places import Place, Places

__all__ = ["ContactQueue", "Place"]


@mypyc_attr(serializable=True)  # picklable also when compiled (see docs/architecture.md)
class ContactQueue:
    __slots__ = (
        "_by_priority",
        "_priorities",
        "aht",
        "key",
        "last_notice",
        "live",
        "serving",
        "waiting",
    )

    def __init__(self, key: QueueKey, aht: float) -> None:
        self.key = key
        self._by_priority: dict[int, Places] = {}
        self._priorities: list[int] = []  # descending
        self.waiting = 0
        self.live = 0  # of them, calls on the line (the rest are callbacks); kept by the engine
        self.aht = aht  # moving average of handle times (talk + wrap-up) in this queue
        self.serving = 0  # capacity of logged-in agents who have the skill
        self.last_notice: tuple[int, float | None] | None = None

    def add(self, priority: int, place: Place) -> None:
        places = self._by_priority.get(priority)
        if places is None:
            places = self._by_priority[priority] = Places()
            self._priorities.append(priority)
            self._priorities.sort(reverse=True)
        places.add(place)
        self.waiting += 1

    def remove(self, priority: int, place: Place) -> None:
        self._by_priority[priority].remove(place)
        self.waiting -= 1

    def position(self, priority: int, place: Place) -> int:
        """1-based place of a contact that is (or would be) at ``place``."""
        by_priority = self._by_priority
        places = by_priority.get(priority)
        if places is not None and len(by_priority) == 1:  # the common case: one priority
            return places.rank(place) + 1
        ahead = 0
        for other in self._priorities:
            places = by_priority[other]
            if other > priority:
                ahead += len(places)
            elif other == priority:
                ahead += places.rank(place)
                break
            else:
                break
        return ahead + 1

    def best(self, arrived_by: float) -> tuple[int, Place] | None:
        """The first contact in order that arrived no later than ``arrived_by``."""
        for priority in self._priorities:
            places = self._by_priority[priority]
            if places:
                first = places.first()
                if first[0] <= arrived_by:
                    return priority, first
        return None

    def in_order(self) -> Iterator[Place]:
        """The places of waiting contacts in order, lazily; do not change the queue meanwhile."""
        for priority in self._priorities:
            yield from self._by_priority[priority]

    def places(self) -> list[tuple[int, Place]]:
        """All waiting contacts in order (for snapshots and tests; O(n))."""
        return [(p, place) for p in self._priorities for place in self._by_priority[p]]
