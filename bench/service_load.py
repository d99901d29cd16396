"""The load generator of ``bench.service``: its own process, so that it does not share the
server's interpreter (it does share the machine's cores).

    python -m bench.service_load --url http://127.0.0.1:PORT --token T --server-pid PID \\
        --hotline bench --agents 2000 --rate 1000 --duration 30 --out result.json

1. every agent logs in and becomes ready (``POST .../agents/{a}/login`` and ``.../ready``);
2. every agent's desktop connects its WebSocket and reads every message from then on;
3. arrivals are posted open-loop at ``--rate`` per second: request *i* is due at
   ``start + i / rate`` whether or not the earlier ones have been answered, and its latency is
   measured from when it was due (a slow server cannot hide its backlog — no coordinated
   omission); a warm-up of ``--warmup`` seconds is sent first and not counted;
4. at the start and the end of the measured window it reads the server's CPU time
   (``/proc/PID/stat``) and ``/metrics`` (the writer's seconds by phase), and writes it all as
   JSON.

HTTP is a small keep-alive HTTP/1.1 client on asyncio protocols (one request at a time per
connection, a pool of connections), because a general-purpose client would cost more CPU per
request than the server does, on the same two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import websockets
from websockets.asyncio.client import connect

try:  # the server's own dependency (uvicorn[standard]); the stock loop works too
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((int(head[0].split()[1]), body))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


# Idle keep-alive connections are dropped after this long, before the server's own keep-alive
# timeout (uvicorn: 5 s) closes them: reusing one that the server is closing at that moment
# fails the request ("connection closed"); HTTP clients do the same (httpx: keepalive_expiry).
KEEPALIVE_EXPIRY = 3.0


@dataclass
class Pool:
    host: str
    port: int
    token: str
    limit: int = 400
    idle: list[_Connection] = field(default_factory=list)
    waiters: deque[asyncio.Future[_Connection]] = field(default_factory=deque)
    opened: int = 0

    async def _get(self) -> _Connection:
        expired = time.monotonic() - KEEPALIVE_EXPIRY
        while self.idle:
            found = self.idle.pop()
            if not found.closed and found.idle_since > expired:
                return found
            if not found.closed and found.transport is not None:
                found.transport.close()  # the server may be closing it this very moment
            self.opened -= 1
        if self.opened < self.limit:
            self.opened += 1
            try:
                _, protocol = await asyncio.get_running_loop().create_connection(
                    _Connection, self.host, self.port
                )
            except OSError:
                self.opened -= 1
                raise
            return protocol
        waiter: asyncio.Future[_Connection] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return await waiter

    def _put(self, connection: _Connection) -> None:
        if connection.closed:
            self.opened -= 1
            return
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        connection.idle_since = time.monotonic()
        self.idle.append(connection)

    async def send(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = b"" if body is None else json.dumps(body).encode()
        raw = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode() + data
        connection = await self._get()
        try:
            return await connection.request(raw)
        finally:
            self._put(connection)


@dataclass
class Desks:
    """The agents' WebSockets: how many are open, what they received."""

    connected: int = 0
    dropped: int = 0
    messages: Counter[str] = field(default_factory=Counter)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


