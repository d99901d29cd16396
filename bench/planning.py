"""Staffing math: Verbund's O(1) Erlang C against pyworkforce's ``ErlangC``, side by side.

pyworkforce (``pyworkforce.queuing.ErlangC``) recomputes Erlang B with a loop over every agent
for each evaluation, and ``required_positions`` steps one agent at a time from the load, so its
costs grow with the load (and the square of it). Verbund evaluates Erlang B in O(1) through the
incomplete gamma function and searches from a square-root staffing estimate.

Both get the same inputs: AHT 300 s, target 20 s, service-level goal 0.8. Timings are medians of
repeated ``timeit`` runs, the two libraries alternating within each repeat.
"""

from __future__ import annotations

import statistics
import timeit
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from verbund.planning import (
    ForecastRow,
    Goals,
    parse_forecast,
    plan_requirements,
    required_agents,
    service_level,
)

AHT = 300.0
TARGET = 20.0
GOAL = 0.8
INTERVAL = 900.0
LOADS = (500.0, 5_000.0, 20_000.0)
SERVICE_LEVEL_TARGETS = {500.0: 10.0, 5_000.0: 100.0, 20_000.0: 300.0}
REQUIRED_TARGETS = {500.0: 20.0, 5_000.0: 300.0, 20_000.0: 1_000.0}
DAY_PEAK = 10_000.0
DAY_TARGET_MS = 10.0
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "forecast.csv"


def _per_call(function: Callable[[], object], number: int) -> float:
    return timeit.Timer(function).timeit(number) / number


def _side_by_side(
    ours: Callable[[], object],
    theirs: Callable[[], object],
    budget: float = 1.5,
    repeat: int = 11,
) -> tuple[float, float]:
    """Median seconds per call of each, alternating; ``number`` sized to ``budget`` seconds."""
    our_number = max(1, int(budget / repeat / 2 / max(_per_call(ours, 3), 1e-9)))
    their_number = max(1, int(budget / repeat / 2 / max(_per_call(theirs, 1), 1e-9)))
    our_times, their_times = [], []
    for _ in range(repeat):
        our_times.append(_per_call(ours, our_number))
        their_times.append(_per_call(theirs, their_number))
    return statistics.median(our_times), statistics.median(their_times)


def _time(function: Callable[[], object], repeat: int = 15) -> float:
    number = max(1, int(0.05 / max(_per_call(function, 1), 1e-9)))
    return statistics.median(_per_call(function, number) for _ in range(repeat))


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


def _day(peak: float) -> list[ForecastRow]:
    """The example day (two topics, 96 intervals) scaled to ``peak`` Erlangs at its busiest."""
    with EXAMPLE.open(encoding="utf-8") as handle:
        rows = parse_forecast(handle, str(EXAMPLE))
    loads: dict[object, float] = {}
    for row in rows:
        loads[row.interval_start] = (
            loads.get(row.interval_start, 0.0) + row.calls / INTERVAL * row.aht
        )
    scale = peak / max(loads.values())
    return [replace(row, calls=row.calls * scale) for row in rows]


def _compare(load: float, erlang_c: type[Any]) -> tuple[list[str], str, bool]:
    """Timing rows, the answers row, and whether everything agreed and met its target."""
    theirs = erlang_c(transactions=load * INTERVAL / AHT, aht=AHT, asa=TARGET, interval=INTERVAL)
    rate = load / AHT
    intensity = theirs.intensity
    their_agents = theirs.required_positions(GOAL)["raw_positions"]
    our_agents = required_agents(rate, AHT, TARGET, GOAL)
    their_level = theirs.service_level(their_agents)
    our_level = service_level(intensity, our_agents, AHT, TARGET)
    difference = abs(our_level - their_level) / their_level
    ok = our_agents == their_agents and difference < 1e-9
    answer = (
        f"| {load:,.0f} | {their_agents:,} | {our_agents:,} | {their_level:.12f} | "
        f"{our_level:.12f} | {difference:.1e}{'' if ok else ' **DIFFER**'} |"
    )
    cases = [
        (
            "service level",
            lambda: service_level(intensity, our_agents, AHT, TARGET),
            lambda: theirs.service_level(their_agents),
            SERVICE_LEVEL_TARGETS[load],
        ),
        (
            "required agents",
            lambda: required_agents(rate, AHT, TARGET, GOAL),
            lambda: theirs.required_positions(GOAL),
            REQUIRED_TARGETS[load],
        ),
    ]
    rows = []
    for measure, ours, reference, target in cases:
        our_time, their_time = _side_by_side(ours, reference)
        ratio = their_time / our_time
        met = ratio >= target
        ok &= met
        rows.append(
            f"| {load:,.0f} | {measure} | {_duration(their_time)} | {_duration(our_time)} | "
            f"{ratio:,.0f}x | ≥{target:,.0f}x | {'pass' if met else '**FAIL**'} |"
        )
    return rows, answer, ok


