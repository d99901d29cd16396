"""Replications in several processes give the same result, bit for bit, as one after the other."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from verbund.cli import app
from verbund.errors import ConfigurationError
from verbund.sim import PARALLEL_FROM_ATTEMPTS, ScenarioError, load_scenario, simulate
from verbund.sim.parallel import run_in_processes
from verbund.sim.results import summarize
from verbund.sim.scenario import Topic

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _json(document: dict) -> str:
    return json.dumps(document, sort_keys=True, allow_nan=False)


def test_processes_give_the_same_replications_in_order_with_progress() -> None:
    # The regional example draws from every random stream (see test_determinism), and worker
    # processes start with other hash seeds than this one: nothing may depend on them.
    scenario = load_scenario(SCENARIOS / "regional.toml").with_options(replications=3)
    seen: dict[int, list[float]] = {}

    runs = run_in_processes(scenario, 2, lambda r, f: seen.setdefault(r, []).append(f))

    alone = simulate(scenario)
    assert _json(summarize(scenario, runs)) == _json(alone)
    assert sorted(seen) == [0, 1, 2]
    for fractions in seen.values():
        assert fractions == sorted(fractions)
        assert fractions[-1] == 1.0


def test_a_failing_replication_raises_its_error_in_the_caller() -> None:
    scenario = load_scenario(SCENARIOS / "stationary.toml").with_options(replications=2)
    broken = replace(scenario, topics=(Topic(name="", languages=("de",)),))

    with pytest.raises(ConfigurationError, match="expected a name and languages"):
        run_in_processes(broken, 2)


def test_small_runs_stay_in_this_process_and_jobs_must_be_positive() -> None:
    scenario = load_scenario(SCENARIOS / "stationary.toml").with_options(replications=2)
    assert scenario.expected_first_attempts() * 2 < PARALLEL_FROM_ATTEMPTS
    calls: list[int] = []
    here = os.getpid()

    def progress(replication: int, fraction: float) -> None:
        calls.append(os.getpid())

    document = simulate(scenario, progress, jobs=8)
    assert set(calls) == {here}  # (progress is always called here; small runs also run here)
    assert len(document["replications"]) == 2
    with pytest.raises(ScenarioError, match="jobs: expected 1 or more"):
        simulate(scenario, jobs=0)


def test_the_cli_takes_jobs_and_refuses_nonsense(tmp_path: Path) -> None:
    out = tmp_path / "two.json"
    args = ["simulate", str(SCENARIOS / "stationary.toml"), "--replications", "2"]
    result = CliRunner().invoke(app, [*args, "-j", "2", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        json.loads(out.read_text())["kpis"]
        == simulate(load_scenario(SCENARIOS / "stationary.toml").with_options(replications=2))[
            "kpis"
        ]
    )

    refused = CliRunner().invoke(app, [*args, "--jobs", "0"])
    assert refused.exit_code != 0
    assert "--jobs: expected 1 or more processes, got 0" in refused.output
    assert "Traceback" not in refused.output
