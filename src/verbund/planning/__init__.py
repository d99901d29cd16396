"""Staffing math: Erlang B, C and A, agents required, interval plans, splits over pledges.

Units everywhere: times in seconds, rates per second, load in Erlangs (arrival rate x average
handling time, AHT). Every bad argument raises ``verbund.errors.PlanningError`` (a
``ValueError``) naming the argument and saying why.

Queueing formulas (``erlang``), each O(1) in the number of agents:

* ``erlang_b(load, agents)``: probability a call is blocked when nobody waits (M/M/n/n).
* ``erlang_c(load, agents)``: probability a call waits when callers wait forever (M/M/n).
* ``service_level(load, agents, aht, target)``: Erlang C, fraction answered within ``target``.
* ``average_speed_of_answer(load, agents, aht)``: Erlang C, mean wait of all calls.
* ``erlang_a(arrival_rate, aht, patience, agents, target) -> ErlangA``: M/M/n+M, callers hang
  up after an exponential patience; also valid with fewer agents than the load.

Staffing (``staffing``):

* ``required_agents(arrival_rate, aht, target, service_level, *, patience, max_occupancy,
  max_abandon, shrinkage)``: the smallest agent count meeting every goal, grossed up for
  shrinkage.

Interval plans (``intervals``, ``pledges``; CSV formats in their docstrings):

* ``parse_forecast(lines)`` -> ``ForecastRow`` s; ``plan_requirements(rows, Goals(...))`` ->
  ``IntervalRequirement`` per 15-minute interval (per topic and total).
* ``parse_pledges(lines)`` -> ``Pledge`` s; ``split_requirement(required, pledges)`` -> ``Split``
  respecting every pledge and each contracted share; ``plan_with_pledges(requirements,
  pledges)`` -> ``IntervalPlan`` s.

Pure: no I/O and no clock; parsers take any iterable of lines (an open file, a list of strings).
"""

from verbund.planning.erlang import (
    ErlangA,
    average_speed_of_answer,
    erlang_a,
    erlang_b,
    erlang_c,
    service_level,
)
from verbund.planning.intervals import (
    FORECAST_COLUMNS,
    INTERVAL,
    ForecastRow,
    Goals,
    IntervalRequirement,
    TopicRequirement,
    parse_forecast,
    plan_requirements,
)
from verbund.planning.pledges import (
    PLEDGE_COLUMNS,
    IntervalPlan,
    Pledge,
    Split,
    parse_pledges,
    plan_with_pledges,
    split_requirement,
)
from verbund.planning.staffing import required_agents

__all__ = [
    "FORECAST_COLUMNS",
    "INTERVAL",
    "PLEDGE_COLUMNS",
    "ErlangA",
    "ForecastRow",
    "Goals",
    "IntervalPlan",
    "IntervalRequirement",
    "Pledge",
    "Split",
    "TopicRequirement",
    "average_speed_of_answer",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "parse_forecast",
    "parse_pledges",
    "plan_requirements",
    "plan_with_pledges",
    "required_agents",
    "service_level",
    "split_requirement",
]
