"""Erlang B, Erlang C and Erlang A, in O(1) time whatever the number of agents.

Units: times in seconds, rates per second, load in Erlangs (arrival rate x average handling time,
"AHT"). Agents are whole numbers.

* **Erlang B** (M/M/n/n, blocked calls lost) is the Poisson probability of ``n`` divided by the
  Poisson probability of at most ``n``: one regularized incomplete gamma function and one
  Poisson term, not the usual recursion over 1..n (see ``_special``).
* **Erlang C** (M/M/n, callers wait forever) follows from B: ``C = n B / (n - a + a B)``; the
  waiting time of those who wait is exponential with rate ``(n - a) / AHT``.
* **Erlang A** (M/M/n+M, callers hang up after an exponential patience) follows Mandelbaum and
  Zeltyn (2005). With ``x = n patience / AHT`` and ``y = arrival rate x patience``, the queue
  length seen by a caller who must wait has weights ``y**k / ((x+1) ... (x+k))``, whose sum is
  ``A(x, y)``. A caller who finds ``k`` ahead is served with probability ``x / (x + k + 1)``;
  integrating the offered-wait density gives the chance to be answered within ``t``:

      P(answered, wait > t | wait) = x / (x + 1) * exp((y - z) - (x + 1) t / patience)
                                     * A(x + 1, z) / A(x, y),        z = y exp(-t / patience)

  The mean wait of answered callers needs one integral of a log-concave function, done by
  Gauss-Legendre quadrature over the range where it matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from verbund.errors import PlanningError
from verbund.planning import _checks, _special

_INF = math.inf
_gammaincc = _special.gammaincc

__all__ = [
    "ErlangA",
    "average_speed_of_answer",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "service_level",
]


def erlang_b(load: float, agents: int) -> float:
    """Probability that a call finds all ``agents`` busy when blocked calls are lost (M/M/n/n).

    >>> round(erlang_b(10.0, 12), 6)
    0.119739
    """
    a = _checks.non_negative("load", load, " Erlangs")
    n = _checks.agents("agents", agents)
    if a == 0.0:
        return 1.0 if n == 0 else 0.0
    return _special.erlang_b(a, n)


def erlang_c(load: float, agents: int) -> float:
    """Probability that a call must wait when callers wait as long as it takes (M/M/n).

    Needs more agents than the load; with fewer the queue grows without bound.

    >>> round(erlang_c(10.0, 12), 6)
    0.449388
    """
    a, n = _stable_queue(load, agents)
    if a == 0.0:
        return 0.0
    b = _special.erlang_b(a, n)
    return n * b / (n - a + a * b)


def service_level(load: float, agents: int, aht: float, target: float) -> float:
    """Erlang C: the fraction of calls answered within ``target`` seconds.

    ``1 - C exp(-(agents - load) target / aht)``, computed without cancellation.

    >>> round(service_level(10.0, 12, 180.0, 20.0), 6)
    0.640158
    """
    if not (
        type(load) is float
        and type(agents) is int
        and type(aht) is float
        and type(target) is float
        and 0.0 < load < agents
        and 0.0 < aht < _INF
        and 0.0 <= target < _INF
    ):
        load, agents = _stable_queue(load, agents)
        aht = _checks.positive("aht", aht, " seconds")
        target = _checks.non_negative("target", target, " seconds")
        if load == 0.0:
            return 1.0
    # The hot path of the staffing math, inlined: Erlang B as in ``_special.erlang_b``, then
    # ``erlang_c_service_level``.
    a = load
    n = agents
    cdf = _gammaincc(n + 1.0, a)
    if cdf < _special.TINY:
        b = _special.erlang_b(a, n)
    else:
        b = math.exp(_special.log_poisson_term(n, a)) / cdf
    denominator = n - a + a * b
    tau = target / aht
    return (n - a) * (1.0 - b) / denominator - n * b / denominator * math.expm1(-(n - a) * tau)


def average_speed_of_answer(load: float, agents: int, aht: float) -> float:
    """Erlang C: the mean wait in seconds over all calls (those answered at once count 0).

    >>> round(average_speed_of_answer(10.0, 12, 180.0), 3)
    40.445
    """
    a, n = _stable_queue(load, agents)
    h = _checks.positive("aht", aht, " seconds")
    if a == 0.0:
        return 0.0
    b = _special.erlang_b(a, n)
    return n * b / (n - a + a * b) * h / (n - a)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """What M/M/n+M (Erlang A) predicts for one queue."""

    p_wait: float
    """Probability that a caller finds all agents busy and has to wait."""
    p_abandon: float
    """Fraction of callers who hang up before they are answered."""
    service_level: float
    """Calls answered within the target, divided by all offered calls (abandoned ones count)."""
    asa: float
    """Average speed of answer: the mean wait, in seconds, of the calls that are answered."""
    occupancy: float
    """Fraction of the agents' time spent handling calls."""


