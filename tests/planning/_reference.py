"""Independent references for the staffing math: mpmath at high precision, and Markov chains.

Nothing here shares code with ``verbund.planning``: the Erlang formulas are evaluated from their
definitions with 40 significant digits, and Erlang A is also solved as the birth-death chain it
is, with the waiting times from the transient solution of the queue-position chain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import scipy.linalg

DIGITS = 40


def erlang_b(load: float, agents: int) -> mp.mpf:
    """Poisson pmf over Poisson cdf, from mpmath's incomplete gamma function."""
    with mp.workdps(DIGITS):
        a = mp.mpf(load)
        if agents == 0:
            return mp.mpf(1)
        pmf = mp.exp(agents * mp.log(a) - a - mp.loggamma(agents + 1))
        return pmf / mp.gammainc(agents + 1, a, mp.inf, regularized=True)


def erlang_c(load: float, agents: int) -> mp.mpf:
    with mp.workdps(DIGITS):
        b = erlang_b(load, agents)
        a = mp.mpf(load)
        return agents * b / (agents - a + a * b)


def service_level(load: float, agents: int, aht: float, target: float) -> mp.mpf:
    with mp.workdps(DIGITS):
        c = erlang_c(load, agents)
        return 1 - c * mp.exp(-(agents - mp.mpf(load)) * mp.mpf(target) / mp.mpf(aht))


def average_speed_of_answer(load: float, agents: int, aht: float) -> mp.mpf:
    with mp.workdps(DIGITS):
        return erlang_c(load, agents) * mp.mpf(aht) / (agents - mp.mpf(load))


def relative_error(value: float, reference: mp.mpf) -> float:
    with mp.workdps(DIGITS):
        return float(abs((mp.mpf(value) - reference) / reference))


# ---- Erlang A in mpmath --------------------------------------------------------------------


def _upper_gamma_scaled(x: mp.mpf, y: mp.mpf) -> mp.mpf:
    """``Gamma(x, y) exp(y) y**-x`` by Lentz's continued fraction (for ``y`` above ``x - 1``)."""
    tiny = mp.mpf(10) ** (-500)
    eps = mp.mpf(10) ** (-DIGITS + 3)
    b = y + 1 - x
    c = 1 / tiny
    d = 1 / b
    h = d
    i = 0
    while True:
        i += 1
        an = -i * (i - x)
        b += 2
        d = an * d + b
        d = d if abs(d) > tiny else tiny
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            return h


def kummer(x: mp.mpf, y: mp.mpf) -> mp.mpf:
    """``A(x, y) = sum_k y**k / ((x + 1) ... (x + k))``, the sum of the queue-length weights."""
    if x > y:
        total = term = mp.mpf(1)
        k = 0
        while term > total * mp.mpf(10) ** (-DIGITS - 2):
            k += 1
            term = term * y / (x + k)
            total += term
        return total
    log_term = x * mp.log(y) - y - mp.loggamma(x + 1)
    upper = mp.exp(x * mp.log(y) - y - mp.loggamma(x)) * _upper_gamma_scaled(x, y)
    return (1 - upper) / mp.exp(log_term)


@dataclass(frozen=True)
class ErlangAReference:
    p_wait: float
    p_abandon: float
    service_level: float
    asa: float
    occupancy: float


