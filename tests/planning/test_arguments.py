"""Bad arguments are refused with a PlanningError that names the argument and says why."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from verbund.errors import PlanningError, VerbundError
from verbund.planning import (
    average_speed_of_answer,
    erlang_a,
    erlang_b,
    erlang_c,
    required_agents,
    service_level,
)

GOOD: dict[Callable[..., Any], dict[str, Any]] = {
    erlang_b: {"load": 10.0, "agents": 12},
    erlang_c: {"load": 10.0, "agents": 12},
    service_level: {"load": 10.0, "agents": 12, "aht": 180.0, "target": 20.0},
    average_speed_of_answer: {"load": 10.0, "agents": 12, "aht": 180.0},
    erlang_a: {"arrival_rate": 0.1, "aht": 180.0, "patience": 60.0, "agents": 12, "target": 20.0},
    required_agents: {"arrival_rate": 0.1, "aht": 180.0, "target": 20.0, "service_level": 0.8},
}

NAN, INF = math.nan, math.inf

# (argument, bad values, words the message must contain)
NUMBER_CASES = {
    "load": ([-1.0, NAN, INF, "10", None, True], "load"),
    "arrival_rate": ([-0.1, NAN, INF, "fast", True], "arrival_rate"),
    "aht": ([0.0, -180.0, NAN, INF, "3m", None, False], "aht"),
    "target": ([-1.0, NAN, INF, "20s"], "target"),
    "patience": ([0.0, -60.0, NAN, INF, "1m"], "patience"),
    "agents": ([-1, 12.5, 12.0, "12", NAN, None, True], "agents"),
    "service_level": ([0.0, 1.0, -0.2, 1.2, 80.0, NAN, "80%"], "service_level"),
}


def bad_calls() -> list[Any]:
    return [
        pytest.param(
            function,
            {**good, argument: value},
            word,
            id=f"{function.__name__}-{argument}={value!r}",
        )
        for function, good in GOOD.items()
        for argument, (values, word) in NUMBER_CASES.items()
        if argument in good
        for value in values
    ]


@pytest.mark.parametrize(("function", "arguments", "word"), bad_calls())
def test_bad_arguments_are_refused_naming_the_argument(
    function: Callable[..., Any], arguments: dict[str, Any], word: str
) -> None:
    with pytest.raises(PlanningError, match=word):
        function(**arguments)


def test_planning_errors_are_value_errors_and_verbund_errors() -> None:
    with pytest.raises(ValueError, match="aht") as caught:
        service_level(10.0, 12, 0.0, 20.0)
    assert isinstance(caught.value, VerbundError)


@pytest.mark.parametrize("agents", [5, 10])
def test_erlang_c_refuses_agents_not_above_load(agents: int) -> None:
    with pytest.raises(PlanningError, match=r"more agents than the load.*erlang_a"):
        erlang_c(10.0, agents)


@pytest.mark.parametrize("function", [service_level, average_speed_of_answer])
def test_erlang_c_measures_refuse_agents_not_above_load(function: Callable[..., Any]) -> None:
    arguments = {**GOOD[function], "agents": 10}
    with pytest.raises(PlanningError, match="agents=10 is not above load=10"):
        function(**arguments)


def test_erlang_a_refuses_zero_agents() -> None:
    with pytest.raises(PlanningError, match="agents must be at least 1"):
        erlang_a(0.1, 180.0, 60.0, 0, 20.0)


@pytest.mark.parametrize("shrinkage", [-0.1, 1.0, 1.5, NAN, INF, "30%"])
def test_required_agents_refuses_shrinkage_outside_zero_to_one(shrinkage: Any) -> None:
    with pytest.raises(PlanningError, match="shrinkage"):
        required_agents(0.1, 180.0, 20.0, 0.8, shrinkage=shrinkage)


@pytest.mark.parametrize("max_occupancy", [0.0, -0.5, 1.01, NAN])
def test_required_agents_refuses_max_occupancy_outside_zero_to_one(max_occupancy: float) -> None:
    with pytest.raises(PlanningError, match="max_occupancy"):
        required_agents(0.1, 180.0, 20.0, 0.8, max_occupancy=max_occupancy)


@pytest.mark.parametrize("max_abandon", [0.0, 1.0, -0.1, NAN])
def test_required_agents_refuses_max_abandon_outside_zero_to_one(max_abandon: float) -> None:
    with pytest.raises(PlanningError, match="max_abandon"):
        required_agents(0.1, 180.0, 20.0, 0.8, patience=60.0, max_abandon=max_abandon)


def test_required_agents_refuses_max_abandon_without_patience() -> None:
    with pytest.raises(PlanningError, match="max_abandon needs patience"):
        required_agents(0.1, 180.0, 20.0, 0.8, max_abandon=0.05)


def test_messages_say_what_was_given() -> None:
    with pytest.raises(PlanningError, match=r"aht must be a finite number above 0 seconds, got 0"):
        service_level(10.0, 12, 0.0, 20.0)
    with pytest.raises(PlanningError, match=r"agents must be a whole number.*12\.5"):
        erlang_b(10.0, 12.5)  # type: ignore[arg-type]
