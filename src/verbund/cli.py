"""The ``verbund`` command.

Bad input gives one line on standard error (what is wrong, where, what to do) and exit code 2,
never a traceback.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from verbund.errors import VerbundError
from verbund.planning import (
    ErlangA,
    Goals,
    IntervalPlan,
    IntervalRequirement,
    erlang_a,
    parse_forecast,
    parse_pledges,
    plan_requirements,
    plan_with_pledges,
    required_agents,
)
from verbund.planning import average_speed_of_answer as erlang_c_asa
from verbund.planning import service_level as erlang_c_service_level

app = typer.Typer(
    name="verbund",
    help="Verbund: many contact-center companies staffing one national hotline together.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2
_INTERVAL_HOURS = 0.25

_PLAN_HELP = (
    "Work out how many agents each 15-minute interval needs, and who provides them.\n\n"
    "Reads a forecast of calls per interval and topic and finds, for each, the smallest number "
    "of agents that answers --service-level of the calls within --target (Erlang C; Erlang A "
    "with --patience, where callers hang up). With --pledges it splits each interval's "
    "requirement over the providers' pledges by their contracted shares and shows any "
    "shortfall. Without a file, --calls-per-hour and --aht plan a single interval."
)

_PLAN_EPILOG = "\n\n".join(
    [
        "[b]Examples[/b]",
        "  verbund plan examples/forecast.csv --pledges examples/pledges.csv",
        "  verbund plan forecast.csv --target 30s --service-level 90% --patience 3m "
        "--max-abandon 5%",
        "  verbund plan forecast.csv --shrinkage 30% --json > plan.json",
        "  verbund plan --calls-per-hour 6000 --aht 5m",
        "[b]Files[/b] (CSV with a header line; times ISO 8601 on 15-minute boundaries)",
        "  forecast: interval_start,topic,calls,aht (calls offered in the interval, AHT in "
        "seconds)",
        "  pledges: interval_start,provider,agents,share (agents promised, contracted share such "
        "as 0.5 or 50%)",
        "Durations: 20s, 5m, 1h, 1m30s or plain seconds. Fractions: 0.8 or 80%.",
    ]
)


@app.callback()
def _verbund() -> None:
    """Verbund: many contact-center companies staffing one national hotline together."""


class _BadInput(Exception):
    """A problem with the command line or a file, already phrased for the user."""


@app.command(help=_PLAN_HELP, epilog=_PLAN_EPILOG)
def plan(
    forecast: Annotated[
        Path | None,
        typer.Argument(
            help="Forecast CSV (interval_start,topic,calls,aht); '-' reads standard input.",
            show_default=False,
        ),
    ] = None,
    pledges: Annotated[
        Path | None,
        typer.Option(
            "--pledges",
            help="Pledges CSV (interval_start,provider,agents,share): split each interval's "
            "requirement over the providers.",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        str, typer.Option(help="Answer calls within this time (20s, 1m, or seconds).")
    ] = "20s",
    service_level: Annotated[
        str, typer.Option(help="Fraction of calls to answer within --target (0.8 or 80%).")
    ] = "0.8",
    patience: Annotated[
        str | None,
        typer.Option(
            help="Mean time callers hold on before hanging up; plans with Erlang A instead of "
            "Erlang C.",
            show_default=False,
        ),
    ] = None,
    max_occupancy: Annotated[
        str | None,
        typer.Option(
            help="Keep agents busy at most this fraction of the time.", show_default=False
        ),
    ] = None,
    max_abandon: Annotated[
        str | None,
        typer.Option(
            help="At most this fraction of callers may hang up (needs --patience).",
            show_default=False,
        ),
    ] = None,
    shrinkage: Annotated[
        str, typer.Option(help="Fraction of paid time lost to breaks, training, absence.")
    ] = "0",
    calls_per_hour: Annotated[
        float | None,
        typer.Option(
            help="Plan one interval without a file: calls offered per hour (with --aht).",
            show_default=False,
        ),
    ] = None,
    aht: Annotated[
        str | None,
        typer.Option(
            help="Average handling time for --calls-per-hour (5m, 300s, ...).", show_default=False
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The ``plan`` command; its help text is ``_PLAN_HELP``."""
    try:
        goals = Goals(
            target=_duration("--target", target),
            service_level=_fraction("--service-level", service_level),
            patience=None if patience is None else _duration("--patience", patience),
            max_occupancy=None
            if max_occupancy is None
            else _fraction("--max-occupancy", max_occupancy),
            max_abandon=None if max_abandon is None else _fraction("--max-abandon", max_abandon),
            shrinkage=_fraction("--shrinkage", shrinkage),
        )
        if forecast is None:
            if calls_per_hour is None or aht is None:
                raise _BadInput(
                    "give a forecast file (verbund plan FORECAST.csv) or one interval with "
                    "--calls-per-hour and --aht"
                )
            if pledges is not None:
                raise _BadInput("--pledges needs a forecast file; --calls-per-hour plans no split")
            _plan_one(calls_per_hour, _duration("--aht", aht), goals, as_json)
            return
        if calls_per_hour is not None or aht is not None:
            raise _BadInput(
                "--calls-per-hour and --aht plan one interval without a file; leave them out "
                "when you give a forecast file"
            )
        with _opened(forecast, "forecast") as lines:
            rows = parse_forecast(lines, _name(forecast))
        if not rows:
            raise _BadInput(f"{_name(forecast)} has a header but no rows; add one row per interval")
        requirements = plan_requirements(rows, goals)
        if pledges is None:
            plans: list[IntervalPlan] | None = None
        else:
            with _opened(pledges, "pledges") as lines:
                pledge_rows = parse_pledges(lines, _name(pledges))
            plans = plan_with_pledges(requirements, pledge_rows)
            providers = list(dict.fromkeys(pledge.provider for pledge in pledge_rows))
    except (_BadInput, VerbundError) as exc:
        _fail(_with_option_names(str(exc)))
    if as_json:
        _print_json(_plan_json(goals, requirements, plans))
    else:
        _print_plan(goals, requirements, plans, providers if plans is not None else [])


