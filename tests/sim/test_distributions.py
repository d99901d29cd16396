"""Distributions draw what their parameters say, and the time spans add up over intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verbund.sim import Distribution
from verbund.sim.results import _covered


@pytest.mark.parametrize(
    "distribution",
    [
        Distribution.exponential(180.0),
        Distribution.lognormal(360.0, cv=0.6),
        Distribution.lognormal(360.0, sigma=0.8),
        Distribution.gamma(300.0, cv=0.8),
        Distribution.gamma(300.0, shape=4.0),
        Distribution.fixed(20.0),
    ],
    ids=lambda d: d.describe(),
)
def test_draws_have_the_mean_and_spread_asked_for(distribution: Distribution) -> None:
    draw = distribution.stream(np.random.default_rng(5))
    values = np.array([draw() for _ in range(200_000)])
    assert values.mean() == pytest.approx(distribution.mean, rel=0.01)
    expected_cv = {
        "exponential": 1.0,
        "fixed": 0.0,
        "lognormal": math.sqrt(math.expm1(distribution.shape**2)),
        "gamma": 1.0 / math.sqrt(distribution.shape) if distribution.shape else 0.0,
    }[distribution.kind]
    assert values.std() / values.mean() == pytest.approx(expected_cv, abs=0.02)


def test_infinite_never_comes() -> None:
    draw = Distribution.infinite().stream(np.random.default_rng(1))
    assert draw() == math.inf


def test_spans_are_split_over_intervals() -> None:
    starts = np.array([0.0, 50.0, 150.0, 250.0])
    ends = np.array([100.0, 250.0, 150.0, 400.0])
    edges = np.array([0.0, 100.0, 200.0, 300.0])
    inside = np.diff(_covered(starts, ends, edges))
    assert inside.tolist() == [150.0, 100.0, 100.0]
    weighted = np.diff(_covered(starts, ends, edges, np.array([2.0, 1.0, 1.0, 1.0])))
    assert weighted.tolist() == [250.0, 100.0, 100.0]
