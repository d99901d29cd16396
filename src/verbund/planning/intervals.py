"""Interval plans: a forecast per 15-minute interval in, the agents each interval needs out.

Forecast CSV
============

One header line, then one row per interval and topic::

    interval_start,topic,calls,aht
    2021-01-12T07:00,termin,1850,360
    2021-01-12T07:00,impfung,420,420

``interval_start``
    ISO 8601 date and time on a 15-minute boundary (``2021-01-12T07:15``; a space instead of
    ``T`` and a UTC offset such as ``+01:00`` are accepted, but all rows alike).
``topic``
    What the callers need (the IVR choice); each topic is planned as its own queue.
``calls``
    Calls offered in the 15 minutes from ``interval_start`` (callers, not redial attempts),
    a number, 0 or more; fractions are fine for forecasts.
``aht``
    Average handling time of those calls in seconds (talk plus wrap-up), above 0.

Column names are matched regardless of case; further columns are ignored; blank lines and lines
starting with ``#`` are skipped. Each interval and topic may appear once. An error names the
source, line and column, e.g. ``forecast.csv, line 7, column 3 (calls): 'abc' is not a
number; ...``.

The plan
========

Each topic of each interval is a queue with arrival rate ``calls / 900`` per second. Its
requirement is ``required_agents`` for the ``Goals``; its expected service level, average speed
of answer and abandonment are those of the agents who answer (before shrinkage). An interval's
total is the sum over its topics: agents are skilled per topic, so the queues do not pool. Its
service level, answer speed and abandonment are averages weighted by calls (answer speed by
answered calls).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from verbund.errors import PlanningError
from verbund.planning import _checks
from verbund.planning._csv import read_rows
from verbund.planning.erlang import average_speed_of_answer as _average_speed_of_answer
from verbund.planning.erlang import erlang_a, service_level
from verbund.planning.staffing import gross_up, productive_agents

__all__ = [
    "FORECAST_COLUMNS",
    "INTERVAL",
    "ForecastRow",
    "Goals",
    "IntervalRequirement",
    "TopicRequirement",
    "parse_forecast",
    "plan_requirements",
]

INTERVAL = timedelta(minutes=15)
INTERVAL_SECONDS = 900.0
FORECAST_COLUMNS = ("interval_start", "topic", "calls", "aht")


@dataclass(frozen=True, slots=True)
class ForecastRow:
    """Calls expected for one topic in one 15-minute interval."""

    interval_start: datetime
    topic: str
    calls: float
    """Calls offered in the interval."""
    aht: float
    """Average handling time in seconds."""

    def __post_init__(self) -> None:
        _checks.non_negative("calls", self.calls)
        _checks.positive("aht", self.aht, " seconds")


@dataclass(frozen=True, slots=True)
class Goals:
    """What every queue must achieve; see ``required_agents`` for the meaning of each."""

    target: float = 20.0
    """Seconds within which calls count as answered in time."""
    service_level: float = 0.8
    """Fraction of calls to answer within ``target``."""
    patience: float | None = None
    """Mean seconds callers hold on; given, the plan uses Erlang A, else Erlang C."""
    max_occupancy: float | None = None
    max_abandon: float | None = None
    shrinkage: float = 0.0

    def __post_init__(self) -> None:
        _checks.non_negative("target", self.target, " seconds")
        _checks.probability_open("service_level", self.service_level)
        _checks.shrinkage(self.shrinkage)
        if self.patience is not None:
            _checks.positive("patience", self.patience, " seconds")
        if self.max_occupancy is not None:
            _checks.fraction_up_to_one("max_occupancy", self.max_occupancy)
        if self.max_abandon is not None:
            _checks.probability_open("max_abandon", self.max_abandon)
            if self.patience is None:
                raise PlanningError(
                    "max_abandon needs patience: Erlang C assumes callers never hang up; give "
                    "the mean time callers hold on (patience) to plan with Erlang A"
                )


@dataclass(frozen=True, slots=True)
class TopicRequirement:
    """One topic's queue in one interval, and what it needs."""

    topic: str
    calls: float
    aht: float
    load: float
    """Offered load in Erlangs: calls per second times AHT."""
    agents: int
    """Agents to schedule: the productive agents grossed up for shrinkage."""
    productive_agents: int
    """Agents answering calls, the smallest count that meets every goal."""
    service_level: float | None
    """Expected fraction answered within the target (``None`` without calls)."""
    asa: float | None
    """Expected mean wait of answered calls in seconds (``None`` without calls)."""
    abandon: float | None
    """Expected fraction of callers who hang up (``None`` under Erlang C or without calls)."""
    occupancy: float | None
    """Expected fraction of the productive agents' time spent on calls."""


