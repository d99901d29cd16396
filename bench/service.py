"""Live service: contact arrivals per second and API latency with 2,000 agent WebSockets open.

One node: ``verbund serve`` (one process, the hotline's single writer inside it) on SQLite, then
on PostgreSQL (the local server at 127.0.0.1:5432, a throwaway database). The load generator is
another process (``bench.service_load``): it logs 2,000 agents in and makes them ready, connects
their 2,000 desktop WebSockets, and posts contact arrivals open-loop at a fixed rate for a fixed
time, latency measured from when each request was due. The agents never answer: every offer rings
for ``OFFER_TIMEOUT`` seconds, lapses and goes to the next ready agent, so the desktops get a
steady stream of offers, cancellations and status changes over their WebSockets (more WebSocket
traffic than a real storm, where agents would sit in long calls), while arrivals beyond those
ringing queue (no admission limits: every arrival is journalled and queued).

Where the time goes: the server's CPU seconds (``/proc``) and the single writer's wall time by
phase (``verbund_writer_seconds_total`` on ``/metrics``: engine, journal, publish, history,
snapshot), read at the start and the end of the measured window; and, when ``py-spy`` is
installed, a sampled profile of the server during one more run, its samples put in buckets.

Both processes share the machine's cores (and PostgreSQL a third process): the numbers are
those of a server that has less than the whole machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from verbund.engine import AgentSpec, Channel, HotlineConfig, ProviderSpec, RoutingRules, TopicSpec
from verbund.service.accounts import create_user
from verbund.store import open_database, save_config, sqlite_url

HOTLINE = "bench"
AGENTS = 2000
RATE = 1000.0  # arrivals per second, offered
DURATION = 30.0  # seconds measured, after a warm-up
WARMUP = 3.0
REPEAT = 3
OFFER_TIMEOUT = 5.0
TARGET_RATE = 1000.0
TARGET_P99 = 0.050
PASSWORD = "bench-passwort"
SECRET = "bench-secret-key-not-for-production"
POSTGRES = os.environ.get(
    "VERBUND_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
VERBUND = Path(sys.executable).parent / "verbund"


def bench_config() -> HotlineConfig:
    agents = tuple(
        AgentSpec(f"ag{i:04d}", "A" if i % 2 else "B", {("termin", "de"): 1}, {Channel.VOICE: 1})
        for i in range(1, AGENTS + 1)
    )
    return HotlineConfig(
        HOTLINE,
        (TopicSpec("termin", ("de",)),),
        (ProviderSpec("A", share=0.5), ProviderSpec("B", share=0.5)),
        agents,
        RoutingRules(
            offer_timeout=OFFER_TIMEOUT,
            max_no_answers=1_000_000,  # agents that never answer stay ready
            wrap_up=None,
            callback_offer_ewt=None,
            max_ewt=None,
            max_queue_length=None,
        ),
    )


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def database_url(backend: str) -> Iterator[str]:
    """A fresh database: a SQLite file in a temporary folder, or a throwaway PostgreSQL one."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="verbund-bench-"))
        try:
            yield sqlite_url(folder / "verbund.db")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"verbund_bench_{uuid.uuid4().hex[:10]}"
    server = make_url(POSTGRES)
    with psycopg.connect(_libpq(POSTGRES), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(POSTGRES), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str, log: Path) -> Iterator[tuple[str, int]]:
    """``verbund serve`` on 127.0.0.1 and a free port; yields its base URL and pid."""
    with open_database(url, upgrade_schema=True) as database:
        save_config(database, bench_config(), title="Benchmark")
        create_user(database, "koordination", PASSWORD, "coordinator", None)
    port = _free_port()
    env = {
        **os.environ,
        "VERBUND_DATABASE_URL": url,
        "VERBUND_SECRET_KEY": SECRET,
        "VERBUND_LOG_LEVEL": "warning",
        "VERBUND_HOST": "127.0.0.1",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(VERBUND), "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped:\n{log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not come up:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _token(base: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"username": "koordination", "password": PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def trial(backend: str, *, rate: float = RATE, profile: Path | None = None) -> dict[str, Any]:
    """One measured run on a fresh database and server; with ``profile``, py-spy records the
    server's stacks during the measured window into that file."""
    with tempfile.TemporaryDirectory(prefix="verbund-bench-") as tmp:
        folder = Path(tmp)
        with database_url(backend) as url, server(url, folder / "server.log") as (base, pid):
            out = folder / "load.json"
            command = [
                sys.executable, "-m", "bench.service_load", "--url", base,
                "--token", _token(base), "--server-pid", str(pid), "--hotline", HOTLINE,
                "--agents", str(AGENTS), "--rate", str(rate), "--duration", str(DURATION),
                "--warmup", str(WARMUP), "--out", str(out), "--mark", str(folder / "mark"),
            ]  # fmt: skip
            root = Path(__file__).resolve().parent.parent
            load = subprocess.Popen(command, cwd=root)
            try:
                spy = None if profile is None else _start_profile(pid, folder / "mark", profile)
                if load.wait(DURATION + WARMUP + 300) != 0:
                    raise RuntimeError(f"the load generator failed ({backend})")
                if spy is not None:
                    spy.wait(60)
            finally:
                if load.poll() is None:
                    load.kill()
                    load.wait()
            result: dict[str, Any] = json.loads(out.read_text())
    result["backend"] = backend
    return result


def _start_profile(pid: int, mark: Path, path: Path) -> subprocess.Popen[bytes]:
    """py-spy on the server for 10 s, from 5 s into the measured window."""
    deadline = time.monotonic() + 300
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(5)
    return subprocess.Popen(
        [str(py_spy()), "record", "-p", str(pid), "-d", "10", "-r", "200",
         "-f", "raw", "-o", str(path), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def py_spy() -> Path | None:
    """py-spy beside this Python (``pip install py-spy``) or on the PATH; None if neither."""
    beside = Path(sys.executable).parent / "py-spy"
    found = beside if beside.exists() else shutil.which("py-spy")
    return None if found is None else Path(found)


def summary(result: dict[str, Any]) -> dict[str, Any]:
    latencies = result["latencies"]
    n = len(latencies)
    accepted = result["statuses"].get("201", 0)
    window = result["window_seconds"]
    writer = result["writer"]
    commands = writer.get("verbund_commands_total", 0.0)
    batches = writer.get("verbund_journal_batches_total", 0.0)
    return {
        "accepted_per_s": accepted / result["duration"],
        "p50": latencies[n // 2] if n else float("nan"),
        "p99": latencies[min(n - 1, int(n * 0.99))] if n else float("nan"),
        "max": latencies[-1] if n else float("nan"),
        "non_201": {k: v for k, v in result["statuses"].items() if k != "201"} | result["errors"],
        "server_cpu": result["server_cpu"] / window,
        "load_cpu": result["load_cpu"] / window,
        "server_cpu_per_command_ms": 1000 * result["server_cpu"] / max(commands, 1),
        "commands_per_s": commands / window,
        "batch": commands / max(batches, 1),
        "phases": {k: v / window for k, v in writer.items() if not k.startswith("verbund_")},
        "phase_ms": {
            k: 1000 * v / max(commands, 1)
            for k, v in writer.items()
            if not k.startswith("verbund_")
        },
        "ws": result["ws_connected_at_end"],
        "ws_dropped": result["ws_dropped"],
        "ws_per_s": sum(result["ws_messages"].values()) / window,
        "ws_offers_per_s": result["ws_messages"].get("offer", 0) / window,
        "send_lag": result["send_lag"],
        "slow_seconds": sum(1 for w in result.get("worst_per_second", []) if w >= TARGET_P99),
        "gc": {  # generation: (collections, seconds paused) in the window
            g: (writer.get(f"verbund_gc_count_{g}", 0.0), writer.get(f"verbund_gc_sum_{g}", 0.0))
            for g in "012"
        },
    }


THREADS = (  # (bucket, frames anywhere in the stack): work of the writer's helper threads
    ("journal thread (SQL, database driver)", ("Journal.append",)),
    ("snapshot (pickling, writing)", ("save_snapshot", "pickle_state")),
)
OWNERS = (  # (bucket, frames that own a sample): the frame nearest the leaf that matches decides
    ("writer: engine (routing decisions)", ("verbund/engine/",)),
    ("WebSockets (desktops: ours, websockets)", ("verbund/web/ws.py", "websockets/")),
    ("writer: runner, history, live view, event bus", ("verbund/service/", "verbund/store/")),
    ("HTTP: our routes, lean path, auth, errors", ("verbund/web/",)),
    ("HTTP: pydantic (validation, JSON)", ("pydantic",)),
    ("HTTP: FastAPI, Starlette", ("fastapi/", "starlette/")),
    ("HTTP: uvicorn (protocol, parsing)", ("uvicorn/", "h11/", "httptools")),
    ("event loop: asyncio's Python (tasks, futures, locks)", ("asyncio/", "selectors", "socket")),
)
# A sample whose leaf is the loop's own entry point is inside uvloop's C code: sockets, polling,
# callback dispatch (py-spy sees no Python frame below it).
NATIVE_LOOP = ("event loop: uvloop's native code (sockets, polling)", "asyncio/runners.py")
BUCKETS = (*THREADS, *OWNERS, (NATIVE_LOOP[0], ()))


def profile_buckets(path: Path) -> list[tuple[str, float]]:
    """Shares of py-spy's samples (``-f raw``; idle threads left out) by bucket: a helper thread's
    samples by what the thread does; the event loop's by the frame nearest the leaf that belongs
    to one of :data:`OWNERS` (a sample in ``json`` called from pydantic is pydantic's; every task
    runs from the event loop, so its frames decide only where nothing nearer the leaf does)."""
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")
        if frames and ("select" in frames[-1] or "_worker (concurrent" in frames[-1]):
            continue  # waiting, not working
        counts[_bucket(frames)] += int(n)
    total = sum(counts.values()) or 1
    return [(bucket, counts[bucket] / total) for bucket, _ in (*BUCKETS, ("other", ()))]


def _bucket(frames: list[str]) -> str:
    for bucket, needles in THREADS:
        if any(needle in frame for frame in frames for needle in needles):
            return bucket
    if frames and NATIVE_LOOP[1] in frames[-1]:
        return NATIVE_LOOP[0]
    for frame in reversed(frames):
        for bucket, needles in OWNERS:
            if any(needle in frame for needle in needles):
                return bucket
    return "other"


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.0f} s"


def run() -> str:
    backends = ("sqlite", "postgresql")
    results: dict[str, list[dict[str, Any]]] = {}
    for backend in backends:
        results[backend] = []
        for i in range(REPEAT):
            print(f"  service {backend} run {i + 1}/{REPEAT} at {RATE:.0f}/s", flush=True)
            results[backend].append(summary(trial(backend)))
    spy = py_spy()
    profiles: dict[str, list[tuple[str, float]]] = {}
    if spy is not None:
        for backend in backends:
            print(f"  service {backend}: profiling the server", flush=True)
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "profile.txt"
                trial(backend, profile=out)
                if out.exists():
                    profiles[backend] = profile_buckets(out)
    return _markdown(results, profiles)


def _markdown(
    results: dict[str, list[dict[str, Any]]], profiles: dict[str, list[tuple[str, float]]]
) -> str:
    names = {"sqlite": "SQLite (WAL)", "postgresql": "PostgreSQL 127.0.0.1"}
    lines = [
        "## Live service: arrivals per second and API latency with 2,000 agent WebSockets",
        "",
        f"One `verbund serve` process on one node; a separate load-generator process "
        f"(`bench/service_load.py`) makes {AGENTS:,} agents ready, keeps their {AGENTS:,} desktop "
        f"WebSockets open and reading, and posts contact arrivals **open-loop at {RATE:,.0f} per "
        f"second for {DURATION:.0f} s** (after a {WARMUP:.0f} s warm-up); latency is measured "
        "from when each request was due, so a backlog shows. Nobody answers: each offer rings "
        f"{OFFER_TIMEOUT:.0f} s, lapses and goes to the next agent, so the desktops get a steady "
        "stream of offers, cancellations and status changes; the other arrivals queue (no "
        "admission limits: every one is journalled). Default settings (group commit, "
        "`max_pending` 5,000, `max_inflight` 2,000, snapshots every 20,000 commands). "
        f"Median of {REPEAT} runs per backend, each on a fresh database and server. **The server "
        "shares the machine's cores with the load generator (and PostgreSQL)**: the CPU column "
        "is the server's own (100 % = one core).",
        "",
        "| backend | accepted arrivals/s | p50 | p99 | max | shed / errors | server CPU "
        "| load gen CPU | server CPU per command | commands per journal batch | WebSockets open "
        "(dropped) | WS messages/s (offers/s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for backend, rows in results.items():
        shed = sum(sum(r["non_201"].values()) for r in rows)
        line = (
            f"| {names[backend]} | {_median(rows, 'accepted_per_s'):,.0f} "
            f"| {_ms(_median(rows, 'p50'))} | {_ms(_median(rows, 'p99'))} "
            f"| {_ms(_median(rows, 'max'))} | {shed} in {len(rows)} runs "
            f"| {_median(rows, 'server_cpu'):.0%} | {_median(rows, 'load_cpu'):.0%} "
            f"| {_median(rows, 'server_cpu_per_command_ms'):.2f} ms "
            f"| {_median(rows, 'batch'):.0f} | {min(r['ws'] for r in rows):,} "
            f"({sum(r['ws_dropped'] for r in rows)}) "
            f"| {_median(rows, 'ws_per_s'):,.0f} ({_median(rows, 'ws_offers_per_s'):,.0f}) |"
        )
        lines.append(line)
        rate, p99 = _median(rows, "accepted_per_s"), _median(rows, "p99")
        ok = rate >= TARGET_RATE * 0.99 and p99 < TARGET_P99 and shed == 0
        verdicts.append(
            f"- **{names[backend]}: {'met' if ok else 'NOT met'}** — target ≥ "
            f"{TARGET_RATE:,.0f} arrivals/s sustained with p99 < {TARGET_P99 * 1000:.0f} ms and "
            f"{AGENTS:,} WebSockets: {rate:,.0f}/s accepted, p99 {_ms(p99)}"
            + ("" if shed == 0 else f", {shed} requests shed or failed")
            + "."
        )
    lines += [
        "",
        *verdicts,
        "",
        "Per run: accepted/s, p50, p99, and in how many of the "
        f"{DURATION:.0f} seconds the slowest answer took {TARGET_P99 * 1000:.0f} ms or more "
        "(the tail comes in bursts, not evenly):",
        "",
    ]
    for backend, rows in results.items():
        runs = "; ".join(
            f"{r['accepted_per_s']:,.0f}/s, {_ms(r['p50'])}, {_ms(r['p99'])}, "
            f"{r['slow_seconds']} s slow"
            for r in rows
        )
        lines.append(f"- {names[backend]}: {runs}")
    lines += [
        "",
        "**Where the time goes.** The single writer's wall time by phase, as a share of the "
        "measured window and per command (from `verbund_writer_seconds_total` on `/metrics`; "
        "the journal phase includes the hop to the worker thread and waiting for the GIL, "
        "PostgreSQL's round trips too). What the writer does not use, the event loop spends on "
        "HTTP and WebSockets.",
        "",
        "| backend | engine | journal | publish (view, bus, answers) | history | snapshot "
        "| writer idle |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend, rows in results.items():
        phases = ("engine", "journal", "publish", "history", "snapshot")
        shares = {p: statistics.median(r["phases"].get(p, 0.0) for r in rows) for p in phases}
        per = {p: statistics.median(r["phase_ms"].get(p, 0.0) for r in rows) for p in phases}
        cells = " | ".join(f"{shares[p]:.0%} ({per[p] * 1000:.0f} µs)" for p in phases)
        lines.append(f"| {names[backend]} | {cells} | {max(0.0, 1 - sum(shares.values())):.0%} |")
    lines += [
        "",
        "Pauses of the garbage collector in the window (median of the runs; every request in "
        "flight waits them out):",
        "",
        "| backend | generation 0 | generation 1 | generation 2 (full) |",
        "|---|---|---|---|",
    ]
    for backend, rows in results.items():
        cells = " | ".join(
            f"{statistics.median(r['gc'][g][0] for r in rows):,.0f} collections, "
            f"{statistics.median(r['gc'][g][1] for r in rows) * 1000:,.0f} ms"
            for g in "012"
        )
        lines.append(f"| {names[backend]} | {cells} |")
    if profiles:
        lines += [
            "",
            "Sampled profile of the server (py-spy, 10 s at 200 Hz in the middle of one more run; "
            "samples of threads that were waiting left out), by what the stack was doing:",
            "",
            "| bucket | " + " | ".join(names[b] for b in profiles) + " |",
            "|---|" + "---|" * len(profiles),
        ]
        buckets = [bucket for bucket, _ in next(iter(profiles.values()))]
        for i, bucket in enumerate(buckets):
            lines.append(
                f"| {bucket} | " + " | ".join(f"{p[i][1]:.0%}" for p in profiles.values()) + " |"
            )
    else:
        lines += ["", "(py-spy is not installed: no sampled profile; `pip install py-spy`.)"]
    return "\n".join(lines)