def erlang_a(
    arrival_rate: float, aht: float, patience: float, agents: int, target: float
) -> ErlangA:
    """Erlang A (M/M/n+M): callers hang up after an exponential patience with mean ``patience``.

    Valid for any number of agents, also at or below the load, because callers who hang up keep
    the queue finite.

    >>> result = erlang_a(1.0, 180.0, 120.0, 180, 20.0)
    >>> round(result.service_level, 4), round(result.p_abandon, 4)
    (0.9377, 0.0327)
    """
    lam = _checks.non_negative("arrival_rate", arrival_rate, " calls per second")
    h = _checks.positive("aht", aht, " seconds")
    p = _checks.positive("patience", patience, " seconds")
    n = _checks.agents("agents", agents, minimum=1)
    t = _checks.non_negative("target", target, " seconds")
    if lam == 0.0:
        return ErlangA(p_wait=0.0, p_abandon=0.0, service_level=1.0, asa=0.0, occupancy=0.0)
    p_wait, p_abandon, level, abandon_when_waiting = erlang_a_measures(lam, h, p, n, t)
    if p_wait > 0.0:
        mean_wait = _special.mean_served_wait(n / h, 1.0 / p, lam)
        asa = p_wait * (1.0 - abandon_when_waiting) * mean_wait / (1.0 - p_abandon)
    else:
        asa = 0.0
    return ErlangA(
        p_wait=p_wait,
        p_abandon=p_abandon,
        service_level=level,
        asa=asa,
        occupancy=min(1.0, lam * h * (1.0 - p_abandon) / n),
    )


# ---- kernels without argument checks, shared with the staffing search ----------------------


def erlang_c_service_level(a: float, n: int, b: float, tau: float) -> float:
    """Erlang C service level from Erlang B ``b``; ``tau`` is the target in units of AHT."""
    denominator = n - a + a * b
    waits = n * b / denominator
    answered_at_once = (n - a) * (1.0 - b) / denominator
    return answered_at_once - waits * math.expm1(-(n - a) * tau)


def erlang_a_measures(
    lam: float, aht: float, patience: float, n: int, target: float
) -> tuple[float, float, float, float]:
    """``(p_wait, p_abandon, service_level, p_abandon_when_waiting)`` of M/M/n+M.

    For ``lam > 0`` and ``n >= 1``.
    """
    a = lam * aht
    x = n * patience / aht
    y = lam * patience
    erlang_b_value = _special.erlang_b(a, n)
    log_a = _special.log_kummer(x, y)
    inv_a = math.exp(-log_a)
    weight_free = (1.0 - erlang_b_value) * inv_a
    p_wait = erlang_b_value / (erlang_b_value + weight_free)
    abandon_when_waiting = _special.mean_queue_when_waiting(x, y, log_a) / y
    theta_t = target / patience
    z = y * math.exp(-theta_t)
    late_when_waiting = (
        x
        / (x + 1.0)
        * math.exp(
            -y * math.expm1(-theta_t)
            - (x + 1.0) * theta_t
            + _special.log_kummer(x + 1.0, z)
            - log_a
        )
    )
    missed = p_wait * (abandon_when_waiting + late_when_waiting)
    if missed <= 0.5:
        level = 1.0 - missed
    else:
        # Mostly missed: add the small parts instead of subtracting from 1.
        lower = _special.regularized_gamma_lower(x, y)
        if lower > 0.0:
            in_time_when_waiting = (
                x / y * _special.regularized_gamma_difference(x + 1.0, z, y) / lower
            )
        else:
            in_time_when_waiting = max(0.0, 1.0 - abandon_when_waiting - late_when_waiting)
        level = weight_free / (erlang_b_value + weight_free) + p_wait * in_time_when_waiting
    return p_wait, p_wait * abandon_when_waiting, level, abandon_when_waiting


def _stable_queue(load: float, agents: int) -> tuple[float, int]:
    a = _checks.non_negative("load", load, " Erlangs")
    n = _checks.agents("agents", agents)
    if n > a:
        return a, n
    raise PlanningError(
        f"Erlang C needs more agents than the load: agents={n} is not above load={a:g} Erlangs, "
        "so the queue would grow without bound; add agents, or use erlang_a, which models "
        "callers who hang up"
    )
