"""``verbund simulate`` on a terminal: progress while it runs, a summary table at the end, and
the JSON and HTML files. The Typer command in ``verbund.cli`` only parses options and calls
:func:`simulate_files`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from verbund.sim import simulate
from verbund.sim.errors import ScenarioError
from verbund.sim.report import KPI_ROWS, render_report
from verbund.sim.scenario import Scenario, load_scenario

Json = dict[str, Any]


def simulate_files(
    paths: Sequence[Path],
    *,
    seed: int | None = None,
    replications: int | None = None,
    jobs: int = 1,
    json_out: Path | None = None,
    report_out: Path | None = None,
    console: Console | None = None,
) -> list[Json]:
    """Load every scenario (all are checked before any runs), simulate them, print the summary
    and write the requested files. Raises :class:`ScenarioError` for a bad scenario or option."""
    if replications is not None and replications < 1:
        raise ScenarioError(f"--replications: expected 1 or more, got {replications}")
    if jobs < 1:
        raise ScenarioError(f"--jobs: expected 1 or more processes, got {jobs}")
    scenarios = [
        load_scenario(path).with_options(seed=seed, replications=replications) for path in paths
    ]
    console = console or Console()
    documents: list[Json] = []
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f} %"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        documents.extend(_run(scenario, progress, jobs) for scenario in scenarios)
    elapsed = time.perf_counter() - started
    console.print(summary_table(documents))
    console.print(f"simulated in {elapsed:.1f} s")
    if json_out is not None:
        document = documents[0] if len(documents) == 1 else {"scenarios": documents}
        _write(json_out, json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False))
        console.print(f"wrote {json_out}")
    if report_out is not None:
        _write(report_out, render_report(documents))
        console.print(f"wrote {report_out}")
    return documents


def _run(scenario: Scenario, progress: Progress, jobs: int) -> Json:
    total = scenario.replications
    running = min(jobs, total)
    task = progress.add_task(f"{scenario.name}", total=float(total))
    done = [0.0] * total  # per replication, the fraction done (several run at once with jobs)

    def advance(replication: int, fraction: float) -> None:
        done[replication] = fraction
        where = (
            f"replication {replication + 1} of {total}"
            if running == 1
            else f"{total} replications, {running} at once"
        )
        progress.update(task, completed=sum(done), description=f"{scenario.name} ({where})")

    document = simulate(scenario, advance, jobs=jobs)
    progress.update(task, completed=float(total))
    return document


def summary_table(documents: Sequence[Json]) -> Table:
    table = Table(
        title="Simulated KPIs after warm-up (± 95 % confidence half-width)", box=box.SIMPLE_HEAD
    )
    table.add_column("KPI")
    for d in documents:
        table.add_column(str(d["scenario"]["name"]), justify="right")
    for key, label, fmt in KPI_ROWS:
        cells = []
        for d in documents:
            value = d["kpis"].get(key)
            ci = d.get("ci95", {}).get(key)
            text = "–" if value is None else fmt(value)
            if ci is not None and value is not None:
                text += f" ± {fmt(ci)}"
            cells.append(text)
        table.add_row(label, *cells)
    for d in documents:
        shares = ", ".join(
            f"{name} {100 * (p['kpis']['share_of_answered'] or 0.0):.0f} %"
            for name, p in d["providers"].items()
        )
        if len(documents) > 1:
            shares = f"{d['scenario']['name']}: {shares}"
        table.caption = (table.caption + "\n" if table.caption else "") + (
            f"share of answered: {shares}"
        )
    return table


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot write {path}: {exc.strerror or exc}") from exc
