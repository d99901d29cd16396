"""Surge rehearsal: the real routing engine in virtual time, with modelled callers and agents.

    scenario = load_scenario("scenarios/launch-day.toml")
    result = simulate(scenario)            # the JSON document of ``verbund simulate --json``
    result["kpis"]["service_level"]

* ``scenario``: the TOML format, checked once (:class:`ScenarioError` names file, key and what is
  expected);
* ``driver``: the discrete-event driver around :class:`verbund.engine.Engine`;
* ``results``: KPIs per replication, means and 95 % confidence half-widths over replications;
* ``parallel``: replications in several processes at once;
* ``report``: one self-contained HTML file comparing one or more scenarios.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verbund.sim.distributions import Distribution
from verbund.sim.driver import Trace, run_replication
from verbund.sim.errors import ScenarioError
from verbund.sim.parallel import run_in_processes
from verbund.sim.results import KPIS, replication_kpis, summarize
from verbund.sim.scenario import Scenario, load_scenario, parse_scenario

__all__ = [
    "KPIS",
    "PARALLEL_FROM_ATTEMPTS",
    "Distribution",
    "Scenario",
    "ScenarioError",
    "Trace",
    "load_scenario",
    "parse_scenario",
    "run_replication",
    "simulate",
]


# Starting a worker process costs about a second (a fresh interpreter imports NumPy and the
# engine); below this many first attempts in all (a few seconds of work) one process is quicker.
PARALLEL_FROM_ATTEMPTS = 150_000


def simulate(
    scenario: Scenario,
    progress: Callable[[int, float], None] | None = None,
    *,
    jobs: int = 1,
) -> dict[str, Any]:
    """Run every replication of ``scenario`` and summarise them (see ``verbund.sim.results``).

    ``progress(replication, fraction)`` is called now and then while it runs, for each
    replication. With ``jobs`` > 1 the replications run in up to that many processes at once
    (see :mod:`verbund.sim.parallel`), unless the whole run is too small to repay starting them;
    each replication has its own random streams, so the result is the same, bit for bit,
    however many jobs run them.
    """
    if jobs < 1:
        raise ScenarioError(f"jobs: expected 1 or more, got {jobs}")
    size = scenario.expected_first_attempts() * scenario.replications
    if jobs > 1 and scenario.replications > 1 and size >= PARALLEL_FROM_ATTEMPTS:
        runs = run_in_processes(scenario, min(jobs, scenario.replications), progress)
    else:
        runs = []
        for r in range(scenario.replications):
            report = None if progress is None else (lambda f, r=r: progress(r, f))
            trace = run_replication(scenario, r, report)
            runs.append(replication_kpis(scenario, trace))
    return summarize(scenario, runs)
