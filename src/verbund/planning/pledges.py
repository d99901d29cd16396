"""Pledges: the agents each provider promises per interval, and splitting a requirement over them.

Pledges CSV
===========

One header line, then one row per interval and provider::

    interval_start,provider,agents,share
    2021-01-12T07:00,Nordlicht Service,240,0.5
    2021-01-12T07:00,Rheinwerk Dialog,150,0.3
    2021-01-12T07:00,Elbe Contact,90,0.2

``interval_start``
    ISO 8601 date and time on a 15-minute boundary, as in the forecast.
``provider``
    The member company's name.
``agents``
    Agents the provider promises for those 15 minutes: a whole number, 0 or more. They count in
    the same unit as the requirement (with shrinkage, heads to schedule).
``share``
    The provider's contracted share of the work, a fraction from 0 to 1 (``0.3`` or ``30%``).
    Shares are weights: within an interval each is divided by the sum of the shares given there,
    so they need not add up to 1 (a provider that only pledges backup capacity has share 0).

Same reading rules as the forecast (case-insensitive header, extra columns ignored, ``#`` lines
and blank lines skipped, each interval and provider once; errors name line and column). Pledges
for intervals that are not in the forecast are ignored; an interval without pledges is all
shortfall.

The split
=========

``split_requirement`` assigns a requirement of ``R`` agents in one interval:

1. If the pledges do not cover ``R``, every provider gets all it pledged and the rest is the
   **shortfall**.
2. Otherwise each provider's fair quota is ``R x share / sum of shares``; a provider whose quota
   exceeds its pledge gets its pledge, and what it cannot take is shared again among the others
   in proportion to their shares, until nobody is over ("water-filling", in exact rational
   arithmetic). If only providers with share 0 have pledge left, the rest goes in proportion to
   the pledge they have left.
3. Quotas become whole agents by the largest-remainder method: everyone gets the whole part of
   the quota, then the agents still missing go one each to the largest fractional parts (ties:
   larger share first, then the order of first appearance). No provider ever exceeds its
   pledge, and each is within one agent of its quota.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from verbund.errors import PlanningError
from verbund.planning import _checks
from verbund.planning._csv import Row, read_rows
from verbund.planning.intervals import IntervalRequirement

__all__ = [
    "PLEDGE_COLUMNS",
    "IntervalPlan",
    "Pledge",
    "Split",
    "parse_pledges",
    "plan_with_pledges",
    "split_requirement",
]

PLEDGE_COLUMNS = ("interval_start", "provider", "agents", "share")


@dataclass(frozen=True, slots=True)
class Pledge:
    """A provider's promise for one interval."""

    interval_start: datetime
    provider: str
    agents: int
    share: float
    """Contracted share of the work, a weight from 0 to 1."""

    def __post_init__(self) -> None:
        _checks.agents("agents", self.agents)
        share = _checks.non_negative("share", self.share)
        if share > 1.0:
            raise PlanningError(f"share must be a fraction from 0 to 1, got {share!r}")


@dataclass(frozen=True, slots=True)
class Split:
    """How one interval's requirement is spread over the providers who pledged."""

    required: int
    assigned: tuple[tuple[str, int], ...]
    """``(provider, agents)`` in the order the pledges were given."""
    shortfall: int
    """Agents required beyond everything pledged."""

    def agents_of(self, provider: str) -> int:
        """Agents assigned to ``provider`` (0 if it pledged nothing here)."""
        return dict(self.assigned).get(provider, 0)


@dataclass(frozen=True, slots=True)
class IntervalPlan:
    """An interval's requirement and its split over the pledges."""

    requirement: IntervalRequirement
    split: Split