def main() -> None:
    """Entry point of the ``verbund`` console script."""
    app()


# ---- one interval -----------------------------------------------------------------------------


def _plan_one(calls_per_hour: float, aht: float, goals: Goals, as_json: bool) -> None:
    if not (math.isfinite(calls_per_hour) and calls_per_hour >= 0.0):
        raise _BadInput(f"--calls-per-hour must be 0 or more, got {calls_per_hour:g}")
    lam = calls_per_hour / 3600.0
    agents = required_agents(
        lam,
        aht,
        goals.target,
        goals.service_level,
        patience=goals.patience,
        max_occupancy=goals.max_occupancy,
        max_abandon=goals.max_abandon,
    )
    load = lam * aht
    level: float | None = None
    asa: float | None = None
    abandon: float | None = None
    occupancy: float | None = None
    if agents > 0:
        if goals.patience is None:
            level = erlang_c_service_level(load, agents, aht, goals.target)
            asa = erlang_c_asa(load, agents, aht)
            occupancy = load / agents
        else:
            measures: ErlangA = erlang_a(lam, aht, goals.patience, agents, goals.target)
            level, asa = measures.service_level, measures.asa
            abandon, occupancy = measures.p_abandon, measures.occupancy
    scheduled = required_agents(
        lam,
        aht,
        goals.target,
        goals.service_level,
        patience=goals.patience,
        max_occupancy=goals.max_occupancy,
        max_abandon=goals.max_abandon,
        shrinkage=goals.shrinkage,
    )
    result = {
        "calls_per_hour": calls_per_hour,
        "aht": aht,
        "load": load,
        "agents": scheduled,
        "productive_agents": agents,
        "service_level": level,
        "asa": asa,
        "abandon": abandon,
        "occupancy": occupancy,
    }
    if as_json:
        _print_json({"goals": _goals_json(goals), "model": _model(goals), **result})
        return
    table = Table(title=f"One interval · {_goals_text(goals)}", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("Calls per hour", f"{calls_per_hour:,.0f}")
    table.add_row("Average handling time", _clock(aht))
    table.add_row("Load", f"{load:,.1f} Erlangs")
    table.add_row("Required agents", Text(f"{scheduled:,}", style="bold"))
    if goals.shrinkage:
        table.add_row("  of them answering calls", f"{agents:,}")
    table.add_row("Expected service level", _percent(level))
    table.add_row("Expected answer speed (ASA)", _seconds(asa))
    if goals.patience is not None:
        table.add_row("Expected abandonment", _percent(abandon))
    table.add_row("Occupancy", _percent(occupancy))
    _console().print(table)


# ---- the interval plan ------------------------------------------------------------------------


def _print_plan(
    goals: Goals,
    requirements: Sequence[IntervalRequirement],
    plans: Sequence[IntervalPlan] | None,
    providers: Sequence[str],
) -> None:
    topics = list(dict.fromkeys(t.topic for r in requirements for t in r.topics))
    days = sorted({r.start.date() for r in requirements})
    several_days = len(days) > 1
    title = f"Staffing plan {days[0].isoformat()}" + (
        f" to {days[-1].isoformat()}" if several_days else ""
    )
    table = Table(
        title=f"{title} · {_goals_text(goals)}",
        title_justify="left",
        caption=_caption(goals, plans is not None),
        caption_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1),
        collapse_padding=True,
    )
    # (header, style) per column, then the rows; columns are as wide as their widest cell and
    # the longest word of their header, so numbers are never cut and headers wrap at spaces.
    columns: list[tuple[str, str]] = [
        ("Interval", ""),
        ("Calls", ""),
        ("AHT", ""),
        ("Load", ""),
        *((topic, "cyan") for topic in topics),
        ("Agents", "bold"),
        ("SL", ""),
        ("ASA", ""),
    ]
    if goals.patience is not None:
        columns.append(("Abandon", ""))
    columns.extend((provider, "green") for provider in providers)
    if plans is not None:
        columns.append(("Short", ""))
    splits = [p.split for p in plans] if plans is not None else [None] * len(requirements)
    rows: list[list[Text]] = []
    for requirement, split in zip(requirements, splits, strict=True):
        by_topic = {t.topic: t.agents for t in requirement.topics}
        cells = [
            requirement.start.strftime("%m-%d %H:%M" if several_days else "%H:%M"),
            f"{requirement.calls:,.0f}",
            _clock(requirement.aht),
            _load(requirement.load),
            *(f"{by_topic[topic]:,}" if topic in by_topic else "" for topic in topics),
            f"{requirement.agents:,}",
            _percent(requirement.service_level),
            _seconds(requirement.asa),
        ]
        if goals.patience is not None:
            cells.append(_percent(requirement.abandon))
        row = [Text(cell) for cell in cells]
        if split is not None:
            pledged = {name for name, _ in split.assigned}
            row.extend(
                Text(f"{split.agents_of(provider):,}")
                if provider in pledged
                else Text("–", style="dim")
                for provider in providers
            )
            row.append(
                Text(f"{split.shortfall:,}", style="bold red") if split.shortfall else Text("·")
            )
        rows.append(row)
    for index, (header, style) in enumerate(columns):
        widest = max((row[index].cell_len for row in rows), default=0)
        longest_word = max(len(word) for word in header.split())
        width = max(widest, longest_word)
        table.add_column(
            header,
            justify="left" if index == 0 else "right",
            style=style,
            min_width=width,
            max_width=width + 2,  # the width includes the padding
        )
    for row in rows:
        table.add_row(*row)
    console = _console()
    console.print(table)
    if console.measure(table, options=console.options.update_width(10_000)).maximum > console.width:
        console.print(
            f"(The table is cut to the terminal's {console.width} columns: widen the window, "
            "pipe the output, or use --json.)",
            style="dim",
        )
    for line in _summary(requirements, plans, providers):
        console.print(line)


