"""Stationary hotlines agree with queueing theory: Erlang A (M/M/n+M) with exponential patience,
Erlang C (M/M/n) with callers who never hang up, from small to large (10 to 1,000 Erlangs).

Each comparison checks that the formula's value lies within the confidence interval of the mean
over independent replications. There are 15 comparisons, so each interval is a 99.7 % Student-t
interval (Bonferroni: 5 % / 15 per comparison): if the simulator is right, the whole set passes
with 95 % probability; a real bias of the size of a 95 % interval fails it.
"""

from __future__ import annotations

import pytest

from verbund.planning import average_speed_of_answer, erlang_a, service_level
from verbund.sim.results import half_width

from ._scenarios import run, stationary

AHT = 300.0
PATIENCE = 180.0
TARGET = 20.0
CONFIDENCE = 1.0 - 0.05 / 15

# (name, load in Erlangs, agents for Erlang A, agents for Erlang C, replications, hours, warm-up)
SIZES = [
    ("small", 10.0, 11, 13, 12, "24h", "1h"),
    ("medium", 100.0, 100, 106, 6, "6h", "1h"),
    ("large", 1000.0, 990, 1025, 4, "2h", "30m"),
]


def _check(document: dict, key: str, expected: float) -> None:
    values = [r[key] for r in document["replications"]]
    mean = sum(values) / len(values)
    width = half_width(values, CONFIDENCE)
    assert width is not None
    assert abs(mean - expected) <= width, (
        f"{key}: simulated {mean:.4f} ± {width:.4f} (99.7 %), theory {expected:.4f}"
    )


@pytest.mark.parametrize(("name", "load", "agents", "_c", "reps", "hours", "warmup"), SIZES)
def test_erlang_a_service_level_abandonment_and_asa(
    name: str, load: float, agents: int, _c: int, reps: int, hours: str, warmup: str
) -> None:
    rate = load / AHT * 3600.0
    document = run(
        stationary(
            rate_per_hour=rate, agents=agents, duration=hours, warmup=warmup, replications=reps
        )
    )
    theory = erlang_a(rate / 3600.0, AHT, PATIENCE, agents, TARGET)
    _check(document, "service_level", theory.service_level)
    _check(document, "p_abandon", theory.p_abandon)
    _check(document, "asa", theory.asa)


@pytest.mark.parametrize(("name", "load", "_a", "agents", "reps", "hours", "warmup"), SIZES)
def test_erlang_c_service_level_and_asa_with_infinite_patience(
    name: str, load: float, _a: int, agents: int, reps: int, hours: str, warmup: str
) -> None:
    rate = load / AHT * 3600.0
    document = run(
        stationary(
            rate_per_hour=rate,
            agents=agents,
            patience='"infinite"',
            duration=hours,
            warmup=warmup,
            replications=reps,
        )
    )
    assert document["kpis"]["abandoned"] == 0
    _check(document, "service_level", service_level(load, agents, AHT, TARGET))
    _check(document, "asa", average_speed_of_answer(load, agents, AHT))
