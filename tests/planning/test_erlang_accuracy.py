"""Erlang B and C agree with a 40-digit reference to 1e-9 relative, from 1 to 100,000 Erlangs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verbund.planning import average_speed_of_answer, erlang_b, erlang_c, service_level

from . import _reference as reference

TOLERANCE = 1e-9

# Log-spaced loads from 1 to 100,000 Erlangs, plus awkward non-integers.
LOADS = sorted(
    {float(a) for a in np.round(np.logspace(0, 5, 21), 6)} | {1.5, 7.25, 333.3, 4999.9, 99999.5}
)


def agents_above(load: float) -> list[int]:
    """Just above the load, around square-root staffing, and far above."""
    root = math.sqrt(load)
    lowest = math.floor(load) + 1
    offsets = [0.0, 0.3 * root, root, 2.0 * root, 4.0 * root, 10.0 * root, load, 9.0 * load]
    return sorted({lowest, lowest + 1, *(lowest + math.ceil(o) for o in offsets)})


def agents_below(load: float) -> list[int]:
    root = math.sqrt(load)
    candidates = [load - 1.0, load - 3.0 * root, load - 10.0 * root, load - 40.0 * root, 0.5 * load]
    return sorted({math.floor(c) for c in candidates if c >= 0.0} | {0})


@pytest.mark.parametrize("load", LOADS)
def test_erlang_b_matches_the_reference_above_and_below_the_load(load: float) -> None:
    for agents in agents_above(load) + agents_below(load):
        exact = reference.erlang_b(load, agents)
        if exact < 1e-300:  # below what a float can hold
            assert erlang_b(load, agents) < 1e-290
            continue
        error = reference.relative_error(erlang_b(load, agents), exact)
        assert error <= TOLERANCE, (load, agents, error)


@pytest.mark.parametrize("load", LOADS)
def test_erlang_c_matches_the_reference_just_above_and_far_above_the_load(load: float) -> None:
    for agents in agents_above(load):
        exact = reference.erlang_c(load, agents)
        if exact < 1e-300:
            assert erlang_c(load, agents) < 1e-290
            continue
        error = reference.relative_error(erlang_c(load, agents), exact)
        assert error <= TOLERANCE, (load, agents, error)


@pytest.mark.parametrize("load", LOADS)
@pytest.mark.parametrize(("aht", "target"), [(300.0, 20.0), (45.0, 0.0), (600.0, 180.0)])
def test_service_level_matches_the_reference(load: float, aht: float, target: float) -> None:
    for agents in agents_above(load):
        exact = reference.service_level(load, agents, aht, target)
        error = reference.relative_error(service_level(load, agents, aht, target), exact)
        assert error <= TOLERANCE, (load, agents, aht, target, error)


@pytest.mark.parametrize("load", LOADS)
def test_average_speed_of_answer_matches_the_reference(load: float) -> None:
    for agents in agents_above(load):
        exact = reference.average_speed_of_answer(load, agents, 300.0)
        if exact < 1e-300:
            continue
        error = reference.relative_error(average_speed_of_answer(load, agents, 300.0), exact)
        assert error <= TOLERANCE, (load, agents, error)


def test_erlang_b_agrees_with_the_classic_recursion_for_small_systems() -> None:
    for load in (0.1, 1.0, 2.5, 10.0, 42.0):
        b = 1.0
        for agents in range(1, 120):
            b = load * b / (agents + load * b)
            assert erlang_b(load, agents) == pytest.approx(b, rel=1e-12)


def test_erlang_b_with_no_agents_blocks_everything() -> None:
    assert erlang_b(5.0, 0) == 1.0


def test_no_load_means_no_blocking_no_waiting_and_full_service() -> None:
    assert erlang_b(0.0, 3) == 0.0
    assert erlang_c(0.0, 1) == 0.0
    assert service_level(0.0, 1, 300.0, 20.0) == 1.0
    assert average_speed_of_answer(0.0, 1, 300.0) == 0.0


def test_service_level_target_zero_is_the_chance_of_not_waiting() -> None:
    assert service_level(80.0, 90, 300.0, 0.0) == pytest.approx(1.0 - erlang_c(80.0, 90))


def test_service_level_accepts_integers_and_numpy_numbers() -> None:
    expected = service_level(500.0, 513, 300.0, 20.0)
    assert service_level(500, 513, 300, 20) == expected
    assert service_level(np.float64(500.0), np.int64(513), np.float32(300.0), 20.0) == expected
