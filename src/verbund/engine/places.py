"""A sorted list of places that also answers "how many come before this one?" cheaply.

A place is ``(first arrival, arrival sequence, contact)``. The engine hands out sequence numbers in
the order of time, so the sequence alone orders places exactly as the whole tuple does, and the
list sorts and searches plain integers (comparing two tuples costs several times more).

Places are kept in blocks of at most ``2 * LOAD``, each a list of sequences with the places beside
it, with each block's largest sequence and its length in two more lists. Finding a place is two
C-level bisections over integers (the blocks' maxima, then one block); its rank adds the lengths
of the blocks before it, one C-level ``sum`` over a slice of small integers. Nothing is rebuilt on
a change: an insertion or a removal updates one block, its maximum and its length (and splits a
full block, joins a small one with its neighbour, drops an empty one). So the rank of a waiting
contact, asked for every periodic announcement, costs a few builtin calls.

New arrivals always have the largest sequence of their queue, so adding to the end, the common
case, is an ``append``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from itertools import chain

from mypy_extensions import mypyc_attr

Place = tuple[float, int, str]  # (first arrival, arrival sequence, contact id)

LOAD = 1000  # a block is split in two when it holds more than twice this


@mypyc_attr(serializable=True)  # picklable also when compiled (see docs/architecture.md)
class Places:
    """Places with distinct sequences, in ascending order; ``rank`` counts those before one."""

    __slots__ = ("_blocks", "_keys", "_lens", "_maxes")

    def __init__(self) -> None:
        self._keys: list[list[int]] = []  # per block: the sequences, ascending
        self._blocks: list[list[Place]] = []  # per block: the places, in the same order
        self._maxes: list[int] = []  # per block: its last (largest) sequence
        self._lens: list[int] = []  # per block: its length

    def __len__(self) -> int:
        return sum(self._lens)

    def __bool__(self) -> bool:
        return bool(self._lens)

    def __iter__(self) -> Iterator[Place]:
        return chain.from_iterable(self._blocks)

    def first(self) -> Place:
        """The place with the smallest sequence (the list must not be empty)."""
        return self._blocks[0][0]

    def add(self, place: Place) -> None:
        key = place[1]
        maxes = self._maxes
        if not maxes:
            self._keys.append([key])
            self._blocks.append([place])
            maxes.append(key)
            self._lens.append(1)
            return
        if key > maxes[-1]:  # the common case: a new arrival goes to the end
            i = len(maxes) - 1
            self._keys[i].append(key)
            self._blocks[i].append(place)
            maxes[i] = key
        else:
            i = bisect_left(maxes, key)
            keys = self._keys[i]
            j = bisect_left(keys, key)
            keys.insert(j, key)
            self._blocks[i].insert(j, place)
        self._lens[i] += 1
        if self._lens[i] > 2 * LOAD:
            self._split(i)

    def remove(self, place: Place) -> None:
        """Remove ``place``; ``ValueError`` if it is not in the list."""
        key = place[1]
        maxes = self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            raise ValueError(f"{place!r} is not in the list")
        keys = self._keys[i]
        j = bisect_left(keys, key)
        if keys[j] != key or self._blocks[i][j] != place:
            raise ValueError(f"{place!r} is not in the list")
        del keys[j], self._blocks[i][j]
        if not keys:
            del self._keys[i], self._blocks[i], maxes[i], self._lens[i]
            return
        self._lens[i] -= 1
        if j == len(keys):
            maxes[i] = keys[-1]
        if self._lens[i] < LOAD // 8 and i + 1 < len(maxes):
            self._merge(i)

    def rank(self, place: Place) -> int:
        """How many places in the list come before ``place`` (in the list or not)."""
        key = place[1]
        maxes = self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            return sum(self._lens)
        if i:
            return sum(self._lens[:i]) + bisect_left(self._keys[i], key)
        return bisect_left(self._keys[0], key)

    def _merge(self, i: int) -> None:
        """Join a small block with the next one, so that blocks do not dwindle to a few each."""
        self._keys[i] += self._keys[i + 1]
        self._blocks[i] += self._blocks[i + 1]
        self._maxes[i] = self._maxes[i + 1]
        self._lens[i] += self._lens[i + 1]
        del self._keys[i + 1], self._blocks[i + 1], self._maxes[i + 1], self._lens[i + 1]
        if self._lens[i] > 2 * LOAD:
            self._split(i)

    def _split(self, i: int) -> None:
        keys, block = self._keys[i], self._blocks[i]
        self._keys.insert(i + 1, keys[LOAD:])
        self._blocks.insert(i + 1, block[LOAD:])
        del keys[LOAD:], block[LOAD:]
        self._maxes.insert(i, keys[-1])
        self._lens[i] = LOAD
        self._lens.insert(i + 1, len(self._keys[i + 1]))
