"""Argument checks shared by the planning functions: each names the argument and says why."""

from __future__ import annotations

import math
import operator

from verbund.errors import PlanningError


def _as_float(name: str, value: object) -> float:
    if isinstance(value, bool | str | bytes) or value is None:
        raise PlanningError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError) as exc:
        raise PlanningError(f"{name} must be a number, got {value!r}") from exc


def positive(name: str, value: float, unit: str = "") -> float:
    """A finite number above zero."""
    if type(value) is not float:
        value = _as_float(name, value)
    if 0.0 < value < math.inf:
        return value
    raise PlanningError(f"{name} must be a finite number above 0{unit}, got {value!r}")


def non_negative(name: str, value: float, unit: str = "") -> float:
    """A finite number, zero or above."""
    if type(value) is not float:
        value = _as_float(name, value)
    if 0.0 <= value < math.inf:
        return value
    raise PlanningError(f"{name} must be a finite number, 0 or above{unit}, got {value!r}")


def probability_open(name: str, value: float) -> float:
    """A fraction strictly between 0 and 1 (e.g. a service-level goal: 0.8 for 80 %)."""
    if type(value) is not float:
        value = _as_float(name, value)
    if 0.0 < value < 1.0:
        return value
    raise PlanningError(
        f"{name} must be a fraction between 0 and 1, exclusive (0.8 means 80 %), got {value!r}"
    )


def fraction_up_to_one(name: str, value: float) -> float:
    """A fraction above 0 and at most 1 (e.g. a maximum occupancy)."""
    if type(value) is not float:
        value = _as_float(name, value)
    if 0.0 < value <= 1.0:
        return value
    raise PlanningError(
        f"{name} must be a fraction above 0 and at most 1 (0.9 means 90 %), got {value!r}"
    )


def shrinkage(value: float) -> float:
    """A fraction of paid time lost to breaks, training, absence: at least 0, below 1."""
    if type(value) is not float:
        value = _as_float("shrinkage", value)
    if 0.0 <= value < 1.0:
        return value
    raise PlanningError(
        f"shrinkage must be a fraction, at least 0 and below 1 (0.3 means 30 % of paid time is "
        f"lost to breaks, training and absence), got {value!r}"
    )


def agents(name: str, value: int, minimum: int = 0) -> int:
    """A whole number of agents, at least ``minimum``."""
    if type(value) is not int:
        if isinstance(value, bool):
            raise PlanningError(f"{name} must be a whole number of agents, got {value!r}")
        try:
            value = operator.index(value)
        except TypeError as exc:
            raise PlanningError(
                f"{name} must be a whole number of agents (an int), got {value!r}"
            ) from exc
    if value >= minimum:
        return value
    raise PlanningError(f"{name} must be at least {minimum}, got {value}")
