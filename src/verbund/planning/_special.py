"""Numerical kernels behind the Erlang formulas: accurate, O(1) in the number of agents.

Nothing here checks its arguments; the public functions do that once. Notation:

* ``poisson_term(x, y)`` is ``y**x * exp(-y) / Gamma(x + 1)``, the Poisson probability of ``x``
  at mean ``y`` (``x`` need not be an integer).
* ``kummer(x, y)`` is ``A(x, y) = sum_k y**k / ((x + 1) (x + 2) ... (x + k)) = P(x, y) /
  poisson_term(x, y)`` with ``P`` the regularized lower incomplete gamma function. Mandelbaum and
  Zeltyn write the Erlang A measures through ``x * exp(y) * y**-x * gamma(x, y)``, which is the
  same function.

Why these forms. A direct ``x * log(y) - y - lgamma(x + 1)`` loses about ``log10(x * log x)`` digits
(1e-10 at 100,000 Erlangs) to cancellation, so the Poisson term is built from Loader's
decomposition: ``-log(2 pi x) / 2 - stirlerr(x) - bd0(x, y)`` with ``bd0`` computed through
``log1p``, whose absolute error is about ``eps * |x - y|``. The incomplete gamma ratios come from
``scipy.special`` (Temme's uniform expansion near the transition; 2e-13 relative or better in
our sweeps against mpmath); where those underflow the sums are taken directly, and there they
converge geometrically.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import cython_special

# The scalar entry points of scipy.special: the same code as the ufuncs, without the ufunc
# machinery (0.15 us a call instead of 0.8 us), returning Python floats.
_gammainc = cython_special.gammainc
gammaincc = _gammaincc = cython_special.gammaincc

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

# Below this a value of ``P`` or ``Q`` (or a Poisson term) may have lost relative precision to
# underflow; the code switches to the direct sums, which converge fast exactly there.
TINY = 1e-200
_LOG_TINY = math.log(TINY)

# Gauss-Legendre rule for the waiting-time integrals of Erlang A (log-concave integrands cut
# where they have fallen below exp(-_TAIL) of their peak).
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
_WEIGHTED_NODES = _WEIGHTS * _NODES
_TAIL = 50.0


def stirlerr(x: float) -> float:
    """``lgamma(x + 1) - (x + 1/2) log(x) + x - log(2 pi) / 2``, the error of Stirling's formula."""
    if x >= 15.0:
        r = 1.0 / x
        r2 = r * r
        return r * (
            1.0 / 12.0
            - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0)))
        )
    return math.lgamma(x + 1.0) - (x + 0.5) * math.log(x) + x - _HALF_LOG_2PI


def log_poisson_term(x: float, y: float) -> float:
    """``log(y**x * exp(-y) / Gamma(x + 1))`` for ``x >= 0``, ``y > 0``, to about 1e-15 absolute."""
    if x < 1.0:
        return x * math.log(y) - y - math.lgamma(x + 1.0)
    t = (y - x) / x
    # Far below x there is no cancellation to avoid, and y / x may be below the rounding of t.
    deviance = x * (t - math.log1p(t)) if t > -0.5 else x * (math.log(x) - math.log(y)) + y - x
    return -_HALF_LOG_2PI - 0.5 * math.log(x) - stirlerr(x) - deviance


def erlang_b(a: float, n: int) -> float:
    """Erlang B for ``a > 0`` Erlangs and ``n >= 0`` agents: ``poisson(n; a) / P(N <= n)``."""
    if n == 0:
        return 1.0
    cdf = _gammaincc(n + 1.0, a)
    if cdf >= TINY:
        return math.exp(log_poisson_term(n, a)) / cdf
    # n is far below a (more than ~30 standard deviations): 1/B = sum_j n!/(n-j)!/a**j, whose terms
    # fall at least as fast as (n/a)**j.
    terms = max(8, min(n, math.ceil(45.0 / -math.log(n / a)) + 8))
    ratios = (n - np.arange(terms, dtype=np.float64)) / a
    return 1.0 / (1.0 + float(np.cumprod(ratios).sum()))