def run() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pyworkforce.queuing import ErlangC

    lines = [
        "## Planning: Erlang C against pyworkforce",
        "",
        f"Same inputs for both: AHT {AHT:g} s, target {TARGET:g} s, service-level goal {GOAL:g}; "
        "pyworkforce's `ErlangC(transactions=load x 900 / AHT, interval=900, aht, asa=target)`.",
        "Medians of 11 alternating `timeit` repeats per cell; ratio = pyworkforce / Verbund.",
        "",
        "| load (Erlangs) | measure | pyworkforce | Verbund | ratio | target | verdict |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    answers = [
        "",
        "Both give the same answers:",
        "",
        "| load | agents (pyworkforce) | agents (Verbund) | service level (pyworkforce) | "
        "service level (Verbund) | relative difference |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    all_pass = True
    for load in LOADS:
        timing_rows, answer_row, ok = _compare(load, ErlangC)
        lines += timing_rows
        answers.append(answer_row)
        all_pass &= ok
    lines += answers

    rows = _day(DAY_PEAK)
    scaled_csv = ["interval_start,topic,calls,aht"] + [
        f"{row.interval_start.isoformat()},{row.topic},{row.calls!r},{row.aht!r}" for row in rows
    ]
    plan_time = _time(lambda: plan_requirements(rows))
    parse_and_plan = _time(lambda: plan_requirements(parse_forecast(scaled_csv)))
    patient = Goals(patience=180.0, max_abandon=0.05)
    erlang_a_time = _time(lambda: plan_requirements(rows, patient), repeat=5)
    peak = max(plan_requirements(rows), key=lambda r: r.load)

    def pyworkforce_day() -> None:
        for row in rows:
            if row.calls > 0:
                ErlangC(
                    transactions=row.calls, aht=row.aht, asa=TARGET, interval=INTERVAL
                ).required_positions(GOAL)

    their_day = statistics.median(_per_call(pyworkforce_day, 1) for _ in range(3))
    day_ok = plan_time * 1e3 < DAY_TARGET_MS
    all_pass &= day_ok
    lines += [
        "",
        f"A 96-interval day: the example day (two topics) scaled to {DAY_PEAK:,.0f} Erlangs at "
        f"its peak ({peak.start:%H:%M}, {peak.agents:,} agents), {len(rows)} queues; "
        "requirement, expected service level and answer speed for every topic and interval.",
        "",
        "| day plan | median | target | verdict |",
        "|---|---:|---:|---|",
        f"| Erlang C, `plan_requirements` | {_duration(plan_time)} | <{DAY_TARGET_MS:g} ms | "
        f"{'pass' if day_ok else '**FAIL**'} |",
        f"| Erlang C, parsing the CSV lines too | {_duration(parse_and_plan)} | | |",
        f"| Erlang A (patience 180 s, abandon ≤ 5 %) | {_duration(erlang_a_time)} | | |",
        f"| pyworkforce `required_positions` for the same queues (3 runs) | "
        f"{_duration(their_day)} | | |",
        "",
        f"Verdict: {'all targets met' if all_pass else '**some targets missed**'}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
