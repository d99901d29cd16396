"""``kill -9`` during load, then restart: every contact and callback that was accepted is still
there, in the same order — on SQLite and on PostgreSQL.

A hotline whose agents are all logged out, without admission limits, so that every arrival
queues. Several client threads post arrivals (some at a higher priority, some as callback
requests) and ask for callbacks for contacts already queued, as fast as the server answers; each
2xx answer is recorded with its journal sequence number. Once enough have been accepted the server
gets SIGKILL in the middle of the load, and a new server starts on the same database (from the
newest snapshot, taken every 1,000 commands, and the journal after it). Then:

* the journal holds at least every accepted command, each at the sequence number it was answered
  with;
* every accepted contact waits in its queue, in the right state (a callback once a callback was
  accepted), and nothing waits that no client sent;
* the queue's order of the accepted contacts is priority, then journal order (first arrival);
* the live view (``GET /contacts/{c}``) knows them, and new arrivals queue behind them.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import backend_url
from tests.web.server import Server, running_server
from verbund.engine import (
    AgentSpec,
    CallbackRequested,
    Channel,
    ContactArrived,
    HotlineConfig,
    ProviderSpec,
    RoutingRules,
    TopicSpec,
)
from verbund.store import Journal, open_database, snapshot_seqs

HOTLINE = "krise"
QUEUE = "termin:de:voice"
CLIENTS = 6
KILL_AFTER = 3500  # accepted requests before the SIGKILL
HIGH = 5  # the priority of every fifth arrival
pytestmark = pytest.mark.xdist_group("heavy")


def crash_config(name: str = HOTLINE) -> HotlineConfig:
    """Two pooled providers with agents that nobody logs in; no admission limits, no offers of
    a callback: every arrival queues."""
    agents = tuple(
        AgentSpec(f"{p.lower()}{i}", p, {("termin", "de"): 1}, {Channel.VOICE: 1})
        for p in ("A", "B")
        for i in range(1, 4)
    )
    return HotlineConfig(
        name,
        (TopicSpec("termin", ("de",)),),
        (ProviderSpec("A", share=0.5), ProviderSpec("B", share=0.5)),
        agents,
        RoutingRules(callback_offer_ewt=None, max_ewt=None, max_queue_length=None, wrap_up=None),
    )


@dataclass
class Record:
    """What the clients sent and what was accepted, shared by the client threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    arrivals: dict[str, tuple[int, int, bool]] = field(default_factory=dict)  # seq, prio, cb
    callbacks: dict[str, int] = field(default_factory=dict)  # contact -> seq of the request
    sent: set[str] = field(default_factory=set)  # every contact id ever sent
    asked_callback: set[str] = field(default_factory=set)  # callback requested (answered or not)
    statuses: dict[int, int] = field(default_factory=dict)
    accepted: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1


def client(server: Server, token: str, number: int, record: Record) -> None:
    """Post arrivals and callback requests until the server goes away or ``record.stop``."""
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {token}"}
    mine: list[str] = []  # my queued contacts that may still ask for a callback
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as http:
        i = 0
        while not record.stop.is_set():
            i += 1
            try:
                if mine and rng.random() < 0.1:
                    contact = mine.pop(rng.randrange(len(mine)))
                    with record.lock:
                        record.asked_callback.add(contact)
                    response = http.post(f"/api/v1/hotlines/{HOTLINE}/contacts/{contact}/callback")
                    record.count(response.status_code)
                    if response.status_code == 200:
                        with record.lock:
                            record.callbacks[contact] = response.json()["seq"]
                            record.accepted += 1
                    continue
                contact = f"k{number}-{i}"
                priority = HIGH if i % 5 == 0 else 0
                callback = rng.random() < 0.05
                with record.lock:
                    record.sent.add(contact)
                response = http.post(
                    f"/api/v1/hotlines/{HOTLINE}/contacts",
                    json={
                        "contact": contact,
                        "caller": f"+49301{number:02d}{i:07d}",
                        "topic": "termin",
                        "language": "de",
                        "priority": priority,
                        "callback": callback,
                    },
                )
                record.count(response.status_code)
                if response.status_code == 201:
                    body = response.json()
                    expected = "callback_waiting" if callback else "queued"
                    assert body["status"] == expected, body
                    with record.lock:
                        record.arrivals[contact] = (body["seq"], priority, callback)
                        record.accepted += 1
                    if not callback:
                        mine.append(contact)
            except httpx.HTTPError:
                return  # the server was killed