def _summary(
    requirements: Sequence[IntervalRequirement],
    plans: Sequence[IntervalPlan] | None,
    providers: Sequence[str],
) -> Iterator[str]:
    calls = sum(r.calls for r in requirements)
    hours = sum(r.agents for r in requirements) * _INTERVAL_HOURS
    peak = max(requirements, key=lambda r: r.agents)
    yield (
        f"{len(requirements)} intervals, {calls:,.0f} calls, {hours:,.0f} agent-hours required; "
        f"peak {peak.agents:,} agents at {_when(peak.start)}."
    )
    if plans is None:
        return
    pledged = {
        p: sum(plan.split.agents_of(p) for plan in plans) * _INTERVAL_HOURS for p in providers
    }
    yield "Assigned agent-hours: " + ", ".join(f"{p} {h:,.0f}" for p, h in pledged.items()) + "."
    short = [plan for plan in plans if plan.split.shortfall]
    if not short:
        yield "The pledges cover every interval."
        return
    short_hours = sum(plan.split.shortfall for plan in short) * _INTERVAL_HOURS
    worst = max(short, key=lambda plan: plan.split.shortfall)
    yield (
        f"Shortfall: {short_hours:,.0f} agent-hours in {len(short)} intervals, worst "
        f"{worst.split.shortfall:,} agents at {_when(worst.requirement.start)}: ask the providers "
        "for more agents there, or offer callbacks."
    )


