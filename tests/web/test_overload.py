"""Under overload the API sheds with 503 and ``Retry-After`` instead of slowing everyone down.

A server with tiny limits — at most 8 API requests in flight, at most 4 commands waiting for the
hotline's writer — gets a burst of concurrent arrivals from 80 connections at once. Some are
shed: 503, ``Retry-After``, a JSON ``detail``; none is a 500; every accepted one is in the queue
and in the journal, and nothing that was shed is. After the burst, ordinary requests are answered
at once again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import backend_url
from tests.web.server import Server, running_server
from tests.web.test_crash_recovery import crash_config
from verbund.engine import ContactArrived
from verbund.store import Journal, open_database

HOTLINE = "h1"
THREADS = 80
PER_THREAD = 8
BURST = THREADS * PER_THREAD
pytestmark = pytest.mark.xdist_group("heavy")


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    config = crash_config(HOTLINE)  # every arrival queues: nobody logged in, no admission limits
    tmp: Path = tmp_path_factory.mktemp("overload")
    with (
        backend_url("sqlite", tmp_path_factory) as url,
        running_server(url, config, tmp, max_inflight="8", max_pending="4") as live,
    ):
        yield live


def burst(server: Server, token: str, prefix: str) -> list[tuple[str, httpx.Response]]:
    """``THREADS`` clients, each on its own connection, released at once, each posting
    ``PER_THREAD`` arrivals back to back."""
    gate = threading.Barrier(THREADS)
    answers: list[tuple[str, httpx.Response]] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
            http.get("/healthz")  # connected before the gate opens
            gate.wait()
            for i in range(PER_THREAD):
                contact = f"{prefix}-{number}-{i}"
                body = {"contact": contact, "topic": "termin"}
                response = http.post(f"/api/v1/hotlines/{HOTLINE}/contacts", json=body)
                with lock:
                    answers.append((contact, response))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == THREADS * PER_THREAD, "a client did not finish"
    return answers


def test_a_burst_is_shed_with_503_and_retry_after_and_nothing_half_done(
    tiny_server: Server,
) -> None:
    server = tiny_server
    token = server.login("koordination")
    answers = burst(server, token, "first")
    statuses: dict[int, int] = {}
    for _, response in answers:
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    assert set(statuses) <= {201, 503}, statuses
    accepted = {c: r.json()["seq"] for c, r in answers if r.status_code == 201}
    shed = [(c, r) for c, r in answers if r.status_code == 503]
    assert len(shed) >= BURST // 10, statuses
    assert len(accepted) >= 8, statuses
    # Shedding keeps the answers quick, for the accepted and for the shed alike.
    for group in (list(accepted), [c for c, _ in shed]):
        elapsed = sorted(r.elapsed.total_seconds() for c, r in answers if c in set(group))
        assert elapsed[len(elapsed) // 2] < 0.5, f"median answer {elapsed[len(elapsed) // 2]} s"
    for _, response in shed:
        assert int(response.headers["Retry-After"]) >= 1
        assert response.headers["content-type"].startswith("application/json")
        assert "try again" in response.json()["detail"]

    queue = server.get(
        f"/api/v1/hotlines/{HOTLINE}/queues/termin:de:voice",
        "koordination",
        params={"limit": 1000},
    ).json()
    waiting = [row["contact"] for row in queue["contacts"]]
    assert waiting == sorted(accepted, key=accepted.__getitem__), "exactly the accepted, in order"
    with open_database(server.database_url) as database:
        arrived = {
            e.command.contact: e.seq
            for e in Journal(database, HOTLINE).read()
            if isinstance(e.command, ContactArrived)
        }
    assert arrived == accepted, "the journal holds the accepted arrivals and nothing shed"
    metrics = server.get("/metrics", None).text
    assert "verbund_requests_shed_total" in metrics
    spent = {
        line.split('phase="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith(f'verbund_writer_seconds_total{{hotline="{HOTLINE}"')
    }
    assert set(spent) == {"engine", "journal", "publish", "history", "snapshot"}
    assert spent["engine"] > 0
    assert spent["journal"] > 0


def test_after_the_burst_ordinary_requests_are_answered_at_once(tiny_server: Server) -> None:
    server = tiny_server
    (burst(server, server.login("koordination"), "second"))
    slowest = 0.0
    with httpx.Client(base_url=server.base_url, headers=server.headers("koordination")) as http:
        for i in range(50):
            started = time.perf_counter()
            response = http.post(
                f"/api/v1/hotlines/{HOTLINE}/contacts",
                json={"contact": f"calm-{i}", "topic": "termin"},
            )
            slowest = max(slowest, time.perf_counter() - started)
            assert response.status_code == 201, response.text
            assert http.get(f"/api/v1/hotlines/{HOTLINE}/state").status_code == 200
    assert slowest < 0.5, f"the slowest calm request took {slowest * 1000:.0f} ms"