async def desk(url: str, desks: Desks, ready: asyncio.Event) -> None:
    async with connect(url, ping_interval=None, open_timeout=60, max_queue=None) as socket:
        first = json.loads(await socket.recv())
        if first.get("type") != "desk":
            raise RuntimeError(f"first message of {url}: {first}")
        desks.connected += 1
        ready.set()
        try:
            async for message in socket:
                desks.messages[json.loads(message).get("type", "?")] += 1
        except websockets.ConnectionClosed:
            pass
        desks.connected -= 1
        desks.dropped += 1


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (with its threads)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def writer_seconds(metrics: str, hotline: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in metrics.splitlines():
        if line.startswith("verbund_writer_seconds_total{") and f'hotline="{hotline}"' in line:
            phase = line.split('phase="', 1)[1].split('"', 1)[0]
            out[phase] = float(line.rsplit(" ", 1)[1])
        for name in ("verbund_journal_batches_total", "verbund_commands_total"):
            if line.startswith(name + "{") and f'hotline="{hotline}"' in line:
                out[name] = float(line.rsplit(" ", 1)[1])
        for part in ("sum", "count"):  # the collector's pauses, per generation
            if line.startswith(f"verbund_gc_pause_seconds_{part}{{"):
                generation = line.split('generation="', 1)[1].split('"', 1)[0]
                out[f"verbund_gc_{part}_{generation}"] = float(line.rsplit(" ", 1)[1])
    return out


async def snapshot(pool: Pool, pid: int, hotline: str) -> dict[str, Any]:
    status, body = await pool.send("GET", "/metrics")
    assert status == 200, status
    return {
        "at": time.perf_counter(),
        "server_cpu": cpu_seconds(pid),
        "load_cpu": own_cpu(),
        "writer": writer_seconds(body.decode(), hotline),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    host, port = args.url.removeprefix("http://").split(":")
    pool = Pool(host, int(port), args.token)
    hotline = args.hotline
    agents = [f"ag{i:04d}" for i in range(1, args.agents + 1)]
    prepare = asyncio.Semaphore(50)

    async def login(agent: str) -> None:
        async with prepare:
            for action in ("login", "ready"):
                status, body = await pool.send(
                    "POST", f"/api/v1/hotlines/{hotline}/agents/{agent}/{action}"
                )
                if status != 200:
                    raise RuntimeError(f"{agent} {action}: {status} {body[:200]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(login(a) for a in agents))
    desks = Desks()
    ws = args.url.replace("http://", "ws://")
    for i in range(0, len(agents), 100):  # connect a hundred at a time
        events = []
        for agent in agents[i : i + 100]:
            ready = asyncio.Event()
            events.append(ready)
            url = f"{ws}/api/v1/hotlines/{hotline}/agents/{agent}/ws?token={args.token}"
            desks.tasks.append(asyncio.create_task(desk(url, desks, ready)))
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 60)
    prepared = time.perf_counter() - started

    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    pending: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()

    async def arrival(i: int, due: float, counted: bool) -> None:
        body = {"contact": f"b{i}", "caller": f"+49{i:010d}", "topic": "termin", "language": "de"}
        try:
            status, _ = await pool.send("POST", f"/api/v1/hotlines/{hotline}/contacts", body)
        except OSError as exc:
            if counted:
                errors[type(exc).__name__] += 1
            return
        if counted:
            latency = loop.time() - due
            latencies.append(latency)
            second = int(due - measured_from)
            worst[second] = max(worst.get(second, 0.0), latency)
            statuses[status] += 1

    rate = args.rate
    total = int((args.warmup + args.duration) * rate)
    warm = int(args.warmup * rate)
    start = loop.time() + 0.05
    measured_from = start + warm / rate
    worst: dict[int, float] = {}  # the slowest answer of each second of the window
    before: dict[str, Any] = {}
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif i % 50 == 0:  # behind: still let the answers in
            await asyncio.sleep(0)
        if i == warm:
            before = await snapshot(pool, args.server_pid, hotline)
            ws_before = desks.messages.copy()
            if args.mark:
                with open(args.mark, "w", encoding="ascii") as mark:
                    mark.write("measuring\n")
        task = asyncio.create_task(arrival(i, due, i >= warm))
        pending.add(task)
        task.add_done_callback(pending.discard)
    sent_by = loop.time()
    if pending:
        await asyncio.wait(pending, timeout=60)
    finished = loop.time()
    after = await snapshot(pool, args.server_pid, hotline)
    ws_messages = desks.messages - ws_before
    connected = desks.connected
    for task in desks.tasks:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*desks.tasks, return_exceptions=True)
    window = args.duration
    return {
        "rate": rate,
        "duration": window,
        "prepare_seconds": prepared,
        "sent": total - warm,
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": dict(errors),
        "latencies": sorted(latencies),
        "send_lag": sent_by - (start + total / rate),  # >0: the generator fell behind
        "drain_seconds": finished - sent_by,
        "window_seconds": after["at"] - before["at"],
        "server_cpu": after["server_cpu"] - before["server_cpu"],
        "load_cpu": after["load_cpu"] - before["load_cpu"],
        "writer": {k: after["writer"].get(k, 0.0) - v for k, v in before["writer"].items()},
        "ws_connected_at_end": connected,
        "ws_dropped": desks.dropped,
        "ws_messages": dict(ws_messages),
        "connections": pool.opened,
        "worst_per_second": [round(worst.get(i, 0.0), 4) for i in range(int(window))],
    }


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--hotline", default="bench")
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--mark", help="a file written when the measured window starts")
    args = parser.parse_args()
    runner = asyncio.run if uvloop is None else uvloop.run
    result = runner(main(args))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out)


if __name__ == "__main__":
    cli()
