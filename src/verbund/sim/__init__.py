"""Surge rehearsal: the real routing engine in virtual time, with modelled callers and agents.

    scenario = load_scenario("scenarios/launch-day.toml")
    result = simulate(scenario)            # the JSON document of ``verbund simulate --json``
    result["kpis"]["service_level"]

* ``scenario``: the TOML format, checked once (:class:`ScenarioError` names file, key and what is
  expected);
* ``driver``: the discrete-event driver around :class:`verbund.engine.Engine`;
* ``results``: KPIs per replication, means and 95 % confidence half-widths over replications;
* ``report``: one self-contained HTML file comparing one or more scenarios.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verbund.sim.distributions import Distribution
from verbund.sim.driver import Trace, run_replication
from verbund.sim.errors import ScenarioError
from verbund.sim.results import KPIS, replication_kpis, summarize
from verbund.sim.scenario import Scenario, load_scenario, parse_scenario

__all__ = [
    "KPIS",
    "Distribution",
    "Scenario",
    "ScenarioError",
    "Trace",
    "load_scenario",
    "parse_scenario",
    "run_replication",
    "simulate",
]


def simulate(
    scenario: Scenario, progress: Callable[[int, float], None] | None = None
) -> dict[str, Any]:
    """Run every replication of ``scenario`` and summarise them (see ``verbund.sim.results``).

    ``progress(replication, fraction)`` is called now and then while it runs.
    """
    runs = []
    for r in range(scenario.replications):
        report = None if progress is None else (lambda f, r=r: progress(r, f))
        trace = run_replication(scenario, r, report)
        runs.append(replication_kpis(scenario, trace))
    return summarize(scenario, runs)