def waiting_contacts(server: Server) -> list[dict[str, object]]:
    """The whole queue, a page at a time through the coordinator's queue endpoint."""
    found: list[dict[str, object]] = []
    while True:
        page = server.get(
            f"/api/v1/hotlines/{HOTLINE}/queues/{QUEUE}",
            "koordination",
            params={"limit": 1000, "offset": len(found)},
        )
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["offset"] == len(found)
        found += body["contacts"]
        if len(found) >= body["waiting"] or not body["contacts"]:
            assert len(found) == body["waiting"]
            return found


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[Server]:
    with (
        backend_url(request.param, tmp_path_factory) as url,
        # snapshots every 1,000 commands: recovery is newest snapshot + the journal after it
        running_server(url, crash_config(), tmp_path, snapshot_every="1000") as live,
    ):
        yield live


def test_kill_9_during_load_loses_nothing_accepted_and_keeps_the_order(
    crash_server: Server,
) -> None:
    server = crash_server
    token = server.login("koordination")
    record = Record()
    threads = [
        threading.Thread(target=client, args=(server, token, n, record), daemon=True)
        for n in range(CLIENTS)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while record.accepted < KILL_AFTER and time.monotonic() - started < 40:
        assert any(t.is_alive() for t in threads), "every client stopped before the kill"
        time.sleep(0.01)
    server.kill()  # SIGKILL while the clients are still posting
    load_seconds = time.monotonic() - started
    for thread in threads:
        thread.join(15)
    record.stop.set()
    assert not any(t.is_alive() for t in threads)
    assert record.accepted >= KILL_AFTER, (
        f"only {record.accepted} accepted in {load_seconds:.0f} s; statuses {record.statuses}"
    )
    assert set(record.statuses) <= {200, 201}, f"statuses under load: {record.statuses}"

    # The journal holds every accepted command at the sequence number it was answered with.
    with open_database(server.database_url) as database:
        entries = {entry.seq: entry.command for entry in Journal(database, HOTLINE).read()}
        assert snapshot_seqs(database, HOTLINE), "no snapshot was taken under load"
    assert len(entries) >= record.accepted
    for contact, (seq, priority, callback) in record.arrivals.items():
        command = entries[seq]
        assert isinstance(command, ContactArrived), (seq, command)
        assert (command.contact, command.priority, command.callback) == (
            contact,
            priority,
            callback,
        )
    for contact, seq in record.callbacks.items():
        assert entries[seq] == CallbackRequested(contact)

    server.start()
    queue = waiting_contacts(server)
    ids = [str(row["contact"]) for row in queue]
    assert len(ids) == len(set(ids)), "a contact waits twice"
    assert set(ids) <= record.sent, f"waiting but never sent: {sorted(set(ids) - record.sent)[:5]}"
    missing = set(record.arrivals) - set(ids)
    assert not missing, f"{len(missing)} accepted contacts lost, e.g. {sorted(missing)[:5]}"
    assert [row["position"] for row in queue] == list(range(1, len(queue) + 1))

    states = {str(row["contact"]): row["state"] for row in queue}
    for contact, (_, _, callback) in record.arrivals.items():
        if callback or contact in record.callbacks:
            assert states[contact] == "callback_waiting", contact
        elif contact not in record.asked_callback:  # an unanswered request may have gone in
            assert states[contact] == "queued", contact

    accepted_in_queue_order = [c for c in ids if c in record.arrivals]
    expected = sorted(
        record.arrivals, key=lambda c: (-record.arrivals[c][1], record.arrivals[c][0])
    )
    assert accepted_in_queue_order == expected

    # The live view knows the contacts from before the crash, too.
    sample = random.Random(0).sample(sorted(record.arrivals), 20)
    for contact in sample:
        view = server.get(f"/api/v1/hotlines/{HOTLINE}/contacts/{contact}", "koordination")
        assert view.status_code == 200, view.text
        assert view.json()["state"] == states[contact]
        assert view.json()["priority"] == record.arrivals[contact][1]

    # New arrivals queue behind everyone of their priority.
    after = server.post(
        f"/api/v1/hotlines/{HOTLINE}/contacts",
        "koordination",
        json={"contact": "after-restart", "topic": "termin", "language": "de"},
    )
    assert after.status_code == 201, after.text
    assert after.json()["status"] == "queued"
    assert after.json()["seq"] > max(entries)
    assert after.json()["position"] == len(queue) + 1
