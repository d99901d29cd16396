"""KPIs from a replication's trace, and their means and confidence intervals over replications.

Every KPI counts the contacts that *arrived* after the warm-up and before the end of the
simulated duration (the simulation runs on without arrivals until they are all resolved, up to the
scenario's ``drain``):

``offered``
    attempts (a redial is another attempt); ``callers``: people whose first attempt it was.
``answered``
    answered on the line (by a pooled agent or a connected provider) plus callbacks answered.
``abandoned``, ``rejected``, ``callbacks``
    hung up while waiting; refused by admission control; took a callback (offered while
    waiting, or requested after a refusal). ``callbacks_answered``, ``callbacks_failed``: what
    became of them. ``unfinished``: still unresolved when the simulation stopped.
``service_level``
    answered on the line within the hotline's target ÷ offered (abandoned and rejected count).
``p_abandon``
    abandoned ÷ offered.
``asa``
    mean wait in seconds of the calls answered on the line; ``max_wait``: the longest anyone
    waited on the line (answered or not); ``callback_wait``: mean time from callback request to
    the conversation.
``occupancy``
    agents' time on contacts (reserved, talking, wrapping up, dialling) ÷ their logged-in time.

Per 15-minute interval the contacts are those that arrived in it (and occupancy is the time within
it); per topic, those of the topic; per provider, those it answered, with its ``share_of_answered``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from verbund.sim.driver import (
    CB_ANSWERED,
    CB_FAILED,
    O_ABANDONED,
    O_ANSWERED,
    O_CALLBACK,
    O_REJECTED,
    O_UNFINISHED,
    Trace,
)
from verbund.sim.scenario import INTERVAL, Scenario, clock_text

KPIS = (
    "offered",
    "callers",
    "answered",
    "abandoned",
    "rejected",
    "callbacks",
    "callbacks_answered",
    "callbacks_failed",
    "unfinished",
    "service_level",
    "p_abandon",
    "asa",
    "max_wait",
    "callback_wait",
    "occupancy",
)
PROVIDER_KPIS = ("answered", "share_of_answered", "service_level", "asa", "occupancy")

Json = dict[str, Any]


def replication_kpis(scenario: Scenario, trace: Trace) -> Json:
    """Every KPI of one replication: overall, per interval, per topic, per provider."""
    target = scenario.service_level_target
    warmup, duration, end = scenario.warmup, scenario.duration, max(trace.end, scenario.duration)
    arrived = trace.arrived
    in_window = (arrived >= warmup) & (arrived < duration)

    n_intervals = max(1, math.ceil(duration / INTERVAL - 1e-9))
    edges = np.minimum(np.arange(n_intervals + 1) * INTERVAL, duration)
    interval_of = np.minimum((arrived // INTERVAL).astype(np.int64), n_intervals - 1)
    interval_of = np.where(arrived < duration, interval_of, -1)

    # Agents' busy and logged-in time, over the window and per interval, per provider.
    window = np.array([warmup, duration])
    providers = scenario.providers
    busy_window = np.zeros(len(providers))
    busy_interval = np.zeros((len(providers), n_intervals))
    login_window = np.zeros(len(providers))
    login_interval = np.zeros((len(providers), n_intervals))
    for p, provider in enumerate(providers):
        mine = trace.busy_provider == p
        starts, ends = trace.busy_start[mine], trace.busy_end[mine]
        busy_window[p] = np.diff(_covered(starts, ends, window))[0]
        busy_interval[p] = np.diff(_covered(starts, ends, edges))
        if provider.connected:  # its modelled ACD's agents work their shifts
            worked = provider.occurrences(end)
            shift_starts = np.array([s for s, _, _, _ in worked])
            shift_ends = np.array([min(e, end) for _, e, _, _ in worked])
            weights = np.array([float(a) for _, _, a, _ in worked])
        else:  # pooled agents are logged in until they log out after their last contact
            own = trace.login_provider == p
            shift_starts, shift_ends = trace.login_start[own], trace.login_end[own]
            weights = np.ones(len(shift_starts))
        login_window[p] = np.diff(_covered(shift_starts, shift_ends, window, weights))[0]
        login_interval[p] = np.diff(_covered(shift_starts, shift_ends, edges, weights))

    overall = _kpis(trace, in_window, target)
    overall["occupancy"] = _ratio(busy_window.sum(), login_window.sum())

    # Intervals, with the series the report draws.
    live = trace.attempt > 0
    waits = np.diff(_covered(trace.arrived[live], np.minimum(trace.left_queue[live], end), edges))
    lengths = np.diff(edges)
    aht_mean = _mean_aht(scenario)
    queues = scenario.queues()
    intervals = []
    for k in range(n_intervals):
        mask = interval_of == k
        kpis = _kpis(trace, mask, target)
        kpis["occupancy"] = _ratio(busy_interval[:, k].sum(), login_interval[:, k].sum())
        length = float(lengths[k]) or INTERVAL
        agents = float(login_interval[:, k].sum()) / length
        in_k = (trace.sample_times >= edges[k]) & (trace.sample_times < edges[k] + INTERVAL)
        ewt_by_queue = {}
        for j, (topic, language) in enumerate(queues):
            values = trace.ewt_samples[in_k, j] if len(trace.ewt_samples) else np.empty(0)
            values = values[~np.isnan(values)]
            ewt_by_queue[f"{topic}:{language}"] = float(values.mean()) if len(values) else None
        answered_by = {
            provider.name: int(
                np.count_nonzero(mask & (trace.provider == p) & _answered_mask(trace))
            )
            for p, provider in enumerate(providers)
        }
        intervals.append(
            {
                "start": clock_text(scenario.start + float(edges[k])),
                "offset": float(edges[k]),
                "warmup": bool(edges[k] < warmup),
                "kpis": kpis,
                "series": {
                    "arrivals": int(np.count_nonzero(mask & live)),
                    "agents": agents,
                    "capacity": agents * length / aht_mean,
                    "waiting": float(waits[k]) / length,
                    "ewt": ewt_by_queue,
                    "answered_by_provider": answered_by,
                },
            }
        )

    topics = {}
    topic_of_queue = np.array([i for i, t in enumerate(scenario.topics) for _ in t.languages])
    contact_topic = topic_of_queue[trace.queue] if len(trace.queue) else trace.queue
    for i, spec in enumerate(scenario.topics):
        kpis = _kpis(trace, in_window & (contact_topic == i), target)
        kpis["occupancy"] = None  # agents are shared between topics
        topics[spec.name] = kpis

    answered_total = overall["answered"]
    per_provider = {}
    for p, provider in enumerate(providers):
        mask = in_window & (trace.provider == p) & _answered_mask(trace)
        live_mask = mask & (trace.outcome == O_ANSWERED) & (trace.attempt > 0)
        answered = int(np.count_nonzero(mask))
        live_answered = int(np.count_nonzero(live_mask))
        waits_p = trace.wait[live_mask]
        per_provider[provider.name] = {
            "answered": answered,
            "share_of_answered": _ratio(answered, answered_total),
            "service_level": _ratio(int(np.count_nonzero(waits_p <= target)), live_answered),
            "asa": float(waits_p.mean()) if live_answered else None,
            "occupancy": _ratio(busy_window[p], login_window[p]),
        }
    return {
        "kpis": overall,
        "intervals": intervals,
        "topics": topics,
        "providers": per_provider,
        "engine": {"commands": trace.commands, "counters": trace.counters},
    }


def _answered_mask(trace: Trace) -> np.ndarray:
    live: np.ndarray = (trace.outcome == O_ANSWERED) & (trace.attempt > 0)
    answered: np.ndarray = live | (trace.callback == CB_ANSWERED)
    return answered


def _kpis(trace: Trace, mask: np.ndarray, target: float) -> Json:
    outcome = trace.outcome[mask]
    attempt = trace.attempt[mask]
    wait = trace.wait[mask]
    callback = trace.callback[mask]
    is_attempt = attempt > 0
    offered = int(np.count_nonzero(is_attempt))
    live = (outcome == O_ANSWERED) & is_attempt
    live_waits = wait[live]
    abandoned = outcome == O_ABANDONED
    on_line = np.concatenate([live_waits, wait[abandoned]])
    callback_waits = wait[callback == CB_ANSWERED]
    answered_live = int(np.count_nonzero(live))
    callbacks_answered = int(np.count_nonzero(callback == CB_ANSWERED))
    return {
        "offered": offered,
        "callers": int(np.count_nonzero(attempt == 1)),
        "answered": answered_live + callbacks_answered,
        "abandoned": int(np.count_nonzero(abandoned)),
        "rejected": int(np.count_nonzero(outcome == O_REJECTED)),
        "callbacks": int(np.count_nonzero(outcome == O_CALLBACK)),
        "callbacks_answered": callbacks_answered,
        "callbacks_failed": int(np.count_nonzero(callback == CB_FAILED)),
        "unfinished": int(np.count_nonzero((outcome == O_UNFINISHED) & is_attempt)),
        "service_level": _ratio(int(np.count_nonzero(live_waits <= target)), offered),
        "p_abandon": _ratio(int(np.count_nonzero(abandoned)), offered),
        "asa": float(live_waits.mean()) if answered_live else None,
        "max_wait": float(on_line.max()) if len(on_line) else None,
        "callback_wait": float(callback_waits.mean()) if callbacks_answered else None,
        "occupancy": None,
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def _mean_aht(scenario: Scenario) -> float:
    total = sum(t.share for t in scenario.topics)
    aht = scenario.handling.aht.mean
    return sum((t.aht.mean if t.aht else aht) * t.share / total for t in scenario.topics) or aht


def _covered(
    starts: np.ndarray, ends: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """For each edge b: the total length of the spans [start, end) that lies before b
    (each span weighted). Differences of consecutive edges give the time inside each interval."""
    if weights is None:
        weights = np.ones(len(starts))
    ends = np.maximum(ends, starts)
    order_s = np.argsort(starts, kind="stable")
    order_e = np.argsort(ends, kind="stable")
    s_sorted, s_weights = starts[order_s], weights[order_s]
    e_sorted, e_weights = ends[order_e], weights[order_e]
    cum_sw = np.concatenate([[0.0], np.cumsum(s_weights)])
    cum_s = np.concatenate([[0.0], np.cumsum(s_sorted * s_weights)])
    cum_ew = np.concatenate([[0.0], np.cumsum(e_weights)])
    cum_e = np.concatenate([[0.0], np.cumsum(e_sorted * e_weights)])
    i = np.searchsorted(s_sorted, edges, side="left")
    j = np.searchsorted(e_sorted, edges, side="left")
    result: np.ndarray = (cum_sw[i] * edges - cum_s[i]) - (cum_ew[j] * edges - cum_e[j])
    return result


# --- over replications ---------------------------------------------------------------------------


def summarize(scenario: Scenario, replications: Sequence[Json]) -> Json:
    """Means over replications, with 95 % confidence half-widths (Student t) when there are
    several; the JSON document ``verbund simulate --json`` writes."""
    count = len(replications)
    document: Json = {
        "scenario": {
            "name": scenario.name,
            "file": scenario.source,
            "seed": scenario.seed,
            "replications": count,
            "duration": scenario.duration,
            "warmup": scenario.warmup,
            "start": clock_text(scenario.start),
            "service_level_target": scenario.service_level_target,
        },
    }
    document.update(_section([r["kpis"] for r in replications]))
    intervals = []
    for k, first in enumerate(replications[0]["intervals"]):
        runs = [r["intervals"][k] for r in replications]
        entry: Json = {
            "start": first["start"],
            "offset": first["offset"],
            "warmup": first["warmup"],
        }
        entry.update(_section([run["kpis"] for run in runs]))
        entry["series"] = _mean_tree([run["series"] for run in runs])
        intervals.append(entry)
    document["intervals"] = intervals
    document["topics"] = {
        name: _section([r["topics"][name] for r in replications])
        for name in replications[0]["topics"]
    }
    document["providers"] = {
        name: _section([r["providers"][name] for r in replications])
        for name in replications[0]["providers"]
    }
    if count > 1:
        document["replications"] = [r["kpis"] for r in replications]
    document["engine"] = {
        "commands": sum(r["engine"]["commands"] for r in replications),
        "counters": _mean_tree([r["engine"]["counters"] for r in replications]),
    }
    return document


def _section(runs: Sequence[Json]) -> Json:
    keys = list(runs[0])
    section: Json = {"kpis": {key: _mean([run[key] for run in runs]) for key in keys}}
    if len(runs) > 1:
        section["ci95"] = {key: half_width([run[key] for run in runs]) for key in keys}
    return section


def _mean_tree(runs: Sequence[Any]) -> Any:
    first = runs[0]
    if isinstance(first, dict):
        return {key: _mean_tree([run[key] for run in runs]) for key in first}
    return _mean(runs)


def _mean(values: Sequence[Any]) -> Any:
    present = [v for v in values if v is not None]
    if not present:
        return None
    if len(values) == 1:
        return present[0]
    return float(np.mean(present))


def half_width(values: Sequence[Any], confidence: float = 0.95) -> float | None:
    """Half-width of the Student-t confidence interval of the mean of ``values``."""
    present = [float(v) for v in values if v is not None]
    if len(present) < 2:
        return None
    spread = float(np.std(present, ddof=1))
    return (
        float(stats.t.ppf(0.5 + confidence / 2.0, len(present) - 1))
        * spread
        / math.sqrt(len(present))
    )
