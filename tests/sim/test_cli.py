"""``verbund simulate``: summary, JSON with every KPI, and a self-contained HTML report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

from typer.testing import CliRunner

from verbund.cli import app
from verbund.sim.results import KPIS

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_simulate_writes_json_and_a_self_contained_report_comparing_scenarios(
    tmp_path: Path,
) -> None:
    out, report = tmp_path / "out.json", tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(SCENARIOS / "stationary.toml"),
            str(SCENARIOS / "stationary.toml"),
            "--seed",
            "3",
            "--replications",
            "2",
            "--json",
            str(out),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "service level" in result.output
    documents = json.loads(out.read_text(encoding="utf-8"))["scenarios"]
    assert len(documents) == 2
    document = documents[0]
    assert document["scenario"]["seed"] == 3
    assert document["scenario"]["replications"] == 2
    assert set(KPIS) <= set(document["kpis"])
    assert set(KPIS) <= set(document["ci95"])
    assert len(document["intervals"]) == 8 * 4
    assert set(KPIS) <= set(document["intervals"][0]["kpis"])
    assert document["topics"]["termin"]["kpis"]["offered"] == document["kpis"]["offered"]
    assert document["providers"]["A"]["kpis"]["share_of_answered"] == 1.0
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") >= 6
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for chart in re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL):
        ElementTree.fromstring(chart)  # every chart is well-formed SVG


def test_one_scenario_writes_one_document(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        app,
        ["simulate", str(SCENARIOS / "stationary.toml"), "--replications", "1", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert "ci95" not in document
    assert document["kpis"]["offered"] == document["kpis"]["callers"]