@dataclass(frozen=True, slots=True)
class IntervalRequirement:
    """All topics of one interval, and their total."""

    start: datetime
    topics: tuple[TopicRequirement, ...]

    @property
    def calls(self) -> float:
        return sum(topic.calls for topic in self.topics)

    @property
    def load(self) -> float:
        return sum(topic.load for topic in self.topics)

    @property
    def agents(self) -> int:
        return sum(topic.agents for topic in self.topics)

    @property
    def productive_agents(self) -> int:
        return sum(topic.productive_agents for topic in self.topics)

    @property
    def aht(self) -> float | None:
        """Call-weighted average handling time (``None`` without calls)."""
        calls = self.calls
        if calls == 0.0:
            return None
        return sum(topic.calls * topic.aht for topic in self.topics) / calls

    @property
    def service_level(self) -> float | None:
        """Call-weighted expected service level (``None`` without calls)."""
        return _weighted((topic.calls, topic.service_level) for topic in self.topics)

    @property
    def abandon(self) -> float | None:
        """Call-weighted expected abandonment (``None`` under Erlang C or without calls)."""
        return _weighted((topic.calls, topic.abandon) for topic in self.topics)

    @property
    def asa(self) -> float | None:
        """Expected mean wait of answered calls, weighted by answered calls."""
        return _weighted(
            (topic.calls * (1.0 - (topic.abandon or 0.0)), topic.asa) for topic in self.topics
        )

    @property
    def occupancy(self) -> float | None:
        agents = self.productive_agents
        if agents == 0:
            return None
        carried = sum(topic.load * (1.0 - (topic.abandon or 0.0)) for topic in self.topics)
        return carried / agents


def parse_forecast(lines: Iterable[str], source: str = "forecast") -> list[ForecastRow]:
    """Read a forecast CSV (format in the module docstring) from lines of text.

    ``source`` names the text in error messages, e.g. the file name.
    """
    rows: list[ForecastRow] = []
    seen: dict[tuple[datetime, str], int] = {}
    first_aware: bool | None = None
    for row in read_rows(lines, source, FORECAST_COLUMNS):
        start = row.interval_start("interval_start")
        aware = start.utcoffset() is not None
        if first_aware is None:
            first_aware = aware
        elif aware != first_aware:
            raise row.fail(
                "interval_start",
                "mixes times with and without a UTC offset; write all rows alike",
            )
        topic = row.text("topic")
        calls = row.number("calls", "the calls offered in the interval, 0 or more")
        aht = row.number("aht", "the average handling time in seconds, above 0")
        if aht == 0.0:
            raise row.fail("aht", "is 0; give the average handling time in seconds, above 0")
        key = (start, topic)
        if key in seen:
            raise row.fail(
                "topic",
                f"interval {start.isoformat()} and topic {topic!r} already appear on line "
                f"{seen[key]}; give each interval and topic once",
            )
        seen[key] = row.line
        rows.append(ForecastRow(start, topic, calls, aht))
    return rows


def plan_requirements(
    forecast: Iterable[ForecastRow], goals: Goals | None = None
) -> list[IntervalRequirement]:
    """The requirement of each interval in the forecast, in time order.

    Topics keep the order in which they first appear in the forecast.
    """
    goals = Goals() if goals is None else goals
    by_start: dict[datetime, list[ForecastRow]] = {}
    order: dict[str, int] = {}
    for row in forecast:
        by_start.setdefault(row.interval_start, []).append(row)
        order.setdefault(row.topic, len(order))
    try:
        starts = sorted(by_start)
    except TypeError:
        raise PlanningError(
            "the forecast mixes times with and without a UTC offset; write all rows alike"
        ) from None
    return [
        IntervalRequirement(
            start,
            tuple(
                _topic_requirement(row, goals)
                for row in sorted(by_start[start], key=lambda row: order[row.topic])
            ),
        )
        for start in starts
    ]


def _topic_requirement(row: ForecastRow, goals: Goals) -> TopicRequirement:
    lam = row.calls / INTERVAL_SECONDS
    load = lam * row.aht
    net = productive_agents(
        lam,
        row.aht,
        goals.target,
        goals.service_level,
        goals.patience,
        goals.max_occupancy,
        goals.max_abandon,
    )
    level: float | None = None
    asa: float | None = None
    abandon: float | None = None
    occupancy: float | None = None
    if net > 0:
        if goals.patience is None:
            level = service_level(load, net, row.aht, goals.target)
            asa = _average_speed_of_answer(load, net, row.aht)
            occupancy = load / net
        else:
            measures = erlang_a(lam, row.aht, goals.patience, net, goals.target)
            level = measures.service_level
            asa = measures.asa
            abandon = measures.p_abandon
            occupancy = measures.occupancy
    return TopicRequirement(
        topic=row.topic,
        calls=row.calls,
        aht=row.aht,
        load=load,
        agents=gross_up(net, goals.shrinkage),
        productive_agents=net,
        service_level=level,
        asa=asa,
        abandon=abandon,
        occupancy=occupancy,
    )


def _weighted(pairs: Iterable[tuple[float, float | None]]) -> float | None:
    total = 0.0
    weight = 0.0
    for calls, value in pairs:
        if value is not None and calls > 0.0:
            total += calls * value
            weight += calls
    return total / weight if weight > 0.0 else None
