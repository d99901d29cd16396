"""Redials, callbacks and admission control move the KPIs in the direction, and by about the
size, that the model implies."""

from __future__ import annotations

from ._scenarios import run, stationary

# An overloaded hotline: 125 Erlangs offered to 110 agents.
OVERLOADED = {"rate_per_hour": 1500, "agents": 110, "duration": "4h", "warmup": "30m"}
REDIALS = 'redial = { probability = 0.8, delay = { dist = "exponential", mean = "2m" } }'


def test_redials_inflate_attempts_but_not_callers() -> None:
    plain = run(stationary(**OVERLOADED, replications=2))
    redialling = run(stationary(**OVERLOADED, replications=2, callers=REDIALS))
    # Redials draw from their own random streams: the first attempts are the very same.
    assert redialling["kpis"]["callers"] == plain["kpis"]["callers"]
    assert plain["kpis"]["offered"] == plain["kpis"]["callers"]
    redials = redialling["kpis"]["offered"] - redialling["kpis"]["callers"]
    # 80 % of those who hang up call again (attempts are capped at 10, hardly ever reached).
    assert abs(redials - 0.8 * redialling["kpis"]["abandoned"]) <= 0.05 * redials
    # More attempts for the same capacity: abandonment per attempt rises steeply.
    assert redialling["kpis"]["p_abandon"] > 2 * plain["kpis"]["p_abandon"]
    # Redials within the window reclaim the place of the abandoned attempt.
    assert redialling["engine"]["counters"]["reclaimed"] > 0


def test_callbacks_cut_abandonment_when_a_surge_is_followed_by_spare_capacity() -> None:
    # 100 Erlangs; 80 agents in the first hour, 130 after. Everyone who would have to wait is
    # offered a callback at once, and nine in ten take it.
    surge = {
        "rate_per_hour": 1200,
        "agents": 1,
        "duration": "3h",
        "warmup": "0s",
        "replications": 3,
        "routing": 'callback_offer_ewt = "0s"',
        "shifts": SHIFTS,
    }
    without = run(stationary(**surge))
    with_callbacks = run(stationary(**surge, callers="callback_acceptance = 0.9"))
    k0, k1 = without["kpis"], with_callbacks["kpis"]
    assert k0["callbacks"] == 0
    assert k1["callbacks"] > 0.2 * k1["offered"]
    # Callbacks do not hang up, but they keep their place: the one caller in ten who holds on
    # finds them ahead, so abandonment falls by less than nine tenths, yet by more than half.
    assert 0.1 * k0["p_abandon"] < k1["p_abandon"] < 0.5 * k0["p_abandon"]
    # Nearly every callback is answered (a few callers miss all three dials), mostly once the
    # second shift has joined: more callers are served in all.
    assert k1["callbacks_answered"] + k1["callbacks_failed"] >= 0.99 * k1["callbacks"]
    assert k1["answered"] > k0["answered"] + 0.5 * (k0["abandoned"] - k1["abandoned"])


SHIFTS = [(0, 1, 80), (1, 23, 130)]


def test_admission_control_bounds_the_longest_wait() -> None:
    endless = run(stationary(**OVERLOADED, replications=2, patience='"infinite"'))
    capped = run(
        stationary(**OVERLOADED, replications=2, patience='"infinite"', routing='max_ewt = "5m"')
    )
    assert endless["kpis"]["rejected"] == 0
    assert endless["kpis"]["max_wait"] > 3 * 300
    assert capped["kpis"]["rejected"] > 0
    # Those admitted were expected to wait at most 5 minutes; at ~110 positions ahead the
    # actual wait spreads by about 10 % around that, so no one waits even 1.5 times as long.
    assert capped["kpis"]["max_wait"] <= 1.5 * 300
    assert capped["kpis"]["asa"] < endless["kpis"]["asa"] / 3
