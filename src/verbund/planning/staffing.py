"""How many agents a queue needs: the smallest count that meets every goal, then shrinkage.

The search, and why it finds the true minimum. Every goal is monotone in the number of agents
(service level and, for Erlang A, abandonment improve with each agent; occupancy falls), so the
set of agent counts that meet all goals is ``{m, m + 1, ...}`` and ``m`` is found by bracketing:
an ``n`` that meets and ``n - 1`` that does not.

* **Erlang C**: start from the square-root staffing estimate ``a + beta sqrt(a)`` with ``beta``
  from the Halfin-Whitt approximation (three Newton steps), usually within one agent of the
  answer; evaluate Erlang B there once (O(1), see ``_special``), then step with the O(1)
  recursion ``B(n + 1) = a B / (n + 1 + a B)`` (and its inverse downwards) until bracketed.
  The cost does not grow with the load.
* **Erlang A** (``patience`` given): the minimum may lie below the load, and one evaluation costs
  a few incomplete gamma functions, so ``smallest_meeting`` runs a safeguarded secant search on
  the margin to the nearest goal from the same estimate: typically 5 to 12 evaluations.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from verbund.errors import PlanningError
from verbund.planning import _checks, _special
from verbund.planning.erlang import erlang_a_measures, erlang_c_service_level

__all__ = ["gross_up", "productive_agents", "required_agents", "smallest_meeting"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
# Service levels this close to the goal are re-checked with the direct formula (the one that
# ``service_level`` uses), so that the answer agrees with it exactly.
_TIE = 1e-12


def required_agents(
    arrival_rate: float,
    aht: float,
    target: float,
    service_level: float,
    *,
    patience: float | None = None,
    max_occupancy: float | None = None,
    max_abandon: float | None = None,
    shrinkage: float = 0.0,
) -> int:
    """The smallest number of agents that answers ``service_level`` of calls within ``target``.

    Erlang C (callers wait as long as it takes), or Erlang A when ``patience`` (mean seconds a
    caller holds on before hanging up) is given; there the service level counts abandoned
    calls as missed, and the answer may be below the load. Optional further goals: occupancy at
    most ``max_occupancy``, abandonment at most ``max_abandon`` (needs ``patience``). The
    minimum is then grossed up for ``shrinkage``: ``ceil(n / (1 - shrinkage))``. No calls need
    no agents.

    >>> required_agents(500 / 300, 300.0, 20.0, 0.8)
    513
    >>> required_agents(500 / 300, 300.0, 20.0, 0.8, patience=120.0, max_abandon=0.02)
    502
    >>> required_agents(500 / 300, 300.0, 20.0, 0.8, shrinkage=0.3)
    733
    """
    lam = _checks.non_negative("arrival_rate", arrival_rate, " calls per second")
    h = _checks.positive("aht", aht, " seconds")
    t = _checks.non_negative("target", target, " seconds")
    goal = _checks.probability_open("service_level", service_level)
    lost = _checks.shrinkage(shrinkage)
    occupancy = (
        None
        if max_occupancy is None
        else _checks.fraction_up_to_one("max_occupancy", max_occupancy)
    )
    abandon = None if max_abandon is None else _checks.probability_open("max_abandon", max_abandon)
    wait = None if patience is None else _checks.positive("patience", patience, " seconds")
    if abandon is not None and wait is None:
        raise PlanningError(
            "max_abandon needs patience: Erlang C assumes callers never hang up; give the mean "
            "time callers hold on (patience) to plan with Erlang A"
        )
    return gross_up(productive_agents(lam, h, t, goal, wait, occupancy, abandon), lost)


def productive_agents(
    lam: float,
    aht: float,
    target: float,
    goal: float,
    patience: float | None,
    max_occupancy: float | None,
    max_abandon: float | None,
) -> int:
    """``required_agents`` before shrinkage, for arguments already checked."""
    if lam == 0.0:
        return 0
    if patience is None:
        return _erlang_c_minimum(lam * aht, target / aht, goal, max_occupancy)
    return _erlang_a_minimum(lam, aht, patience, target, goal, max_occupancy, max_abandon)


def gross_up(agents: int, shrinkage: float) -> int:
    """``ceil(agents / (1 - shrinkage))``, not fooled by rounding (21 at 30 % is 30, not 31)."""
    if shrinkage == 0.0:
        return agents
    gross = agents / (1.0 - shrinkage)
    nearest = round(gross)
    if abs(gross - nearest) <= 1e-12 * gross:
        return int(nearest)
    return math.ceil(gross)


def square_root_staffing(a: float, tau: float, goal: float) -> float:
    """Halfin-Whitt estimate of the agents Erlang C needs: ``a + beta sqrt(a)``.

    ``beta`` solves ``C(beta) exp(-beta sqrt(a) tau) = 1 - goal`` with ``C(beta) = 1 / (1 +
    beta Phi(beta) / phi(beta))``; the left side in log form is convex, so Newton's method from
    above converges monotonically.
    """
    wanted = -math.log1p(-goal)
    root = math.sqrt(a)
    k = root * tau
    beta = math.sqrt(2.0 * wanted) + 1.0
    for _ in range(3):
        cdf = 0.5 * math.erfc(-beta * _SQRT_HALF)
        scaled = _SQRT_2PI * math.exp(0.5 * beta * beta)
        ratio = beta * cdf * scaled
        excess = math.log1p(ratio) + beta * k - wanted
        slope = (scaled * cdf * (1.0 + beta * beta) + beta) / (1.0 + ratio) + k
        beta -= excess / slope
    return a + max(beta, 0.0) * root


def _occupancy_minimum(a: float, occupancy: float) -> int:
    """The smallest ``n`` with ``a / n <= occupancy``."""
    n = max(1, math.ceil(a / occupancy))
    while n > 1 and a / (n - 1) <= occupancy:
        n -= 1
    while a / n > occupancy:
        n += 1
    return n


def _erlang_c_minimum(a: float, tau: float, goal: float, occupancy: float | None) -> int:
    lowest = math.floor(a) + 1
    if occupancy is not None:
        lowest = max(lowest, _occupancy_minimum(a, occupancy))
    n = max(lowest, math.ceil(square_root_staffing(a, tau, goal)))
    b = _special.erlang_b(a, n)
    level = erlang_c_service_level(a, n, b, tau)
    if level >= goal:
        below = -1.0
        while n > lowest:
            b_below = n * b / (a * (1.0 - b))
            below = erlang_c_service_level(a, n - 1, b_below, tau)
            if below < goal:
                break
            n -= 1
            b = b_below
            level = below
    else:
        below = level
        while True:
            b = a * b / (n + 1 + a * b)
            n += 1
            level = erlang_c_service_level(a, n, b, tau)
            if level >= goal:
                break
            below = level
    if abs(level - goal) <= _TIE or abs(below - goal) <= _TIE:
        # Too close to call with recursion round-off: decide with the direct formula.
        while erlang_c_service_level(a, n, _special.erlang_b(a, n), tau) < goal:
            n += 1
        while n > lowest and (
            erlang_c_service_level(a, n - 1, _special.erlang_b(a, n - 1), tau) >= goal
        ):
            n -= 1
    return n


def _erlang_a_minimum(
    lam: float,
    aht: float,
    patience: float,
    target: float,
    goal: float,
    occupancy: float | None,
    abandon: float | None,
) -> int:
    a = lam * aht

    def margin(n: int) -> float:
        """How far ``n`` agents are from failing the nearest goal (>= 0: all goals met)."""
        _, p_abandon, level, _ = erlang_a_measures(lam, aht, patience, n, target)
        worst = level - goal
        if abandon is not None:
            worst = min(worst, abandon - p_abandon)
        if occupancy is not None:
            worst = min(worst, occupancy - min(1.0, a * (1.0 - p_abandon) / n))
        return worst

    start = math.ceil(square_root_staffing(a, target / aht, goal))
    return smallest_meeting(margin, start, lowest=1, step=math.ceil(0.25 * math.sqrt(a)))


def smallest_meeting(margin: Callable[[int], float], start: int, lowest: int, step: int = 1) -> int:
    """The smallest ``n >= lowest`` with ``margin(n) >= 0``, for a nondecreasing ``margin``.

    A safeguarded secant search over the integers. From ``start`` it extrapolates (steps at
    least ``step``, doubling, at most eight times the last) until a failing and a meeting count
    bracket the answer; inside the bracket it interpolates (Illinois variant of regula falsi:
    an end kept twice in a row has its margin halved) until the two are neighbours. ``margin``
    must eventually reach 0; ``lowest - 1`` counts as failing.
    """
    fail, fail_margin = lowest - 1, math.nan  # nan: not evaluated, assumed failing
    good, good_margin = -1, math.nan  # -1: none found yet
    n = max(start, lowest)
    previous_n, previous_margin = n, math.nan
    step = max(1, step)
    kept = 0  # > 0: the meeting end was kept that many times in a row; < 0: the failing end
    while True:
        m = margin(n)
        if m >= 0.0:
            good, good_margin = n, m
            kept = min(kept, 0) - 1
        else:
            fail, fail_margin = n, m
            kept = max(kept, 0) + 1
        if good >= 0 and good - fail <= 1:
            return good
        root = math.nan
        if m != previous_margin and n != previous_n:
            root = n - m * (n - previous_n) / (m - previous_margin)
        previous_n, previous_margin = n, m
        if good < 0:  # everything so far fails: look further up
            guess = math.ceil(root) + 1 if root > n else n + step
            n = min(max(guess, n + step), n + 8 * step)
            step *= 2
        elif math.isnan(fail_margin):  # everything so far meets: look further down
            guess = math.floor(root) - 1 if root < n else n - step
            n = max(min(guess, n - step), n - 8 * step, fail + 1)
            step *= 2
        else:  # bracketed: interpolate
            if kept <= -2:  # the failing end stayed: halve its weight
                fail_margin /= 2.0
            elif kept >= 2:
                good_margin /= 2.0
            root = fail - fail_margin * (good - fail) / (good_margin - fail_margin)
            n = min(max(math.ceil(root), fail + 1), good - 1)