def _plan_json(
    goals: Goals,
    requirements: Sequence[IntervalRequirement],
    plans: Sequence[IntervalPlan] | None,
) -> dict[str, Any]:
    intervals = []
    for index, requirement in enumerate(requirements):
        entry: dict[str, Any] = {
            "start": requirement.start.isoformat(),
            "calls": requirement.calls,
            "aht": requirement.aht,
            "load": requirement.load,
            "agents": requirement.agents,
            "productive_agents": requirement.productive_agents,
            "service_level": requirement.service_level,
            "asa": requirement.asa,
            "abandon": requirement.abandon,
            "occupancy": requirement.occupancy,
            "topics": [
                {
                    "topic": t.topic,
                    "calls": t.calls,
                    "aht": t.aht,
                    "load": t.load,
                    "agents": t.agents,
                    "productive_agents": t.productive_agents,
                    "service_level": t.service_level,
                    "asa": t.asa,
                    "abandon": t.abandon,
                    "occupancy": t.occupancy,
                }
                for t in requirement.topics
            ],
        }
        if plans is not None:
            split = plans[index].split
            entry["providers"] = dict(split.assigned)
            entry["shortfall"] = split.shortfall
        intervals.append(entry)
    return {"goals": _goals_json(goals), "model": _model(goals), "intervals": intervals}


# ---- parsing of option values -----------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(h|min|m|sec|s)?", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "min": 60.0, "s": 1.0, "sec": 1.0, "": 1.0}


def _duration(option: str, text: str) -> float:
    """Seconds from "20s", "5m", "1h", "1m30s" or a plain number of seconds."""
    compact = text.strip()
    position = 0
    total = 0.0
    while position < len(compact):
        match = _DURATION_PART.match(compact, position)
        if match is None:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "").lower()]
        position = match.end()
        while position < len(compact) and compact[position] == " ":
            position += 1
    if not compact or position != len(compact):
        raise _BadInput(
            f"{option}: {text!r} is not a duration; write e.g. 20s, 5m, 1h, 1m30s or plain seconds"
        )
    return total


def _fraction(option: str, text: str) -> float:
    """A number, or a percentage such as "80%"."""
    compact = text.strip()
    scale = 1.0
    if compact.endswith("%"):
        compact, scale = compact[:-1].strip(), 0.01
    try:
        value = float(compact) * scale
    except ValueError:
        raise _BadInput(f"{option}: {text!r} is not a number; write e.g. 0.8 or 80%") from None
    if not math.isfinite(value):
        raise _BadInput(f"{option}: {text!r} is not a finite number; write e.g. 0.8 or 80%")
    return value


# ---- files and output -------------------------------------------------------------------------


@contextmanager
def _opened(path: Path, what: str) -> Iterator[TextIO]:
    if str(path) == "-":
        yield sys.stdin
        return
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield handle
    except FileNotFoundError:
        raise _BadInput(
            f"cannot read the {what} file {str(path)!r}: no such file; check the path"
        ) from None
    except IsADirectoryError:
        raise _BadInput(f"cannot read the {what} file {str(path)!r}: it is a directory") from None
    except PermissionError:
        raise _BadInput(f"cannot read the {what} file {str(path)!r}: permission denied") from None
    except UnicodeDecodeError as exc:
        raise _BadInput(
            f"{path}: not UTF-8 text (byte {exc.start}); save the {what} as UTF-8 CSV"
        ) from None
    except OSError as exc:
        raise _BadInput(f"cannot read the {what} file {str(path)!r}: {exc.strerror}") from None


def _name(path: Path) -> str:
    return "standard input" if str(path) == "-" else str(path)


_OPTION_OF_FIELD = {
    "service_level": "--service-level",
    "max_occupancy": "--max-occupancy",
    "max_abandon": "--max-abandon",
    "shrinkage": "--shrinkage",
    "patience": "--patience",
    "target": "--target",
    "aht": "--aht",
}


def _with_option_names(message: str) -> str:
    """Name the option rather than the Python argument when a goal is refused."""
    field, _, rest = message.partition(" ")
    option = _OPTION_OF_FIELD.get(field)
    return f"{option} {rest}" if option is not None else message


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _console() -> Console:
    console = Console()
    if not console.is_terminal:
        # Piped or captured: do not squeeze the table into 80 columns.
        console = Console(width=max(console.width, 160))
    return console


def _print_json(document: dict[str, Any]) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False))


def _model(goals: Goals) -> str:
    return "erlang_c" if goals.patience is None else "erlang_a"


