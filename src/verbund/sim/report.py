"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing to fetch)
that a coordinator can mail around.

One scenario: its KPIs, then charts over time of arrivals against answering capacity, waiting
contacts, expected wait, service level and abandonment per interval, and each provider's load.
Several scenarios: the KPIs side by side in one table and the same charts with one line per
scenario (per-provider load as one chart per scenario, next to each other).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

Json = dict[str, Any]

_COLORS = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
)  # fmt: skip
KPI_ROWS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("offered", "offered (attempts)", lambda v: _count(v)),
    ("callers", "callers (unique)", lambda v: _count(v)),
    ("answered", "answered", lambda v: _count(v)),
    ("abandoned", "abandoned", lambda v: _count(v)),
    ("rejected", "rejected (admission control)", lambda v: _count(v)),
    ("callbacks", "callbacks taken", lambda v: _count(v)),
    ("callbacks_answered", "callbacks answered", lambda v: _count(v)),
    ("service_level", "service level", lambda v: _percent(v)),
    ("p_abandon", "abandoned ÷ offered", lambda v: _percent(v)),
    ("asa", "average speed of answer", lambda v: _seconds(v)),
    ("max_wait", "longest wait on the line", lambda v: _seconds(v)),
    ("callback_wait", "mean wait for a callback", lambda v: _seconds(v)),
    ("occupancy", "occupancy", lambda v: _percent(v)),
)