def _kummer_sums(x: float, y: float) -> tuple[float, float]:
    """``(sum_k t_k, sum_k k t_k)`` with ``t_k = y**k / ((x + 1) ... (x + k))``, for ``x > y``."""
    ratio = y / (x + 1.0)
    terms = 8 + math.ceil(45.0 / -math.log(ratio)) if ratio > 0.0 else 1
    terms = min(terms, 16 + math.ceil(12.0 * math.sqrt(x + 1.0)))
    k = np.arange(1, terms + 1, dtype=np.float64)
    t = np.cumprod(y / (x + k))
    return 1.0 + float(t.sum()), float((k * t).sum())


def log_kummer(x: float, y: float) -> float:
    """``log A(x, y)`` (see the module docstring) for ``x > 0``, ``y >= 0``."""
    if y == 0.0:
        return 0.0
    log_term = log_poisson_term(x, y)
    if log_term > _LOG_TINY or x < y:
        # P(x, y) >= poisson_term(x, y), and for x < y it is close to 1: no underflow either way.
        return math.log(_gammainc(x, y)) - log_term
    return math.log(_kummer_sums(x, y)[0])


def mean_queue_when_waiting(x: float, y: float, log_a: float) -> float:
    """Mean number ahead of an arriving caller who must wait, ``E[K] = x / A - (x - y)``.

    ``K`` has weights ``t_k / A``. When ``x`` is well above ``y`` the closed form cancels, so the
    sum is taken directly (few terms are needed exactly then).
    """
    excess = x - y
    mean = x * math.exp(-log_a) - excess
    if excess > 0.0 and mean < 1e-2 * excess:
        total, first_moment = _kummer_sums(x, y)
        mean = first_moment / total
    return mean


def regularized_gamma_difference(s: float, low: float, high: float) -> float:
    """``P(s, high) - P(s, low)`` for ``low <= high``, from the tail that avoids cancellation."""
    if low >= s:
        return _gammaincc(s, low) - _gammaincc(s, high)
    return _gammainc(s, high) - _gammainc(s, low)


def regularized_gamma_lower(s: float, y: float) -> float:
    """``P(s, y)``, the regularized lower incomplete gamma function."""
    return _gammainc(s, y)


def mean_served_wait(serve_rate: float, theta: float, lam: float) -> float:
    """Mean wait of the callers who wait and are then served, in M/M/n+M.

    Their waits have density proportional to ``exp(phi(s))`` with ``phi(s) = (lam / theta) *
    (1 - exp(-theta s)) - (serve_rate + theta) s`` (``serve_rate = n mu``), the offered-wait
    density times the chance ``exp(-theta s)`` of still holding on. ``phi`` is concave, so the
    integrand is cut where it falls ``exp(-50)`` below its peak (Newton converges monotonically
    from outside on a concave function) and one Gauss-Legendre rule covers the rest.
    """
    y = lam / theta
    drift = serve_rate + theta

    def phi(s: float) -> float:
        return -y * math.expm1(-theta * s) - drift * s

    def slope(s: float) -> float:
        return lam * math.exp(-theta * s) - drift

    mode = math.log(lam / drift) / theta if lam > drift else 0.0
    peak = phi(mode)
    floor = peak - _TAIL
    # phi(s) <= y - drift * s: a point certainly beyond the right cut.
    high = (y - floor) / drift
    for _ in range(100):
        step = (phi(high) - floor) / slope(high)
        high -= step
        if abs(step) <= 1e-6 * (high - mode):
            break
    low = 0.0
    if mode > 0.0 and phi(0.0) < floor:
        for _ in range(100):
            step = (phi(low) - floor) / slope(low)
            low -= step
            if abs(step) <= 1e-6 * (mode - low):
                break
    half = 0.5 * (high - low)
    middle = low + half
    s = middle + half * _NODES
    exponent = np.expm1(s * -theta)
    exponent *= -y
    exponent -= drift * s
    exponent -= peak
    density = np.exp(exponent, out=exponent)
    # sum(w s d) / sum(w d) with s = middle + half * node
    return middle + half * float(_WEIGHTED_NODES @ density) / float(_WEIGHTS @ density)
