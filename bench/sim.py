"""Simulator: Verbund's driver of the real engine against Ciw and SimPy, side by side.

The same Erlang A model (M/M/n+M) in all three: Poisson arrivals at 100 per minute, exponential
handling with mean 5 minutes, 513 agents, exponential patience with mean 3 minutes, 200,000
callers; then the same at 5,000 agents with the arrival rate scaled to keep the load per agent.
Verbund runs the full routing engine (offers, states; without the notices for wallboards, which
the simulator does not read) for every caller, with the engine's core and the driver compiled by
mypyc from their Python source as ``make bench`` builds them (the section says whether they were);
Ciw and SimPy run plain queueing models. Speed is callers per second of CPU time, including
set-up. The three KPIs (service level within 20 s, abandonment, ASA) are computed the same way
for every tool, over callers arriving between 30 minutes after the start and 30 minutes before
the last arrival (15 % of the run for shorter runs), and compared with Erlang A from
``verbund.planning``.

Ciw's cost per caller grows with the number of servers and with how full the system is; at
5,000 agents it is measured on fewer callers (said so in the table), which flatters it: a
shorter run spends more of its time in the empty start-up. Last, the full launch-day scenario
(``scenarios/launch-day.toml``) is timed once, then as many replications as there are cores
(up to 4) side by side.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ciw
import numpy as np
import simpy

from bench.machine import how_built
from verbund.engine import Engine
from verbund.planning import erlang_a
from verbund.sim import Scenario, load_scenario, parse_scenario, run_replication, simulate
from verbund.sim.driver import O_ABANDONED, O_ANSWERED

AHT = 300.0
PATIENCE = 180.0
TARGET = 20.0
RATE_513 = 100.0 / 60.0  # per second
CALLERS = 200_000
CIW_CALLERS_5000 = 40_000
REPEAT = 3
MARGIN = 1800.0
LAUNCH = Path(__file__).resolve().parent.parent / "scenarios" / "launch-day.toml"

KPIs = tuple[float, float, float]  # service level, abandonment, ASA


def _kpis(
    arrived: np.ndarray, answered: np.ndarray, abandoned: np.ndarray, waits: np.ndarray
) -> KPIs:
    margin = min(MARGIN, 0.15 * arrived.max())  # short runs: a shorter warm-up
    window = (arrived >= margin) & (arrived < arrived.max() - margin)
    offered = np.count_nonzero(window)
    served = window & answered
    level = np.count_nonzero(served & (waits <= TARGET)) / offered
    return level, np.count_nonzero(window & abandoned) / offered, float(waits[served].mean())


def _scenario(agents: int, rate: float, callers: int, seed: int) -> Scenario:
    duration = callers / rate
    return parse_scenario(
        f"""