def render_report(documents: Sequence[Json]) -> str:
    """The report of one or more ``simulate`` results (the JSON documents), as HTML text."""
    names = [_title(d) for d in documents]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Verbund simulation: {html.escape(' vs. '.join(names))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Surge rehearsal: {html.escape(' vs. '.join(names))}</h1>",
        _scenario_table(documents),
        "<h2>Key figures</h2>",
        '<p class="note">After the warm-up; ± is the 95 % confidence half-width over the '
        "replications.</p>",
        _kpi_table(documents),
        "<h2>Over the day</h2>",
        _charts(documents),
        "<h2>Providers</h2>",
        _provider_tables(documents),
        '<div class="grid">',
        *(_provider_chart(d) for d in documents),
        "</div>",
        "<h2>Topics</h2>",
        _topic_tables(documents),
        '<p class="note">Made by <code>verbund simulate</code>: the real routing engine in '
        "virtual time.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


# --- tables --------------------------------------------------------------------------------------


def _title(document: Json) -> str:
    return str(document["scenario"]["name"])


def _scenario_table(documents: Sequence[Json]) -> str:
    rows = [
        "<table><tr><th>scenario</th><th>file</th><th>simulated</th><th>warm-up</th>"
        "<th>seed</th><th>replications</th><th>service-level target</th></tr>"
    ]
    for d in documents:
        s = d["scenario"]
        rows.append(
            f"<tr><td>{html.escape(str(s['name']))}</td><td>{html.escape(str(s['file']))}</td>"
            f"<td>{_hours(s['duration'])} from {html.escape(str(s['start']))}</td>"
            f"<td>{_hours(s['warmup'])}</td><td>{s['seed']}</td><td>{s['replications']}</td>"
            f"<td>{_seconds(s['service_level_target'])}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _kpi_table(documents: Sequence[Json]) -> str:
    head = "".join(f"<th>{html.escape(_title(d))}</th>" for d in documents)
    rows = [f"<table><tr><th>KPI</th>{head}</tr>"]
    for key, label, fmt in KPI_ROWS:
        cells = "".join(
            f"<td>{_with_ci(d.get('kpis', {}).get(key), d.get('ci95', {}).get(key), fmt)}</td>"
            for d in documents
        )
        rows.append(f"<tr><td>{label}</td>{cells}</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _provider_tables(documents: Sequence[Json]) -> str:
    out = []
    for d in documents:
        head = (
            "<tr><th>provider</th><th>answered</th><th>share of answered</th>"
            "<th>service level of its answers</th><th>ASA</th><th>occupancy</th></tr>"
        )
        rows = [f"<h3>{html.escape(_title(d))}</h3><table>{head}"]
        for name, entry in d["providers"].items():
            k, ci = entry["kpis"], entry.get("ci95", {})
            rows.append(
                f"<tr><td>{html.escape(name)}</td>"
                f"<td>{_with_ci(k['answered'], ci.get('answered'), _count)}</td>"
                f"<td>{_with_ci(k['share_of_answered'], ci.get('share_of_answered'), _percent)}"
                f"</td><td>{_with_ci(k['service_level'], ci.get('service_level'), _percent)}</td>"
                f"<td>{_with_ci(k['asa'], ci.get('asa'), _seconds)}</td>"
                f"<td>{_with_ci(k['occupancy'], ci.get('occupancy'), _percent)}</td></tr>"
            )
        rows.append("</table>")
        out.append("\n".join(rows))
    return '<div class="grid">' + "\n".join(out) + "</div>"


def _topic_tables(documents: Sequence[Json]) -> str:
    out = []
    keys = ("offered", "answered", "abandoned", "rejected", "callbacks", "service_level", "asa")
    for d in documents:
        head = "".join(f"<th>{k.replace('_', ' ')}</th>" for k in keys)
        rows = [f"<h3>{html.escape(_title(d))}</h3><table><tr><th>topic</th>{head}</tr>"]
        for name, entry in d["topics"].items():
            k = entry["kpis"]
            cells = "".join(f"<td>{_format(key, k.get(key))}</td>" for key in keys)
            rows.append(f"<tr><td>{html.escape(name)}</td>{cells}</tr>")
        rows.append("</table>")
        out.append("\n".join(rows))
    return '<div class="grid">' + "\n".join(out) + "</div>"


def _format(key: str, value: Any) -> str:
    for k, _, fmt in KPI_ROWS:
        if k == key:
            return fmt(value)
    return _count(value)


# --- charts --------------------------------------------------------------------------------------


def _charts(documents: Sequence[Json]) -> str:
    several = len(documents) > 1
    arrivals: list[tuple[str, list[float | None], str, bool]] = []
    waiting, ewt, level, abandon = [], [], [], []
    for i, d in enumerate(documents):
        color = _COLORS[i % len(_COLORS)]
        tag = f"{_title(d)}: " if several else ""
        intervals = d["intervals"]
        series = [iv["series"] for iv in intervals]
        arrivals.append((f"{tag}arrivals", [s["arrivals"] for s in series], color, False))
        arrivals.append((f"{tag}answering capacity", [s["capacity"] for s in series], color, True))
        waiting.append((_title(d), [s["waiting"] for s in series], color, False))
        ewt.append((_title(d), [_max(s["ewt"].values()) for s in series], color, False))
        level.append((_title(d), [iv["kpis"]["service_level"] for iv in intervals], color, False))
        abandon.append((_title(d), [iv["kpis"]["p_abandon"] for iv in intervals], color, False))
    labels = [iv["start"] for iv in documents[0]["intervals"]]
    return (
        '<div class="grid">'
        + "\n".join(
            [
                _line_chart(
                    "Arrivals per 15 minutes vs. answering capacity (agents × 15 min ÷ AHT)",
                    labels,
                    arrivals,
                    _count,
                ),
                _line_chart("Waiting on the line (mean per interval)", labels, waiting, _count),
                _line_chart(
                    "Expected wait for a new caller (longest of the queues)", labels, ewt, _seconds
                ),
                _line_chart(
                    "Service level per interval (answered in target ÷ offered)",
                    labels,
                    level,
                    _percent,
                    top=1.0,
                ),
                _line_chart("Abandoned ÷ offered per interval", labels, abandon, _percent, top=1.0),
            ]
        )
        + "</div>"
    )


def _provider_chart(document: Json) -> str:
    intervals = document["intervals"]
    labels = [iv["start"] for iv in intervals]
    names = list(document["providers"])
    series = [
        (
            name,
            [iv["series"]["answered_by_provider"][name] for iv in intervals],
            _COLORS[i % len(_COLORS)],
            False,
        )
        for i, name in enumerate(names)
    ]
    return _line_chart(
        f"{_title(document)}: answered per 15 minutes by provider", labels, series, _count
    )


def _line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str, bool]],
    fmt: Callable[[Any], str],
    top: float | None = None,
) -> str:
    width, height, left, right, upper, lower = 560, 250, 62, 12, 14, 44
    plot_w, plot_h = width - left - right, height - upper - lower
    values = [v for _, ys, _, _ in series for v in ys if v is not None and math.isfinite(v)]
    high = top if top is not None else _nice(max(values, default=1.0) or 1.0)
    count = max(len(labels), 2)

    def x(i: int) -> float:
        return left + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return upper + plot_h * (1.0 - min(v, high) / high)

    out = [
        f"<figure><figcaption>{html.escape(title)}</figcaption>"
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="10" font-family="sans-serif">'
    ]
    for k in range(5):
        tick = high * k / 4
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" text-anchor="end">{fmt(tick)}</text>'
        )
    step = max(1, math.ceil(len(labels) / 12))
    out.extend(
        f'<text x="{x(i):.1f}" y="{height - lower + 14}" text-anchor="middle">'
        f"{html.escape(labels[i])}</text>"
        for i in range(0, len(labels), step)
    )
    for name, ys, color, dashed in series:
        points: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(ys):
            if v is None or not math.isfinite(v):
                if points:
                    segments.append(points)
                points = []
                continue
            points.append(f"{x(i):.1f},{y(v):.1f}")
        if points:
            segments.append(points)
        dash = ' stroke-dasharray="5,3"' if dashed else ""
        out.extend(
            f'<polyline fill="none" stroke="{color}" stroke-width="1.6"{dash} '
            f'points="{" ".join(seg)}"><title>{html.escape(name)}</title></polyline>'
            for seg in segments
        )
    legend_y = height - 12
    lx = left
    for name, _, color, dashed in series:
        dash = ' stroke-dasharray="5,3"' if dashed else ""
        out.append(
            f'<line x1="{lx}" x2="{lx + 18}" y1="{legend_y}" y2="{legend_y}" stroke="{color}" '
            f'stroke-width="2"{dash}/><text x="{lx + 22}" y="{legend_y + 3}">'
            f"{html.escape(name)}</text>"
        )
        lx += 30 + 6 * len(name)
    out.append("</svg></figure>")
    return "".join(out)


# --- formatting ----------------------------------------------------------------------------------


def _nice(value: float) -> float:
    exponent = 10.0 ** math.floor(math.log10(value))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= m * exponent:
            return m * exponent
    return 10.0 * exponent


def _max(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _with_ci(value: Any, ci: Any, fmt: Callable[[Any], str]) -> str:
    if value is None:
        return "–"
    return fmt(value) if ci is None else f"{fmt(value)} ± {fmt(ci)}"


def _count(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}".rstrip("0").rstrip(".")


def _percent(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _seconds(value: Any) -> str:
    if value is None:
        return "–"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:g} h"


_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
.grid { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
figure { margin: 0; } figcaption { font-weight: 600; font-size: 0.9em; margin-bottom: 0.2em; }
.note { color: #666; font-size: 0.85em; }
"""
