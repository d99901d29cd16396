"""A real Verbund server for tests: ``verbund serve`` in its own process on a free port.

    with running_server(database_url, config, users) as server:
        token = server.login("koordination")
        server.post("/api/v1/hotlines/h/contacts", token, json={...})

The database is migrated and given the hotline ``config`` and the ``users`` (all with the
password ``PASSWORD``) before the server starts. ``server.kill()`` sends SIGKILL; ``restart()``
starts a new process on the same database and port.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from verbund.engine import AgentSpec, Channel, HotlineConfig, ProviderSpec, RoutingRules, TopicSpec
from verbund.engine.config import ProviderMode
from verbund.service.accounts import create_user
from verbund.store import open_database, save_config

PASSWORD = "test-passwort"
SECRET = "test-secret-key-not-for-production"
VERBUND = Path(sys.executable).parent / "verbund"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def two_provider_config(name: str = "h1", agents_per_provider: int = 3) -> HotlineConfig:
    """Hotline ``name``: topic termin (de, en); pooled providers A and B with agents a1…, b1…;
    connected provider C; callback offers above 2 min, at most 30 min expected wait."""
    agents = tuple(
        AgentSpec(f"{p.lower()}{i}", p, {("termin", "de"): 1}, {Channel.VOICE: 1, Channel.CHAT: 3})
        for p in ("A", "B")
        for i in range(1, agents_per_provider + 1)
    )
    return HotlineConfig(
        name,
        (TopicSpec("termin", ("de", "en")),),
        (
            ProviderSpec("A", share=0.5),
            ProviderSpec("B", share=0.5),
            ProviderSpec(
                "C",
                ProviderMode.CONNECTED,
                share=0.2,
                label="sip:acd@c.example",
                serves=frozenset({("termin", "en")}),
            ),
        ),
        agents,
        RoutingRules(callback_offer_ewt=120.0, max_ewt=1800.0, wrap_up=None),
    )


DEFAULT_USERS = (
    ("koordination", "coordinator", None),
    ("admin-a", "provider_admin", "A"),
    ("chef-a", "supervisor", "A"),
    ("admin-b", "provider_admin", "B"),
    ("chef-b", "supervisor", "B"),
    ("acd-c", "supervisor", "C"),
    ("a1", "agent", "A"),
    ("a2", "agent", "A"),
    ("b1", "agent", "B"),
)


def provision(
    database_url: str,
    config: HotlineConfig,
    users: tuple[tuple[str, str, str | None], ...] = DEFAULT_USERS,
) -> None:
    with open_database(database_url, upgrade_schema=True) as database:
        save_config(database, config, title=f"Test {config.name}")
        for name, role, provider in users:
            create_user(database, name, PASSWORD, role, provider)


@dataclass
class Server:
    database_url: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(VERBUND), "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the server did not come up:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def login(self, user: str, password: str = PASSWORD) -> str:
        if user not in self.tokens:
            response = httpx.post(
                f"{self.base_url}/api/v1/auth/token",
                data={"username": user, "password": password},
                timeout=10,
            )
            response.raise_for_status()
            self.tokens[user] = response.json()["access_token"]
        return self.tokens[user]

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.login(user)}"}

    def request(self, method: str, path: str, user: str | None, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if user is not None:
            headers = {**self.headers(user), **headers}
        return httpx.request(
            method, f"{self.base_url}{path}", headers=headers, timeout=30, **kwargs
        )

    def get(self, path: str, user: str | None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, user, **kwargs)

    def post(self, path: str, user: str | None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, user, **kwargs)

    def put(self, path: str, user: str | None, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, user, **kwargs)


@contextlib.contextmanager
def running_server(
    database_url: str,
    config: HotlineConfig | None,
    tmp_path: Path,
    users: tuple[tuple[str, str, str | None], ...] = DEFAULT_USERS,
    **settings: str,
) -> Iterator[Server]:
    if config is not None:
        provision(database_url, config, users)
    env = {
        **os.environ,
        "VERBUND_DATABASE_URL": database_url,
        "VERBUND_SECRET_KEY": SECRET,
        "VERBUND_LOG_LEVEL": "info",
        **{f"VERBUND_{k.upper()}": v for k, v in settings.items()},
    }
    server = Server(database_url, free_port(), env, tmp_path / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def login_form_token(client: httpx.Client) -> str:
    """The token of the login form, as a browser gets it: GET /login sets the pre-session
    cookie (kept in ``client``) and renders the token bound to it into the form."""
    page = client.get("/login")
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def submit_login(
    client: httpx.Client, user: str, password: str = PASSWORD, **fields: str
) -> httpx.Response:
    """Log in through the login form, as a browser does: fetch the form, post it with its token
    (and any other ``fields``, such as ``next``)."""
    token = login_form_token(client)
    data = {"username": user, "password": password, "csrf_token": token, **fields}
    return client.post("/login", data=data)


@contextlib.contextmanager
def page_session(server: Server, user: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """An HTTP client logged in through the login form (the session cookie) that sends the
    session's CSRF token, as the pages' forms and scripts do (``X-CSRF-Token``)."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        response = submit_login(client, user, password)
        assert response.status_code == 303, response.text
        home = client.get("/", follow_redirects=True).text
        found = re.search(r'<meta name="csrf-token" content="([^"]+)">', home)
        assert found is not None, home[:500]
        client.headers["X-CSRF-Token"] = found.group(1)
        yield client