[simulation]
duration = {duration}
seed = {seed}
[[topics]]
name = "t"
[arrivals]
rate_per_hour = {rate * 3600.0}
[callers]
patience = {{ dist = "exponential", mean = {PATIENCE} }}
[handling]
aht = {{ dist = "exponential", mean = {AHT} }}
[[providers]]
name = "A"
agents = {agents}
skills = ["t:de"]
""",
        source="bench",
    )


def verbund(agents: int, rate: float, callers: int, seed: int) -> tuple[int, KPIs]:
    scenario = _scenario(agents, rate, callers, seed)
    trace = run_replication(scenario)
    first = trace.attempt > 0
    return int(np.count_nonzero(first)), _kpis(
        trace.arrived,
        trace.outcome == O_ANSWERED,
        trace.outcome == O_ABANDONED,
        trace.wait,
    )


def ciw_run(agents: int, rate: float, callers: int, seed: int) -> tuple[int, KPIs]:
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate)],
        service_distributions=[ciw.dists.Exponential(1.0 / AHT)],
        number_of_servers=[agents],
        reneging_time_distributions=[ciw.dists.Exponential(1.0 / PATIENCE)],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_customers(callers, method="Arrive")
    records = simulation.get_all_records()
    arrived = np.array([r.arrival_date for r in records])
    served = np.array([r.record_type == "service" for r in records])
    waits = np.array([r.waiting_time for r in records])
    return callers, _kpis(arrived, served, ~served, waits)


def simpy_run(agents: int, rate: float, callers: int, seed: int) -> tuple[int, KPIs]:
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / rate, callers).tolist()
    services = rng.exponential(AHT, callers).tolist()
    patience = rng.exponential(PATIENCE, callers).tolist()
    arrived = np.zeros(callers)
    waits = np.zeros(callers)
    served = np.zeros(callers, dtype=bool)
    env = simpy.Environment()
    desks = simpy.Resource(env, capacity=agents)

    def caller(i: int):  # type: ignore[no-untyped-def]
        start = env.now
        arrived[i] = start
        with desks.request() as request:
            got = yield request | env.timeout(patience[i])
            waits[i] = env.now - start
            if request in got:
                served[i] = True
                yield env.timeout(services[i])

    def source():  # type: ignore[no-untyped-def]
        for i in range(callers):
            yield env.timeout(gaps[i])
            env.process(caller(i))

    env.process(source())
    env.run()
    return callers, _kpis(arrived, served, ~served, waits)


def _timed(run: Callable[[], tuple[int, KPIs]]) -> tuple[float, int, KPIs]:
    """CPU seconds of the process for ``run`` (being descheduled on the shared machine does not
    count), the callers it simulated and its KPIs."""
    started = time.process_time()
    callers, kpis = run()
    return time.process_time() - started, callers, kpis


def _engine_share(agents: int, rate: float, callers: int) -> tuple[float, float, int]:
    """Seconds per command inside ``Engine.handle`` and in total: the simulator's run, then the
    very commands it gave the engine replayed into a fresh engine alone."""
    scenario = _scenario(agents, rate, callers, 99)
    started = time.process_time()
    run_replication(scenario)
    total = time.process_time() - started
    log: list[tuple[float, Any]] = []
    run_replication(scenario, command_log=log)
    engine = Engine(scenario.engine_config(), notices=False)
    handle = engine.handle
    started = time.process_time()
    for now, command in log:
        handle(command, now)
    return (time.process_time() - started) / len(log), total / len(log), len(log)


def _case(
    agents: int,
    ciw_callers: int,
    ciw_repeat: int,
    lines: list[str],
    verdicts: list[str],
    goal: float,
) -> dict[str, float]:
    """Runs the three tools side by side; returns the median callers per second of each."""
    rate = RATE_513 * agents / 513
    theory = erlang_a(rate, AHT, PATIENCE, agents, TARGET)
    runs: dict[str, list[tuple[float, int, KPIs]]] = {"Verbund": [], "Ciw": [], "SimPy": []}
    for r in range(REPEAT):
        seed = 10 + r
        runs["Verbund"].append(_timed(lambda s=seed: verbund(agents, rate, CALLERS, s)))
        if r < ciw_repeat:
            runs["Ciw"].append(_timed(lambda s=seed: ciw_run(agents, rate, ciw_callers, s)))
        runs["SimPy"].append(_timed(lambda s=seed: simpy_run(agents, rate, CALLERS, s)))
    speed = {
        name: statistics.median(callers / seconds for seconds, callers, _ in results)
        for name, results in runs.items()
    }
    for name, results in runs.items():
        kpis = [k for _, _, k in results]
        level = statistics.mean(k[0] for k in kpis)
        abandon = statistics.mean(k[1] for k in kpis)
        asa = statistics.mean(k[2] for k in kpis)
        callers = results[0][1]
        seconds = statistics.median(s for s, _, _ in results)
        lines.append(
            f"| {agents:,} | {name} | {callers:,} | {seconds:.1f} "
            f"| {speed[name]:,.0f} | {speed['Verbund'] / speed[name]:.1f}× "
            f"| {level:.3f} | {abandon:.4f} | {asa:.1f} |"
        )
    lines.append(
        f"| {agents:,} | Erlang A | | | | | {theory.service_level:.3f} | "
        f"{theory.p_abandon:.4f} | {theory.asa:.1f} |"
    )
    ratio = speed["Verbund"] / speed["Ciw"]
    verdicts.append(
        f"* {agents:,} agents: Verbund {ratio:.1f}× Ciw's callers per second "
        f"(target ≥ {goal:.0f}×): **{'met' if ratio >= goal else 'not met'}**; "
        f"{speed['Verbund'] / speed['SimPy']:.1f}× SimPy's."
    )
    return speed


def run() -> str:
    lines = [
        "| agents | tool | callers | CPU seconds | callers/s | Verbund ÷ tool "
        "| service level | abandoned | ASA s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts: list[str] = []
    speed = _case(513, CALLERS, REPEAT, lines, verdicts, 10.0)
    _case(5000, CIW_CALLERS_5000, REPEAT, lines, verdicts, 100.0)
    per_command, all_in, commands = _engine_share(513, RATE_513, 50_000)
    per_caller = commands / 50_000
    needed = 1e6 / (10.0 * speed["Ciw"])  # µs per caller that 10× Ciw allows
    budget = (
        f"* What 10× Ciw at 513 agents asks: {10.0 * speed['Ciw']:,.0f} callers per second, "
        f"{needed:.1f} µs per caller all-in. Verbund spends {1e6 / speed['Verbund']:.1f} µs per "
        f"caller, of which {per_command * per_caller * 1e6:.1f} µs inside `Engine.handle` "
        f"({per_caller:.1f} commands per caller): the engine alone takes "
        f"{per_command * per_caller * 1e6 / needed:.1f}× the whole budget; "
        f"SimPy, which runs no engine at all, takes {1e6 / speed['SimPy']:.1f} µs."
    )

    scenario = load_scenario(LAUNCH)
    started, wall = time.process_time(), time.perf_counter()
    trace = run_replication(scenario)
    launch_seconds = time.process_time() - started
    launch_wall = time.perf_counter() - wall
    attempts = int(np.count_nonzero(trace.attempt > 0))
    callers = int(np.count_nonzero(trace.attempt == 1))
    launch = (
        f"Full launch day (`scenarios/launch-day.toml`: 24 h, 12 providers, 2,500 agents at the "
        f"peak): {attempts:,} attempts by {callers:,} callers (plus "
        f"{len(trace.attempt) - attempts:,} callback requests), {trace.commands:,} engine "
        f"commands, in {launch_seconds:.1f} s of CPU ({launch_wall:.1f} s wall) "
        f"({trace.commands / launch_seconds:,.0f} commands/s; target under 60 s: "
        f"**{'met' if launch_seconds < 60 else 'not met'}**)."
    )
    cores = len(os.sched_getaffinity(0))
    jobs = min(cores, 4)
    if jobs > 1:
        wall = time.perf_counter()
        simulate(scenario.with_options(replications=jobs), jobs=jobs)
        together = time.perf_counter() - wall
        launch += (
            f" {jobs} replications of it side by side (`--jobs {jobs}`, {cores} cores): "
            f"{together:.1f} s wall, {jobs * launch_wall / together:.1f}× as fast as one "
            "after the other."
        )
    return "\n".join(
        [
            "## Simulator: Verbund against Ciw and SimPy (Erlang A)",
            "",
            f"Erlang A model, AHT {AHT:.0f} s, patience {PATIENCE:.0f} s, 100 arrivals per minute "
            f"per 513 agents; {CALLERS:,} callers (Ciw at 5,000 agents: "
            f"{CIW_CALLERS_5000:,} callers a run: it is too slow for more within the time "
            "budget, and its KPIs then include more of the start from empty). Medians of "
            f"{REPEAT} runs with different seeds, the tools alternating; KPIs are means over "
            "those runs, next to Erlang A. Near full load (97.5 % per agent) the KPIs of single "
            "runs scatter: compare them with the scatter between tools, not to the last digit. "
            "Speed is callers per CPU second of the process, set-up included (the machine is "
            "shared: being descheduled does not count). Verbund's engine core and driver ran "
            f"{how_built()}.",
            "",
            *lines,
            "",
            *verdicts,
            f"* Time inside `Engine.handle`: {per_command * 1e6:.1f} µs per command, "
            f"{all_in * 1e6:.1f} µs per command all-in ({commands:,} commands for 50,000 "
            f"callers: about {commands / 50_000:.1f} per caller), so the engine is "
            f"{per_command / all_in:.0%} of the simulator's time.",
            budget,
            f"* {launch}",
        ]
    )


if __name__ == "__main__":
    print(run())
