"""Scenario files: every shipped example loads; mistakes are refused with the file, the key and
what is expected — from the library as a ScenarioError, from the CLI with exit code 2 and no
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from verbund.cli import app
from verbund.sim import ScenarioError, load_scenario, parse_scenario, simulate
from verbund.sim.scenario import DAY

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

VALID = """
[simulation]
duration = "8h"
warmup = "30m"
seed = 1

[hotline]
name = "Impfhotline"
service_level_target = "20s"

[[topics]]
name = "termin"
languages = ["de"]

[arrivals]
rate_per_hour = 6000

[callers]
patience = { dist = "exponential", mean = "3m" }
redial = { probability = 0.0, delay = { dist = "exponential", mean = "2m" }, max_attempts = 10 }
callback_acceptance = 0.0

[handling]
aht = { dist = "exponential", mean = "5m" }
wrap_up = "0s"

[[providers]]
name = "A"
mode = "pooled"
agents = 120
skills = ["termin:de"]
share = 1.0

[routing]
strategy = "longest-idle"
callback_offer_ewt = "2m"
max_ewt = "30m"
redial_window = "10m"
"""


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.providers
    assert scenario.topics
    scenario.engine_config()


def test_the_example_of_the_issue_reads_as_written() -> None:
    scenario = parse_scenario(VALID, source="issue.toml")
    assert scenario.duration == 8 * 3600
    assert scenario.warmup == 1800
    assert scenario.callers.patience.mean == 180
    assert scenario.handling.aht.mean == 300
    assert scenario.rules.callback_offer_ewt == 120
    assert scenario.rules.max_ewt == 1800
    assert scenario.providers[0].agents_at(0.0) == 120


def test_the_launch_day_follows_design_figures() -> None:
    scenario = load_scenario(SCENARIOS / "launch-day.toml")
    assert scenario.duration == DAY
    assert len(scenario.providers) == 12
    peak = max(sum(p.agents_at(h * 3600.0 + 1) for p in scenario.providers) for h in range(24))
    assert peak == 2500
    # Some 620,000 callers: with their redials about 1.2 million attempts (BENCHMARKS.md).
    assert 600_000 <= sum(row.calls for row in scenario.profile) <= 640_000


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("seed = 1", "seed = 1\nsede = 2"), "[simulation] sede: unknown key; expected one of"),
        (('duration = "8h"', 'duration = "8 hours"'), "[simulation] duration: expected a duration"),
        (
            ('warmup = "30m"', 'warmup = "9h"'),
            "[simulation] warmup: expected less than the duration",
        ),
        (('mean = "3m" }', 'mean = "3 min" }'), "[callers] patience.mean: expected a duration"),
        (
            ('dist = "exponential", mean = "3m"', 'dist = "weibull", mean = "3m"'),
            '[callers] patience.dist: expected one of "exponential"',
        ),
        (
            ("probability = 0.0", "probability = 1.5"),
            "[callers] redial.probability: expected a probability from 0 to 1, got 1.5",
        ),
        (
            ("agents = 120", "agents = -3"),
            "[[providers]] 'A' agents: expected a whole number of at least 0, got -3",
        ),
        (
            ('skills = ["termin:de"]', 'skills = ["termin:fr"]'),
            "[[providers]] 'A' skills: expected topic:language among termin:de, got 'termin:fr'",
        ),
        (('mode = "pooled"', 'mode = "outsourced"'), "[[providers]] 'A' mode: expected one of"),
        (
            ('strategy = "longest-idle"', 'strategy = "random"'),
            "[routing] strategy: expected one of",
        ),
        (
            ("rate_per_hour = 6000", 'rate_per_hour = "many"'),
            "[arrivals] rate_per_hour: expected calls per hour, 0 or more, got 'many'",
        ),
        (("rate_per_hour = 6000", 'profile = "missing.csv"'), "[arrivals] profile: cannot read"),
        (("[handling]", '[handling]\nwrap = "1m"'), "[handling] wrap: unknown key"),
    ],
)
def test_mistakes_name_the_file_the_key_and_what_is_expected(
    change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in VALID
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(VALID.replace(old, new, 1), source="launch.toml")
    message = str(refused.value)
    assert message.startswith("launch.toml: ")
    assert expected in message


def test_profile_rows_are_checked_with_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "profile.csv").write_text(
        "interval_start,topic,language,calls\n08:00,termin,de,100\n08:15,termin,de,lots\n",
        encoding="utf-8",
    )
    text = VALID.replace("rate_per_hour = 6000", 'profile = "profile.csv"')
    with pytest.raises(
        ScenarioError, match=r"profile.csv, line 3, column calls: expected a number"
    ):
        parse_scenario(text, source="s.toml", base=tmp_path)


def test_a_profile_becomes_arrivals_per_interval(tmp_path: Path) -> None:
    (tmp_path / "profile.csv").write_text(
        "interval_start,topic,language,calls\n2021-01-12T08:00,termin,de,100\n"
        "2021-01-12T08:15,termin,de,300\n",
        encoding="utf-8",
    )
    text = VALID.replace("rate_per_hour = 6000", 'profile = "profile.csv"').replace(
        "seed = 1", 'seed = 1\nstart = "08:00"'
    )
    scenario = parse_scenario(text, source="s.toml", base=tmp_path)
    assert [(row.start, row.calls) for row in scenario.profile] == [(0.0, 100.0), (900.0, 300.0)]


def test_not_toml_is_refused_with_the_file_name() -> None:
    with pytest.raises(ScenarioError, match=r"^broken.toml: not valid TOML"):
        parse_scenario("[simulation\nduration=1", source="broken.toml")


def test_the_cli_refuses_a_bad_scenario_with_exit_code_2_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(VALID.replace("agents = 120", 'agents = "many"'), encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{path}: [[providers]] 'A' agents: expected a whole number" in result.output


def test_the_cli_refuses_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_the_readme_example_is_a_valid_scenario() -> None:
    readme = (SCENARIOS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Rehearsing a launch", 1)[1]
    example = section.split("```toml", 1)[1].split("```", 1)[0]
    scenario = parse_scenario(example, source="README.md")
    assert scenario.topics[0].language_shares == (0.9, 0.1)
    assert scenario.start == 8 * 3600


def test_the_launch_day_morning_runs_with_every_mechanism_at_work() -> None:
    text = (SCENARIOS / "launch-day.toml").read_text(encoding="utf-8")
    scenario = parse_scenario(
        text.replace('duration = "24h"', 'duration = "8h30m"'),
        source="launch-day.toml",
        base=SCENARIOS,
    )
    document = simulate(scenario)
    kpis = document["kpis"]
    assert kpis["offered"] > kpis["callers"] > 0  # redials
    assert kpis["rejected"] > 0  # admission control
    assert kpis["callbacks"] > 0
    assert kpis["unfinished"] == 0
    answered_by = {name: p["kpis"]["answered"] for name, p in document["providers"].items()}
    assert all(answered_by[name] > 0 for name in ("Alpha", "Kilo", "Lima"))  # pooled, connected
    assert (
        abs(sum(p["kpis"]["share_of_answered"] for p in document["providers"].values()) - 1) < 1e-9
    )
