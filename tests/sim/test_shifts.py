"""Shift ends: an agent busy when their shift ends logs out as soon as they are free (and not
before), whatever frees them: the end of the call, of a fixed or a manual wrap-up."""

from __future__ import annotations

import numpy as np
import pytest

from verbund.sim import parse_scenario, run_replication

SHIFT_END = 3600.0


def _scenario(handling: str):  # type: ignore[no-untyped-def]
    # 17 Erlangs on 20 agents: when the first shift ends, most of its agents are on a call.
    return parse_scenario(
        f"""
[simulation]
duration = "3h"
seed = 3

[[topics]]
name = "termin"

[arrivals]
rate_per_hour = 200

[callers]
patience = {{ dist = "exponential", mean = "3m" }}

[handling]
aht = {{ dist = "exponential", mean = "5m" }}
{handling}

[[providers]]
name = "A"
shifts = [{{ start = "00:00", end = "01:00", agents = 20 }},
          {{ start = "01:00", end = "03:00", agents = 20 }}]
skills = ["termin:de"]
""",
        source="shifts.toml",
    )


@pytest.mark.parametrize(
    "handling",
    [
        'wrap_up = "0s"',
        'wrap_up = "30s"',
        'wrap_up = { dist = "lognormal", mean = "40s", cv = 0.5 }',
        'wrap_up = "30s"\nthink_time = "3s"',
    ],
    ids=["no-wrap-up", "fixed-wrap-up", "manual-wrap-up", "think-time"],
)
def test_a_busy_agent_logs_out_when_their_last_contact_is_done(handling: str) -> None:
    trace = run_replication(_scenario(handling))

    for begin, end in ((0.0, SHIFT_END), (SHIFT_END, 3 * SHIFT_END)):
        shift = trace.login_start == begin
        assert np.count_nonzero(shift) == 20
        ends = trace.login_end[shift]
        # Those idle at the end of their shift leave at once; the others once they are free,
        # which is the very moment one of the busy spans (call and wrap-up) ends.
        assert np.all(ends >= end)
        late = ends[ends > end]
        assert len(late) >= 5
        assert np.all(np.isin(late, trace.busy_end))
        assert np.all(late < end + 3600.0)