def _goals_json(goals: Goals) -> dict[str, Any]:
    return {
        "target": goals.target,
        "service_level": goals.service_level,
        "patience": goals.patience,
        "max_occupancy": goals.max_occupancy,
        "max_abandon": goals.max_abandon,
        "shrinkage": goals.shrinkage,
    }


def _goals_text(goals: Goals) -> str:
    parts = [f"{goals.service_level:.0%} within {goals.target:g} s"]
    if goals.patience is None:
        parts.append("Erlang C")
    else:
        parts.append(f"Erlang A, patience {_clock(goals.patience)}")
    if goals.max_abandon is not None:
        parts.append(f"abandon ≤ {goals.max_abandon:.1%}")
    if goals.max_occupancy is not None:
        parts.append(f"occupancy ≤ {goals.max_occupancy:.0%}")
    if goals.shrinkage:
        parts.append(f"shrinkage {goals.shrinkage:.0%}")
    return " · ".join(parts)


def _caption(goals: Goals, with_pledges: bool) -> str:
    text = (
        "Agents: required per topic and in total"
        + (", grossed up for shrinkage" if goals.shrinkage else "")
        + ". SL: expected share answered in time. ASA: mean wait of answered calls."
    )
    if with_pledges:
        text += " Providers: agents assigned from their pledges. Short: agents nobody pledged."
    return text


def _when(start: datetime) -> str:
    return start.strftime("%Y-%m-%d %H:%M")


def _load(erlangs: float) -> str:
    return f"{erlangs:,.0f}" if erlangs >= 100.0 else f"{erlangs:.1f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s" if value < 100 else f"{value:,.0f} s"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


# ---- simulate ---------------------------------------------------------------------------------

_SIMULATE_HELP = (
    "Rehearse a launch: run the real routing engine in virtual time with modelled callers, "
    "agents and providers, and report what callers would experience.\n\n"
    "Each SCENARIO is a TOML file (see the README, 'Rehearsing a launch', and scenarios/). "
    "Several scenarios are simulated one after the other and compared side by side in the "
    "summary and the report."
)


@app.command(help=_SIMULATE_HELP)
def simulate(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario file(s) (.toml).", show_default=False)
    ],
    seed: Annotated[
        int | None, typer.Option(help="Seed of the random streams (overrides the file).")
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(
            help="Independent replications, for confidence intervals (overrides the file)."
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Replications run at once, one process each (default: one per CPU core). "
            "The results are the same, bit for bit, whatever the number.",
            show_default=False,
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write every KPI as JSON to this file.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write a self-contained HTML report to this file.")
    ] = None,
) -> None:
    from verbund.sim.console import simulate_files

    try:
        simulate_files(
            scenarios,
            seed=seed,
            replications=replications,
            jobs=_cpu_cores() if jobs is None else jobs,
            json_out=json_out,
            report_out=report,
        )
    except VerbundError as exc:
        _fail(str(exc))


