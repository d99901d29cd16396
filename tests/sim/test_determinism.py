"""Same scenario, same seed: the same result, bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

from verbund.sim import load_scenario, simulate

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _json(document: dict) -> str:
    return json.dumps(document, sort_keys=True, allow_nan=False)


def test_the_same_seed_gives_the_same_json_bit_for_bit() -> None:
    # The regional example exercises everything random: lognormal and gamma times, think time,
    # manual wrap-up, redials, callbacks, a connected provider and shifts.
    scenario = load_scenario(SCENARIOS / "regional.toml").with_options(replications=2)
    first, second = simulate(scenario), simulate(scenario)
    assert _json(first) == _json(second)


def test_another_seed_gives_another_result() -> None:
    scenario = load_scenario(SCENARIOS / "stationary.toml").with_options(replications=1)
    assert _json(simulate(scenario)) != _json(simulate(scenario.with_options(seed=2)))


def test_replications_are_independent_and_have_confidence_intervals() -> None:
    scenario = load_scenario(SCENARIOS / "stationary.toml").with_options(replications=3)
    document = simulate(scenario)
    runs = document["replications"]
    assert len(runs) == 3
    assert len({run["offered"] for run in runs}) == 3
    assert document["ci95"]["service_level"] > 0
    assert document["intervals"][-1]["ci95"]["offered"] is not None
