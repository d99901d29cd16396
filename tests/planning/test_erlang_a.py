"""Erlang A (M/M/n+M) against the Markov chain it describes and against 40-digit formulas."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from verbund.planning import ErlangA, erlang_a, erlang_c, service_level
from verbund.planning import average_speed_of_answer as erlang_c_asa

from . import _reference as reference

TOLERANCE = 1e-9
FIELDS = ("p_wait", "p_abandon", "service_level", "asa", "occupancy")

# (arrival rate per second, AHT s, patience s, agents, target s): around the load, below it,
# impatient and patient callers, a zero target.
CHAIN_CASES = [
    (1.0, 180.0, 120.0, 180, 20.0),
    (1.0, 180.0, 120.0, 150, 20.0),
    (1.0, 180.0, 120.0, 200, 60.0),
    (0.2, 300.0, 60.0, 50, 30.0),
    (0.2, 300.0, 60.0, 75, 30.0),
    (0.05, 300.0, 600.0, 10, 60.0),
    (0.05, 300.0, 600.0, 25, 20.0),
    (0.5, 60.0, 20.0, 20, 10.0),
    (0.5, 60.0, 20.0, 35, 0.0),
    (2.0, 200.0, 300.0, 380, 0.0),
    (0.01, 240.0, 30.0, 1, 20.0),
    (0.3, 400.0, 4000.0, 118, 20.0),
]


@pytest.mark.parametrize(("arrival_rate", "aht", "patience", "agents", "target"), CHAIN_CASES)
def test_erlang_a_matches_the_markov_chain(
    arrival_rate: float, aht: float, patience: float, agents: int, target: float
) -> None:
    chain = reference.erlang_a_chain(arrival_rate, aht, patience, agents, target)
    result = erlang_a(arrival_rate, aht, patience, agents, target)
    for field in FIELDS:
        expected = getattr(chain, field)
        assert getattr(result, field) == pytest.approx(expected, rel=TOLERANCE, abs=1e-300), field


def _sweep_cases(count: int, seed: int) -> list[tuple[float, float, float, int, float]]:
    """Loads 1 to 100,000 Erlangs; agents from far below to far above; patience 3 % to 30x AHT."""
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        load = 10.0 ** (5.0 * index / (count - 1))
        aht = rng.choice([30.0, 180.0, 300.0, 600.0])
        patience = aht * 10.0 ** rng.uniform(-1.5, 1.5)
        spread = math.sqrt(load) * 10.0 ** rng.uniform(-1.0, 1.3)
        agents = max(1, int(load + rng.choice([-1.0, 1.0]) * spread))
        cases.append((load / aht, aht, patience, agents, rng.choice([0.0, 10.0, 20.0, 60.0])))
    return cases


@pytest.mark.parametrize(
    ("arrival_rate", "aht", "patience", "agents", "target"),
    _sweep_cases(36, seed=116117),
    ids=lambda value: f"{value:.4g}" if isinstance(value, float) else str(value),
)
def test_erlang_a_matches_the_high_precision_formulas_up_to_100000_erlangs(
    arrival_rate: float, aht: float, patience: float, agents: int, target: float
) -> None:
    exact = reference.erlang_a(arrival_rate, aht, patience, agents, target)
    result = erlang_a(arrival_rate, aht, patience, agents, target)
    for field in FIELDS:
        if exact[field] < 1e-300:
            continue
        error = reference.relative_error(getattr(result, field), exact[field])
        assert error <= TOLERANCE, (field, error)


def test_erlang_a_tends_to_erlang_c_when_callers_never_hang_up() -> None:
    load, agents, aht = 180.0, 190, 180.0
    result = erlang_a(load / aht, aht, 1e9, agents, 20.0)
    assert result.p_wait == pytest.approx(erlang_c(load, agents), rel=1e-5)
    assert result.service_level == pytest.approx(service_level(load, agents, aht, 20.0), rel=1e-5)
    assert result.asa == pytest.approx(erlang_c_asa(load, agents, aht), rel=1e-4)
    assert result.p_abandon < 1e-6


@pytest.mark.parametrize("agents", [1, 50, 99, 100])
def test_erlang_a_stays_finite_with_agents_at_or_below_the_load(agents: int) -> None:
    result = erlang_a(1.0, 100.0, 90.0, agents, 20.0)
    assert 0.0 < result.p_abandon < 1.0
    assert 0.0 < result.p_wait <= 1.0
    assert 0.0 <= result.service_level < 1.0
    assert 0.0 < result.asa < math.inf
    assert 0.0 < result.occupancy <= 1.0


@pytest.mark.parametrize(
    ("arrival_rate", "aht", "patience"),
    [(1.0, 180.0, 120.0), (0.05, 300.0, 10.0), (10.0, 300.0, 3000.0), (0.01, 300.0, 30.0)],
)
def test_erlang_a_improves_with_every_agent(
    arrival_rate: float, aht: float, patience: float
) -> None:
    load = arrival_rate * aht
    previous = erlang_a(arrival_rate, aht, patience, 1, 20.0)
    for agents in range(2, int(2 * load + 10 * math.sqrt(load) + 10)):
        result = erlang_a(arrival_rate, aht, patience, agents, 20.0)
        assert result.service_level >= previous.service_level * (1.0 - 1e-12)
        assert result.p_abandon <= previous.p_abandon * (1.0 + 1e-12)
        assert result.occupancy <= previous.occupancy * (1.0 + 1e-12)
        previous = result


def test_erlang_a_without_calls_answers_everything_at_once() -> None:
    assert erlang_a(0.0, 300.0, 60.0, 3, 20.0) == ErlangA(0.0, 0.0, 1.0, 0.0, 0.0)


def test_erlang_a_service_level_counts_abandoned_calls_as_missed() -> None:
    result = erlang_a(1.0, 180.0, 30.0, 170, 3600.0)
    # With a target longer than anyone waits, only those who hang up miss it.
    assert result.service_level == pytest.approx(1.0 - result.p_abandon, rel=1e-12)


def test_erlang_a_result_is_frozen() -> None:
    result = erlang_a(1.0, 180.0, 120.0, 180, 20.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.asa = 0.0  # type: ignore[misc]