def erlang_a(
    arrival_rate: float, aht: float, patience: float, agents: int, target: float
) -> dict[str, mp.mpf]:
    """Mandelbaum and Zeltyn's closed forms in high precision, and the answered-wait integral.

    ``P(answered, wait <= t | wait)`` and the mean answered wait are integrals of the
    offered-wait density ``exp((lam/theta)(1 - exp(-theta s)) - n mu s)`` times
    ``exp(-theta s)``, done here with ``mpmath.quad``.
    """
    with mp.workdps(DIGITS):
        lam = mp.mpf(arrival_rate)
        mu = 1 / mp.mpf(aht)
        theta = 1 / mp.mpf(patience)
        n = agents
        x = n * mu / theta
        y = lam / theta
        e = erlang_b(arrival_rate * aht, n)
        big_a = kummer(x, y)
        p_wait = big_a * e / (1 + (big_a - 1) * e)
        rho = lam / (n * mu)
        abandon_when_waiting = 1 / (rho * big_a) + 1 - 1 / rho
        drift = n * mu + theta

        def density(s: mp.mpf) -> mp.mpf:
            return mp.exp(y * (1 - mp.exp(-theta * s)) - drift * s)

        mode = mp.log(lam / drift) / theta if lam > drift else mp.mpf(0)
        width = 1 / mp.sqrt(theta * drift) + 1 / drift
        points = [mp.mpf(0)]
        points += [
            mode + k * width for k in (-8, -4, -2, -1, 0, 1, 2, 4, 8, 16) if mode + k * width > 0
        ]
        points = sorted(set(points))
        # Normalisation: P(answered | wait) = n mu / A * integral of density.
        scale = n * mu / big_a
        t = mp.mpf(target)
        inner = [p for p in points if p < t] + [t]
        answered_in_time = scale * mp.quad(density, inner) if t > 0 else mp.mpf(0)
        mean_answered = scale * mp.quad(lambda s: s * density(s), [*points, mp.inf])
        p_abandon = p_wait * abandon_when_waiting
        return {
            "p_wait": p_wait,
            "p_abandon": p_abandon,
            "service_level": (1 - e) / (1 + (big_a - 1) * e) + p_wait * answered_in_time,
            "asa": p_wait * mean_answered / (1 - p_abandon),
            "occupancy": lam / mu * (1 - p_abandon) / n,
            "answered_when_waiting": scale * mp.quad(density, [*points, mp.inf]),
            "abandon_when_waiting": abandon_when_waiting,
        }


# ---- Erlang A as a Markov chain -------------------------------------------------------------


def erlang_a_chain(
    arrival_rate: float, aht: float, patience: float, agents: int, target: float
) -> ErlangAReference:
    """Solve M/M/n+M numerically: the truncated birth-death chain and the queue positions.

    Stationary distribution of the chain with births ``lam`` and deaths ``min(j, n) mu +
    max(j - n, 0) theta`` (truncated where its mass is negligible). By PASTA an arriving caller
    sees it; one who finds ``n + k`` joins queue position ``k + 1``. The position chain moves
    from ``i`` to ``i - 1`` at rate ``n mu + (i - 1) theta`` (a service or an abandonment ahead),
    leaves by abandoning at rate ``theta`` and is answered from position 1 at rate ``n mu``;
    ``expm`` of its generator gives the chance of being answered by ``target``.
    """
    lam, mu, theta, n = arrival_rate, 1.0 / aht, 1.0 / patience, agents
    spread = math.sqrt(lam / theta + lam / mu) + 1.0
    queue = int(max(0.0, lam / theta - n * mu / theta) + 15.0 * spread + 30.0)
    size = n + queue
    log_p = np.zeros(size + 1)
    for j in range(1, size + 1):
        deaths = min(j, n) * mu + max(j - n, 0) * theta
        log_p[j] = log_p[j - 1] + math.log(lam / deaths)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    waiting = p[n:-1]  # arrivals finding n + k, k = 0 .. queue - 1 (the last state is cut off)
    positions = np.arange(1, queue + 1, dtype=float)
    served = n * mu / (n * mu + positions * theta)
    mean_wait_if_served = np.cumsum(1.0 / (n * mu + positions * theta))
    generator = np.zeros((queue + 1, queue + 1))
    for i in range(1, queue + 1):
        advance = n * mu + (i - 1) * theta
        generator[i, i - 1] = advance
        generator[i, i] = -(advance + theta)
    answered_by_target = scipy.linalg.expm(generator * target)[1:, 0]
    queue_lengths = np.maximum(np.arange(size + 1) - n, 0)
    p_abandon = theta * float((p * queue_lengths).sum()) / lam
    return ErlangAReference(
        p_wait=float(p[n:].sum()),
        p_abandon=p_abandon,
        service_level=float(p[:n].sum() + (waiting * answered_by_target).sum()),
        asa=float((waiting * served * mean_wait_if_served).sum()) / (1.0 - p_abandon),
        occupancy=lam / mu * (1.0 - p_abandon) / n,
    )
