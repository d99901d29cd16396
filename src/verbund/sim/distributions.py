"""Random durations for the simulator, drawn from NumPy in batches.

A :class:`Distribution` is a plain value (kind and parameters, all times in seconds);
``stream(rng)`` turns it into a zero-argument function that returns the next draw. Draws come from
NumPy ``batch`` at a time and are handed out one by one, so the per-event cost is one generator
step instead of one NumPy call.

Kinds: ``exponential`` (mean), ``fixed`` (the mean, always), ``lognormal`` (mean and either the
coefficient of variation or sigma of the underlying normal), ``gamma`` (mean and either the
coefficient of variation or the shape) and ``infinite`` (never: a caller who never hangs up).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

KINDS = ("exponential", "fixed", "lognormal", "gamma", "infinite")
BATCH = 4096

Draw = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Distribution:
    """A distribution of durations in seconds.

    ``shape`` is sigma of the underlying normal for ``lognormal`` and the shape ``k`` for
    ``gamma``; it is unused for the other kinds.
    """

    kind: str
    mean: float = math.inf
    shape: float = 0.0

    @classmethod
    def exponential(cls, mean: float) -> Distribution:
        return cls("exponential", float(mean))

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        return cls("fixed", float(value))

    @classmethod
    def infinite(cls) -> Distribution:
        return cls("infinite")

    @classmethod
    def lognormal(
        cls, mean: float, *, cv: float | None = None, sigma: float | None = None
    ) -> Distribution:
        if sigma is None:
            sigma = math.sqrt(math.log1p((cv or 0.0) ** 2))
        return cls("lognormal", float(mean), float(sigma))

    @classmethod
    def gamma(
        cls, mean: float, *, cv: float | None = None, shape: float | None = None
    ) -> Distribution:
        if shape is None:
            shape = 1.0 / (cv or 1.0) ** 2
        return cls("gamma", float(mean), float(shape))

    @property
    def is_infinite(self) -> bool:
        return self.kind == "infinite"

    def stream(self, rng: np.random.Generator, batch: int = BATCH) -> Draw:
        """A function returning the next draw; consumes ``rng`` ``batch`` draws at a time."""
        kind = self.kind
        if kind == "infinite":
            return itertools.repeat(math.inf).__next__
        if kind == "fixed" or self.mean == 0.0:
            return itertools.repeat(self.mean).__next__
        mean, shape = self.mean, self.shape
        sampler: Callable[[int], np.ndarray]
        if kind == "exponential":

            def sampler(n: int) -> np.ndarray:
                return rng.exponential(mean, n)

        elif kind == "lognormal":
            mu = math.log(mean) - shape * shape / 2.0

            def sampler(n: int) -> np.ndarray:
                return rng.lognormal(mu, shape, n)

        elif kind == "gamma":
            scale = mean / shape

            def sampler(n: int) -> np.ndarray:
                return rng.gamma(shape, scale, n)

        else:  # pragma: no cover - the scenario reader allows only KINDS
            raise ValueError(f"unknown distribution kind {kind!r}")
        return _batches(sampler, batch).__next__

    def describe(self) -> str:
        """Short text for tables, e.g. ``exponential mean 180 s``."""
        if self.kind == "infinite":
            return "infinite"
        if self.kind == "fixed":
            return f"fixed {self.mean:g} s"
        extra = ""
        if self.kind == "lognormal":
            extra = f", sigma {self.shape:g}"
        elif self.kind == "gamma":
            extra = f", shape {self.shape:g}"
        return f"{self.kind} mean {self.mean:g} s{extra}"


def _batches(sampler: Callable[[int], np.ndarray], batch: int) -> Iterator[float]:
    """The draws of ``sampler(batch)``, one batch after the other, drawn when the last runs out:
    an iterator of C's (chain, map, repeat), so that each draw costs no Python frame."""
    arrays = map(sampler, itertools.repeat(batch))
    return itertools.chain.from_iterable(map(np.ndarray.tolist, arrays))


def uniform_stream(rng: np.random.Generator, batch: int = BATCH) -> Draw:
    """Uniform draws on [0, 1), batched like the durations (for yes/no decisions)."""
    return _batches(rng.random, batch).__next__