def parse_pledges(lines: Iterable[str], source: str = "pledges") -> list[Pledge]:
    """Read a pledges CSV (format in the module docstring) from lines of text."""
    pledges: list[Pledge] = []
    seen: dict[tuple[datetime, str], int] = {}
    first_aware: bool | None = None
    for row in read_rows(lines, source, PLEDGE_COLUMNS):
        start = row.interval_start("interval_start")
        aware = start.utcoffset() is not None
        if first_aware is None:
            first_aware = aware
        elif aware != first_aware:
            raise row.fail(
                "interval_start",
                "mixes times with and without a UTC offset; write all rows alike",
            )
        provider = row.text("provider")
        agents = row.whole_number("agents", "the agents promised, a whole number, 0 or more")
        share = _share(row)
        key = (start, provider)
        if key in seen:
            raise row.fail(
                "provider",
                f"interval {start.isoformat()} and provider {provider!r} already appear on line "
                f"{seen[key]}; give each interval and provider once",
            )
        seen[key] = row.line
        pledges.append(Pledge(start, provider, agents, share))
    return pledges


def split_requirement(required: int, pledges: Sequence[Pledge]) -> Split:
    """Spread ``required`` agents over one interval's pledges (rules in the module docstring)."""
    required = _checks.agents("required", required)
    names = [pledge.provider for pledge in pledges]
    if len(set(names)) != len(names):
        raise PlanningError("pledges name a provider twice; give each provider once per interval")
    if len({pledge.interval_start for pledge in pledges}) > 1:
        raise PlanningError("pledges from different intervals; split one interval at a time")
    capacity = sum(pledge.agents for pledge in pledges)
    if required >= capacity:
        return Split(
            required,
            tuple((pledge.provider, pledge.agents) for pledge in pledges),
            required - capacity,
        )
    quotas = _water_fill(required, pledges)
    whole = [quota.numerator // quota.denominator for quota in quotas]
    missing = required - sum(whole)
    by_remainder = sorted(
        range(len(pledges)),
        key=lambda i: (-(quotas[i] - whole[i]), -pledges[i].share, i),
    )
    for i in by_remainder[:missing]:
        whole[i] += 1
    return Split(
        required,
        tuple((pledge.provider, agents) for pledge, agents in zip(pledges, whole, strict=True)),
        0,
    )


def plan_with_pledges(
    requirements: Iterable[IntervalRequirement], pledges: Iterable[Pledge]
) -> list[IntervalPlan]:
    """Split each interval's total requirement over the pledges made for that interval."""
    by_start: dict[datetime, list[Pledge]] = {}
    for pledge in pledges:
        by_start.setdefault(pledge.interval_start, []).append(pledge)
    return [
        IntervalPlan(
            requirement, split_requirement(requirement.agents, by_start.get(requirement.start, []))
        )
        for requirement in requirements
    ]


def _water_fill(required: int, pledges: Sequence[Pledge]) -> list[Fraction]:
    """Quotas summing to ``required``, none above its pledge, proportional to share otherwise."""
    quotas = [Fraction(0)] * len(pledges)
    weights = [Fraction(pledge.share) for pledge in pledges]
    active = [i for i, pledge in enumerate(pledges) if pledge.agents > 0]
    remaining = Fraction(required)
    while remaining > 0 and active:
        total = sum((weights[i] for i in active), Fraction(0))
        if total == 0:
            # Only providers without a contracted share have room left: by what they have left.
            weights = [Fraction(pledge.agents) for pledge in pledges]
            total = sum((weights[i] for i in active), Fraction(0))
        share_out = {i: remaining * weights[i] / total for i in active}
        full = [i for i in active if share_out[i] >= pledges[i].agents]
        if not full:
            for i in active:
                quotas[i] = share_out[i]
            break
        for i in full:
            quotas[i] = Fraction(pledges[i].agents)
            remaining -= pledges[i].agents
        active = [i for i in active if i not in full]
    return quotas


def _share(row: Row) -> float:
    text = row.text("share")
    what = "the contracted share, a fraction from 0 to 1 such as 0.3 or 30%"
    if text.endswith("%"):
        number = text[:-1].strip()
        try:
            value = float(number) / 100.0
        except ValueError:
            raise row.fail("share", f"{text!r} is not a percentage; give {what}") from None
    else:
        value = row.number("share", what)
    if not 0.0 <= value <= 1.0:
        raise row.fail("share", f"{text!r} is outside 0 to 1; give {what}")
    return value