def _cpu_cores() -> int:
    """The CPU cores this process may run on (a container's or ``taskset``'s limit counts)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# ---- the live service ---------------------------------------------------------------------------

_SERVE_HELP = (
    "Run the live service: the JSON API under /api/v1 (OpenAPI at /docs), WebSockets for "
    "desktops and wallboards, /healthz and /metrics.\n\n"
    "Settings come from the environment and an optional TOML file (--config); options given "
    "here win. The embedded default is SQLite in WAL mode (./verbund.db), created and migrated "
    "on first start; for PostgreSQL set VERBUND_DATABASE_URL="
    "postgresql+psycopg://user:password@host/dbname and run `verbund db upgrade` first."
)

_SERVE_EPILOG = "\n\n".join(
    [
        "[b]Settings[/b] (environment variable · TOML key · default)",
        "  VERBUND_DATABASE_URL · database_url · sqlite:///verbund.db",
        "  VERBUND_HOST · host · 127.0.0.1     VERBUND_PORT · port · 8000",
        "  VERBUND_SECRET_KEY · secret_key · generated and kept in verbund.db.secret (SQLite "
        "only; set it for PostgreSQL)",
        "  VERBUND_TOKEN_LIFETIME · token_lifetime · 43200 (seconds a login lasts)",
        "  VERBUND_SNAPSHOT_EVERY · snapshot_every · 20000 (journal entries between snapshots)",
        "  VERBUND_MAX_PENDING · max_pending · 5000 (commands queued per hotline before 503)",
        "  VERBUND_MAX_INFLIGHT · max_inflight · 2000 (API requests in progress before 503)",
        "  VERBUND_FLUSH_INTERVAL · flush_interval · 0.002 (seconds to gather a group commit)",
        "  VERBUND_SL_TARGET · service_level_target · 20 (seconds, for 'service level today')",
        "  VERBUND_CHAT_STARTS · chat_starts_per_minute · 30 (web chats per client address)",
        "  VERBUND_CHAT_MESSAGES · chat_messages_per_minute · 30 (messages per web chat)",
        "  VERBUND_GC_DEEP · gc_deep_interval · 3600 (seconds between deep garbage "
        "collections; 0: never)",
        "  VERBUND_TRUSTED_PROXIES · trusted_proxies · 127.0.0.1,::1 (proxies whose "
        "X-Forwarded-For gives the client's address; none, or * for all)",
        "  VERBUND_LOG_LEVEL · log_level · info (debug, info, warning, error)",
        "[b]Examples[/b]",
        "  verbund serve",
        "  verbund serve --config /etc/verbund.toml --port 8080",
        "  VERBUND_DATABASE_URL=postgresql+psycopg://verbund@db/verbund verbund serve",
    ]
)


def _settings(config: Path | None, **overrides: Any) -> Any:
    from verbund.service.settings import load_settings

    try:
        return load_settings(config, **overrides)
    except VerbundError as exc:
        _fail(str(exc))


_ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (TOML); see the list below.", show_default=False),
]
_DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="Database URL (default: sqlite:///verbund.db).", show_default=False
    ),
]


@app.command(help=_SERVE_HELP, epilog=_SERVE_EPILOG)
def serve(
    config: _ConfigOption = None,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on.", show_default=False)
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.", show_default=False)] = None,
    database_url: _DatabaseOption = None,
) -> None:
    from verbund.bootstrap import serve as run

    settings = _settings(config, host=host, port=port, database_url=database_url)
    try:
        run(settings)
    except VerbundError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}; choose --port")


_DEMO_HELP = (
    "A ready-to-explore hotline on the embedded default: three providers (two pooled, one "
    "connected), their agents and callers played in real time by bots that log in, accept, "
    "talk and wrap up. Prints the address and the demo logins; live numbers move within seconds."
)


@app.command(help=_DEMO_HELP)
def demo(
    database: Annotated[
        Path, typer.Option(help="SQLite file of the demo (made afresh at every start).")
    ] = Path("verbund-demo.db"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    calls_per_minute: Annotated[float, typer.Option(help="New callers per minute.")] = 24.0,
    seed: Annotated[int, typer.Option(help="Seed of the bots' random streams.")] = 1,
) -> None:
    from verbund.bootstrap import run_demo

    if calls_per_minute <= 0:
        _fail("--calls-per-minute: expected a number above 0")
    try:
        run_demo(database, host=host, port=port, calls_per_minute=calls_per_minute, seed=seed)
    except VerbundError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port")


db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade", help="Migrate the database to this Verbund's schema (Alembic).")
def db_upgrade(config: _ConfigOption = None, database_url: _DatabaseOption = None) -> None:
    from verbund.store import head_revision, open_database, schema_revision, upgrade

    settings = _settings(config, database_url=database_url)
    try:
        upgrade(settings.database_url)
        with open_database(settings.database_url) as database:
            revision = schema_revision(database)
    except VerbundError as exc:
        _fail(str(exc))
    typer.echo(f"database at revision {revision} (head {head_revision()})")


user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command(
    "add",
    help="Add a user. The password is asked for (or read from VERBUND_PASSWORD).",
    epilog="Roles: coordinator (the whole alliance), provider_admin, supervisor, agent "
    "(each of one --provider).",
)
def user_add(
    name: Annotated[str, typer.Argument(help="Login name (for an agent: the agent's name).")],
    role: Annotated[str, typer.Option(help="coordinator, provider_admin, supervisor or agent.")],
    provider: Annotated[
        str | None, typer.Option(help="The provider (every role but coordinator).")
    ] = None,
    config: _ConfigOption = None,
    database_url: _DatabaseOption = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="VERBUND_PASSWORD", help="The password (else asked for).", show_default=False
        ),
    ] = None,
) -> None:
    from verbund.service.accounts import create_user
    from verbund.store import open_database

    settings = _settings(config, database_url=database_url)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with open_database(settings.database_url) as database:
            create_user(database, name, password, role, provider)
    except VerbundError as exc:
        _fail(str(exc))
    where = f" of provider {provider}" if provider else ""
    typer.echo(f"user {name} added: {role}{where}")
