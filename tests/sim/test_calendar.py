"""The driver's calendar gives its events in the order one heap of (time, arrival) would."""

from __future__ import annotations

import heapq
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from verbund.sim.driver import Calendar

# Steps: push an event some seconds after now (0 for at once, fractions and whole seconds so that
# times fall in the running second, on a second's edge and far ahead), or pop the next one; an
# "arrival" moves now forward between events, as a caller's first attempt does.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0, 7.5, 90.0])),
        st.tuples(st.just("push"), st.floats(0.0, 30.0, allow_nan=False)),
        st.tuples(st.just("arrive"), st.floats(0.0, 5.0, allow_nan=False)),
        st.tuples(st.just("pop"), st.just(0.0)),
    ),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_the_same_order_as_one_heap(steps: list[tuple[str, float]]) -> None:
    calendar = Calendar()
    reference: list[tuple[float, int, int]] = []
    now = 0.0
    for number, (step, value) in enumerate(steps):
        first = calendar.first()
        assert first == (reference[0][0] if reference else math.inf)
        if step == "push":
            calendar.push(now + value, (number, None, None))
            heapq.heappush(reference, (now + value, number, number))
        elif step == "arrive":
            now = min(now + value, first)  # never past the next event
        elif reference:
            at, _, (kind, _, _) = calendar.pop()
            expected_at, _, expected_kind = heapq.heappop(reference)
            assert (at, kind) == (expected_at, expected_kind)
            now = at
    while reference:
        assert calendar.first() == reference[0][0]
        at, _, (kind, _, _) = calendar.pop()
        assert (at, kind) == heapq.heappop(reference)[::2]
    assert calendar.first() == math.inf


def test_events_at_the_same_time_come_first_in_first_out() -> None:
    calendar = Calendar()
    for kind in range(5):
        calendar.push(3.0, (kind, None, None))
    calendar.push(2.5, (9, None, None))
    order = []
    while calendar.first() < math.inf:
        order.append(calendar.pop()[2][0])
    assert order == [9, 0, 1, 2, 3, 4]
