"""``verbund plan``: a table or JSON for a forecast; bad input gives one line and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from verbund.cli import app
from verbund.planning import required_agents

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FORECAST = str(EXAMPLES / "forecast.csv")
PLEDGES = str(EXAMPLES / "pledges.csv")

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_plan_prints_a_table_of_every_interval_with_providers_and_shortfall() -> None:
    code, out, _ = run("plan", FORECAST, "--pledges", PLEDGES)
    assert code == 0
    for heading in ("Interval", "Calls", "AHT", "Load", "termin", "impfung", "Agents", "SL"):
        assert heading in out
    for provider in ("Nordlicht Service", "Rheinwerk Dialog", "Elbe Contact", "Short"):
        assert provider in out
    assert "08:30" in out
    assert "1,890" in out  # the peak requirement
    assert "Shortfall:" in out
    assert "96 intervals" in out


def test_plan_json_parses_and_holds_every_interval() -> None:
    code, out, _ = run("plan", FORECAST, "--pledges", PLEDGES, "--json")
    assert code == 0
    document = json.loads(out)
    assert document["model"] == "erlang_c"
    assert len(document["intervals"]) == 96
    peak = max(document["intervals"], key=lambda interval: interval["agents"])
    assert peak["agents"] == sum(topic["agents"] for topic in peak["topics"])
    assert sum(peak["providers"].values()) + peak["shortfall"] == peak["agents"]
    assert peak["service_level"] >= 0.8


def test_plan_with_patience_and_goals_uses_erlang_a() -> None:
    code, out, _ = run(
        "plan",
        FORECAST,
        "--json",
        "--patience",
        "3m",
        "--max-abandon",
        "5%",
        "--target",
        "30s",
        "--service-level",
        "90%",
        "--shrinkage",
        "0.3",
        "--max-occupancy",
        "0.95",
    )
    assert code == 0
    document = json.loads(out)
    assert document["model"] == "erlang_a"
    assert document["goals"]["patience"] == 180.0
    assert document["goals"]["target"] == 30.0
    topic = document["intervals"][40]["topics"][0]
    assert topic["abandon"] <= 0.05
    assert topic["service_level"] >= 0.9
    assert topic["agents"] > topic["productive_agents"]


def test_plan_for_one_interval_from_arguments() -> None:
    code, out, _ = run("plan", "--calls-per-hour", "6000", "--aht", "5m", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["agents"] == required_agents(6000 / 3600, 300.0, 20.0, 0.8) == 513
    assert document["load"] == pytest.approx(500.0)
    code, out, _ = run("plan", "--calls-per-hour", "6000", "--aht", "300")
    assert code == 0
    assert "513" in out
    assert "500.0 Erlangs" in out


def test_plan_reads_the_forecast_from_standard_input() -> None:
    text = "interval_start,topic,calls,aht\n2021-01-12T08:00,termin,1500,300\n"
    code, out, _ = run("plan", "-", "--json", stdin=text)
    assert code == 0
    assert json.loads(out)["intervals"][0]["agents"] == required_agents(
        1500 / 900, 300.0, 20.0, 0.8
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "missing.csv"], "no such file"),
        (["plan", FORECAST, "--target", "20x"], "--target: '20x' is not a duration"),
        (["plan", FORECAST, "--service-level", "1.5"], "--service-level must be a fraction"),
        (["plan", FORECAST, "--shrinkage", "100%"], "--shrinkage must be a fraction"),
        (["plan", FORECAST, "--max-abandon", "0.05"], "needs patience"),
        (["plan"], "give a forecast file"),
        (["plan", FORECAST, "--calls-per-hour", "100"], "leave them out"),
        (["plan", "--calls-per-hour", "100", "--aht", "0"], "aht must be a finite number"),
    ],
)
def test_bad_input_gives_one_line_and_exit_code_2(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_a_bad_row_is_reported_with_file_line_and_column(tmp_path: Path) -> None:
    forecast = tmp_path / "day.csv"
    forecast.write_text(
        "interval_start,topic,calls,aht\n2021-01-12T08:00,termin,12,300\n"
        "2021-01-12T08:15,termin,lots,300\n",
        encoding="utf-8",
    )
    code, _, err = run("plan", str(forecast))
    assert code == 2
    assert f"{forecast}, line 3, column 3 (calls): 'lots' is not a number" in err


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    forecast = tmp_path / "day.csv"
    forecast.write_bytes(
        "interval_start,topic,calls,aht\n2021-01-12T08:00,Prüfung,1,30\n".encode("latin-1")
    )
    code, _, err = run("plan", str(forecast))
    assert code == 2
    assert "not UTF-8" in err


def test_help_explains_with_examples() -> None:
    code, out, _ = run("plan", "--help")
    assert code == 0
    assert "Examples" in out
    assert "verbund plan examples/forecast.csv --pledges examples/pledges.csv" in out
    assert "--calls-per-hour" in out
    assert "interval_start,topic,calls,aht" in out


def test_the_console_script_runs_without_a_traceback_on_bad_input() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from verbund.cli import main; main()", "plan", "nope.csv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot read the forecast file")
    assert "Traceback" not in result.stderr
