"""Helpers: scenarios written inline as TOML, as a user would write them."""

from __future__ import annotations

from typing import Any

from verbund.sim import Scenario, parse_scenario, simulate


def stationary(
    *,
    rate_per_hour: float,
    agents: int,
    aht: str = "5m",
    patience: str = '{ dist = "exponential", mean = "3m" }',
    duration: str = "8h",
    warmup: str = "1h",
    replications: int = 5,
    seed: int = 1,
    target: str = "20s",
    routing: str = "",
    callers: str = "",
    shifts: list[tuple[int, int, int]] | None = None,
) -> Scenario:
    """Constant Poisson arrivals, exponential handling, fixed agents, instant answers.

    ``shifts``: (start hour, end hour, agents) instead of fixed agents.
    """
    staffing = f"agents = {agents}"
    if shifts is not None:
        listed = ", ".join(
            f'{{ start = "{a:02d}:00", end = "{b:02d}:00", agents = {n} }}' for a, b, n in shifts
        )
        staffing = f"shifts = [{listed}]"
    text = f"""
[simulation]
duration = "{duration}"
warmup = "{warmup}"
seed = {seed}
replications = {replications}

[hotline]
name = "test"
service_level_target = "{target}"

[[topics]]
name = "termin"

[arrivals]
rate_per_hour = {rate_per_hour}

[callers]
patience = {patience}
{callers}

[handling]
aht = {{ dist = "exponential", mean = "{aht}" }}

[[providers]]
name = "A"
{staffing}
skills = ["termin:de"]

[routing]
{routing}
"""
    return parse_scenario(text, source="test.toml")


def run(scenario: Scenario) -> dict[str, Any]:
    return simulate(scenario)
