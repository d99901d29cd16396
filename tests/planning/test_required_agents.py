"""``required_agents`` finds the true minimum: n agents meet every goal and n - 1 do not."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verbund.planning import erlang_a, required_agents, service_level
from verbund.planning.staffing import gross_up, smallest_meeting

LOADS = [0.05, 0.7, 1.0, 3.3, 12.0, 50.0, 180.0, 500.0, 2_000.0, 5_000.0, 20_000.0, 100_000.0]
GOALS = [(20.0, 0.8), (0.0, 0.5), (60.0, 0.95), (10.0, 0.2), (15.0, 0.999)]


def erlang_c_meets(load: float, agents: int, aht: float, target: float, goal: float) -> bool:
    return agents > load and service_level(load, agents, aht, target) >= goal


@pytest.mark.parametrize("load", LOADS)
@pytest.mark.parametrize(("target", "goal"), GOALS)
def test_required_agents_is_the_smallest_count_meeting_the_service_level(
    load: float, target: float, goal: float
) -> None:
    aht = 300.0
    rate = load / aht
    agents = required_agents(rate, aht, target, goal)
    a = rate * aht
    assert erlang_c_meets(a, agents, aht, target, goal)
    assert not erlang_c_meets(a, agents - 1, aht, target, goal)


@settings(max_examples=300, deadline=None)
@given(
    load=st.floats(0.01, 100_000.0),
    aht=st.floats(5.0, 3_600.0),
    target=st.floats(0.0, 600.0),
    goal=st.floats(0.01, 0.999),
)
def test_required_agents_is_minimal_for_any_erlang_c_inputs(
    load: float, aht: float, target: float, goal: float
) -> None:
    rate = load / aht
    agents = required_agents(rate, aht, target, goal)
    a = rate * aht
    assert erlang_c_meets(a, agents, aht, target, goal)
    assert not erlang_c_meets(a, agents - 1, aht, target, goal)


def test_required_agents_matches_a_linear_scan_for_small_queues() -> None:
    for load in (0.2, 1.0, 4.5, 17.0, 60.0):
        for target, goal in GOALS:
            agents = math.floor(load) + 1
            while not erlang_c_meets(load, agents, 180.0, target, goal):
                agents += 1
            assert required_agents(load / 180.0, 180.0, target, goal) == agents


@pytest.mark.parametrize("load", [1.0, 12.0, 180.0, 2_000.0, 20_000.0])
@pytest.mark.parametrize("max_occupancy", [0.7, 0.85, 0.97])
def test_required_agents_keeps_occupancy_at_or_below_the_maximum(
    load: float, max_occupancy: float
) -> None:
    aht = 300.0
    rate = load / aht
    a = rate * aht
    agents = required_agents(rate, aht, 20.0, 0.8, max_occupancy=max_occupancy)
    assert a / agents <= max_occupancy
    assert erlang_c_meets(a, agents, aht, 20.0, 0.8)
    below = agents - 1
    assert a / below > max_occupancy or not erlang_c_meets(a, below, aht, 20.0, 0.8)


def erlang_a_meets(
    rate: float,
    aht: float,
    patience: float,
    agents: int,
    target: float,
    goal: float,
    max_abandon: float | None = None,
    max_occupancy: float | None = None,
) -> bool:
    if agents < 1:
        return False
    result = erlang_a(rate, aht, patience, agents, target)
    return (
        result.service_level >= goal
        and (max_abandon is None or result.p_abandon <= max_abandon)
        and (max_occupancy is None or result.occupancy <= max_occupancy)
    )


ERLANG_A_CASES = [
    # load, patience, target, goal, max_abandon, max_occupancy
    (0.5, 60.0, 20.0, 0.8, None, None),
    (8.0, 30.0, 20.0, 0.5, None, None),
    (120.0, 180.0, 20.0, 0.8, None, None),
    (120.0, 180.0, 20.0, 0.8, 0.01, None),
    (500.0, 120.0, 20.0, 0.8, 0.02, None),
    (500.0, 600.0, 30.0, 0.9, None, 0.9),
    (3_000.0, 90.0, 20.0, 0.3, None, None),
    (20_000.0, 180.0, 20.0, 0.8, 0.05, None),
    (100_000.0, 300.0, 60.0, 0.85, None, 0.95),
]


@pytest.mark.parametrize(
    ("load", "patience", "target", "goal", "max_abandon", "max_occupancy"), ERLANG_A_CASES
)
def test_required_agents_with_patience_is_the_smallest_count_meeting_every_goal(
    load: float,
    patience: float,
    target: float,
    goal: float,
    max_abandon: float | None,
    max_occupancy: float | None,
) -> None:
    aht = 300.0
    rate = load / aht
    agents = required_agents(
        rate,
        aht,
        target,
        goal,
        patience=patience,
        max_abandon=max_abandon,
        max_occupancy=max_occupancy,
    )
    goals = (target, goal, max_abandon, max_occupancy)
    assert erlang_a_meets(rate, aht, patience, agents, *goals)
    assert not erlang_a_meets(rate, aht, patience, agents - 1, *goals)


@settings(max_examples=60, deadline=None)
@given(
    load=st.floats(0.05, 20_000.0),
    patience=st.floats(5.0, 3_000.0),
    target=st.floats(0.0, 120.0),
    goal=st.floats(0.05, 0.99),
    max_abandon=st.one_of(st.none(), st.floats(0.005, 0.5)),
)
def test_required_agents_with_patience_is_minimal_for_any_inputs(
    load: float, patience: float, target: float, goal: float, max_abandon: float | None
) -> None:
    aht = 240.0
    rate = load / aht
    agents = required_agents(rate, aht, target, goal, patience=patience, max_abandon=max_abandon)
    assert erlang_a_meets(rate, aht, patience, agents, target, goal, max_abandon)
    assert not erlang_a_meets(rate, aht, patience, agents - 1, target, goal, max_abandon)


def test_impatient_callers_can_need_fewer_agents_than_the_load() -> None:
    rate, aht = 1_000.0 / 300.0, 300.0
    agents = required_agents(rate, aht, 20.0, 0.5, patience=15.0)
    assert agents < 1_000
    assert erlang_a_meets(rate, aht, 15.0, agents, 20.0, 0.5)
    assert not erlang_a_meets(rate, aht, 15.0, agents - 1, 20.0, 0.5)


def test_a_tighter_abandonment_limit_never_needs_fewer_agents() -> None:
    rate, aht = 500.0 / 300.0, 300.0
    counts = [
        required_agents(rate, aht, 20.0, 0.5, patience=120.0, max_abandon=limit)
        for limit in (0.2, 0.1, 0.05, 0.02, 0.01, 0.005)
    ]
    assert counts == sorted(counts)
    assert counts[0] < counts[-1]


@pytest.mark.parametrize("shrinkage", [0.0, 0.1, 0.3, 0.35, 0.5, 0.9])
def test_required_agents_grosses_up_for_shrinkage(shrinkage: float) -> None:
    rate, aht = 500.0 / 300.0, 300.0
    net = required_agents(rate, aht, 20.0, 0.8)
    gross = required_agents(rate, aht, 20.0, 0.8, shrinkage=shrinkage)
    assert gross * (1.0 - shrinkage) >= net - 1e-9
    assert (gross - 1) * (1.0 - shrinkage) < net - 1e-9


def test_gross_up_is_not_fooled_by_binary_rounding() -> None:
    assert 21 / (1 - 0.3) > 30  # the float division rounds up ...
    assert gross_up(21, 0.3) == 30  # ... but 21 agents at 30 % shrinkage are 30 to schedule
    assert gross_up(1, 0.9) == 10
    assert gross_up(7, 0.0) == 7
    assert gross_up(8, 0.3) == 12
    assert gross_up(0, 0.5) == 0


def test_no_calls_need_no_agents() -> None:
    assert required_agents(0.0, 300.0, 20.0, 0.8) == 0
    assert required_agents(0.0, 300.0, 20.0, 0.8, patience=60.0, shrinkage=0.3) == 0


def test_a_higher_service_level_goal_never_needs_fewer_agents() -> None:
    counts = [required_agents(5.0, 300.0, 20.0, goal) for goal in (0.5, 0.7, 0.8, 0.9, 0.99)]
    assert counts == sorted(counts)


@settings(max_examples=300, deadline=None)
@given(
    answer=st.integers(1, 1_000_000),
    start=st.integers(-10, 2_000_000),
    step=st.integers(1, 1_000),
    shape=st.sampled_from(["step", "linear", "tanh", "sqrt", "cube"]),
    width=st.floats(0.5, 1e5),
)
def test_the_search_finds_the_smallest_count_of_any_monotone_goal(
    answer: int, start: int, step: int, shape: str, width: float
) -> None:
    def margin(n: int) -> float:
        evaluations.append(n)
        x = (n - answer + 0.5) / width
        return {
            "step": 1.0 if x > 0 else -1.0,
            "linear": x,
            "tanh": math.tanh(x),
            "sqrt": math.copysign(math.sqrt(abs(x)), x),
            "cube": x**3,
        }[shape]

    evaluations: list[int] = []
    assert smallest_meeting(margin, start, lowest=1, step=step) == answer
    assert len(evaluations) <= 80
    assert len(set(evaluations)) == len(evaluations)  # never the same count twice
