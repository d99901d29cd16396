"""WebSockets over real connections: a desktop gets its offers, a dropped desktop gets its
ringing offer back on reconnecting, a wallboard sees changes, and strangers are turned away."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.web.server import Server, page_session
from verbund.web.auth import COOKIE

H = "/api/v1/hotlines/h1"


def socket(server: Server, path: str, user: str) -> ClientConnection:
    return connect(f"{server.ws_url}{path}?token={server.login(user)}", open_timeout=10)


def receive(ws: ClientConnection, kind: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
    """The next message of type ``kind`` (whose fields include ``match``) within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {kind} message {match} within {timeout} s")
        message = json.loads(ws.recv(timeout=left))
        if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
            return message  # type: ignore[no-any-return]


@pytest.fixture
def quiet(server: Server) -> Server:
    for name in ("a1", "a2", "a3", "b1", "b2", "b3"):
        server.post(f"{H}/agents/{name}/logout", "koordination")
    return server


def test_a_desktop_receives_its_offer_and_the_contact_updates(quiet: Server) -> None:
    server = quiet
    with socket(server, f"{H}/agents/a1/ws", "a1") as ws:
        desk = receive(ws, "desk")
        assert (desk["agent"], desk["status"]) == ("a1", "logged_out")
        server.post(f"{H}/agents/a1/login", "a1")
        server.post(f"{H}/agents/a1/ready", "a1")
        assert receive(ws, "status", status="ready")
        body = {"contact": "ws-1", "caller": "+4930800001", "topic": "termin"}
        server.post(f"{H}/contacts", "koordination", json=body)
        offer = receive(ws, "offer", contact="ws-1")
        assert offer["expires_at"] > time.time()
        server.post(f"{H}/agents/a1/offers/ws-1/accept", "a1")
        assert receive(ws, "contact", contact="ws-1", state="connected")
        server.post(f"{H}/contacts/ws-1/end", "a1")
        assert receive(ws, "contact", contact="ws-1", state="wrap_up")
        server.post(f"{H}/contacts/ws-1/wrap-up-done", "a1")
        assert receive(ws, "status", status="ready")


def test_a_dropped_desktop_gets_the_ringing_offer_back(quiet: Server) -> None:
    server = quiet
    server.post(f"{H}/agents/a2/login", "a2")
    server.post(f"{H}/agents/a2/ready", "a2")
    with socket(server, f"{H}/agents/a2/ws", "a2") as ws:
        receive(ws, "desk")
        body = {"contact": "ws-2", "caller": "+4930800002", "topic": "termin"}
        server.post(f"{H}/contacts", "koordination", json=body)
        receive(ws, "offer", contact="ws-2")
    # The connection dropped while the offer rang; a new one starts with it.
    with socket(server, f"{H}/agents/a2/ws", "a2") as ws:
        desk = receive(ws, "desk")
        assert "ws-2" in desk["offers"]
        assert desk["status"] == "reserved"
    assert server.post(f"{H}/agents/a2/offers/ws-2/accept", "a2").status_code == 200


def test_a_lapsed_offer_is_cancelled_on_the_desktop(quiet: Server) -> None:
    server = quiet
    server.request(
        "PATCH", H, "koordination", json={"rules": {"offer_timeout": 1.0, "max_no_answers": 5}}
    )
    try:
        server.post(f"{H}/agents/b1/login", "b1")
        server.post(f"{H}/agents/b1/ready", "b1")
        with socket(server, f"{H}/agents/b1/ws", "b1") as ws:
            receive(ws, "desk")
            body = {"contact": "ws-3", "caller": "+4930800003", "topic": "termin"}
            server.post(f"{H}/contacts", "koordination", json=body)
            receive(ws, "offer", contact="ws-3")
            cancelled = receive(ws, "offer_cancelled", contact="ws-3", timeout=5.0)
            assert cancelled["reason"] == "timeout"
    finally:
        server.request("PATCH", H, "koordination", json={"rules": {"offer_timeout": 20.0}})
        server.post(f"{H}/contacts/ws-3/abandon", "koordination")


def test_a_wallboard_sees_a_new_arrival_within_two_seconds(quiet: Server) -> None:
    server = quiet
    server.post(f"{H}/agents/a3/login", "koordination")  # serving, so arrivals are admitted
    with socket(server, f"{H}/wallboard/ws", "chef-a") as ws:
        first = receive(ws, "state")
        before = sum(q["offered"] for q in first["queues"])
        body = {"contact": "ws-4", "caller": "+4930800004", "topic": "termin"}
        sent = time.monotonic()
        server.post(f"{H}/contacts", "koordination", json=body)
        while True:
            state = receive(ws, "state", timeout=2.0)
            if sum(q["offered"] for q in state["queues"]) > before:
                break
        assert time.monotonic() - sent < 2.0
        assert set(state["agents"]["by_provider"]) <= {"A"}  # a supervisor of A sees only A
    server.post(f"{H}/contacts/ws-4/abandon", "koordination")


def test_another_providers_desktop_and_a_bad_token_are_refused(quiet: Server) -> None:
    with (
        pytest.raises(ConnectionClosed) as refused,
        socket(quiet, f"{H}/agents/b1/ws", "chef-a") as ws,
    ):
        ws.recv(timeout=5)
    assert refused.value.rcvd is not None
    assert refused.value.rcvd.code == 4403
    with (
        pytest.raises(ConnectionClosed) as bad,
        connect(f"{quiet.ws_url}{H}/agents/a1/ws?token=forged", open_timeout=10) as ws,
    ):
        ws.recv(timeout=5)
    assert bad.value.rcvd is not None
    assert bad.value.rcvd.code == 4401


def test_a_cookie_login_is_refused_from_another_sites_page(quiet: Server) -> None:
    """A browser sends the session cookie with any site's handshake: only the server's own
    pages (``Origin`` = its host and port) may use it; a bearer token needs no origin."""
    with page_session(quiet, "koordination") as client:
        cookie = f"{COOKIE}={client.cookies[COOKIE]}"
    url = f"{quiet.ws_url}{H}/wallboard/ws"
    own = quiet.base_url
    with connect(url, additional_headers={"Cookie": cookie}, origin=own, open_timeout=10) as ws:
        assert receive(ws, "state")["type"] == "state"
    with connect(url, additional_headers={"Cookie": cookie}, open_timeout=10) as ws:
        assert receive(ws, "state")["type"] == "state"  # no browser: no Origin to check
    for stranger in ("http://evil.example", own.replace("127.0.0.1", "localhost"), "null"):
        with (
            pytest.raises(ConnectionClosed) as refused,
            connect(
                url, additional_headers={"Cookie": cookie}, origin=stranger, open_timeout=10
            ) as ws,
        ):
            ws.recv(timeout=5)
        assert refused.value.rcvd is not None
        assert refused.value.rcvd.code == 4403, stranger
        assert "open Verbund's own pages" in refused.value.rcvd.reason
    token = quiet.login("koordination")
    with connect(f"{url}?token={token}", origin="http://evil.example", open_timeout=10) as ws:
        assert receive(ws, "state")["type"] == "state"
