"""The one place that wires things: settings → database → service → web application → server.

settings = load_settings(path, port=8080)
app = build_app(settings)            # a FastAPI app whose lifespan runs the service
serve(settings)                      # uvicorn, JSON logs, until Ctrl-C / SIGTERM
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from verbund.service import Service, Settings
from verbund.service.accounts import create_user
from verbund.service.collector import install_collector_policy
from verbund.service.demo import DEMO_PASSWORD, DemoBots, DemoUser, demo_config
from verbund.store import DEFAULT_URL, Database, open_database, save_config, sqlite_url
from verbund.web import create_app

SWITCH_INTERVAL = 0.0005  # seconds; see serve()

__all__ = [
    "JsonFormatter",
    "build_app",
    "configure_logging",
    "open_store",
    "prepare_demo",
    "run_demo",
    "serve",
]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and extras such as exceptions."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def configure_logging(level: str) -> dict[str, Any]:
    """JSON logs on standard error for Verbund and uvicorn; returns uvicorn's log config."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": sys.stderr}
        },
        "loggers": {
            "verbund": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


def open_store(settings: Settings) -> Database:
    """The database of ``settings``: a new SQLite file is created and migrated on first start;
    any other database must have been migrated with ``verbund db upgrade``."""
    return open_database(settings.database_url or DEFAULT_URL)


def build_app(settings: Settings, database: Database | None = None) -> FastAPI:
    settings = settings.with_secret()
    database = database or open_store(settings)
    return create_app(Service(database, settings), settings)


def serve(settings: Settings) -> None:
    """Run the service until interrupted."""
    log_config = configure_logging(settings.log_level)
    app = build_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=log_config,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        # The desktops' messages are a few hundred bytes: compressing each cost more CPU than
        # sending it (thousands of messages a second at load).
        ws_per_message_deflate=False,
        access_log=False,  # requests are counted and timed on /metrics instead
        lifespan="on",
        timeout_graceful_shutdown=10,
        loop="auto",  # uvloop when it is installed (uvicorn[standard]), else asyncio's own
        # The client's address (for the chat limits) from X-Forwarded-For of these proxies only.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips(),
    )
    # The journal is written from a worker thread while the event loop keeps serving: SQLite's
    # driver lets go of the GIL at every row, and with the default 5 ms switch interval the
    # writer waited up to 5 ms per row for the busy loop to give it back (a batch of 300 took
    # 200 ms under load). 0.5 ms keeps the loop responsive and the journal quick.
    sys.setswitchinterval(SWITCH_INTERVAL)
    install_collector_policy(settings.gc_deep_interval)
    uvicorn.Server(config).run()


def prepare_demo(path: Path) -> Database:
    """A fresh demo database: the demo hotline and its logins."""
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    database = open_database(sqlite_url(path))
    config, users = demo_config()
    save_config(database, config, title="Impfhotline (Demo)")
    for user in users:
        create_user(database, user.name, DEMO_PASSWORD, user.role, user.provider)
    return database


def run_demo(
    path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    calls_per_minute: float = 24.0,
    seed: int = 1,
) -> None:
    """Serve the demo hotline with bots until interrupted; print where and how to log in."""
    settings = Settings(database_url=sqlite_url(path), host=host, port=port).with_secret()
    log_config = configure_logging("warning")
    database = prepare_demo(path)
    service = Service(database, settings)
    app = create_app(service, settings, manage_service=False)
    config, users = demo_config()

    async def main() -> None:
        await service.start()
        install_collector_policy(settings.gc_deep_interval)
        bots = DemoBots(service, config.name, seed=seed, calls_per_minute=calls_per_minute)
        await bots.start()
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_config=log_config,
                lifespan="off",
                timeout_graceful_shutdown=3,
            )
        )
        serving = asyncio.create_task(server.serve())
        while not server.started and not serving.done():
            await asyncio.sleep(0.05)
        if server.started:
            _print_demo(host, port, config.name, users)
        try:
            await serving
        finally:
            await bots.stop()
            await service.stop()

    asyncio.run(main())


def _print_demo(host: str, port: int, hotline: str, users: list[DemoUser]) -> None:
    base = f"http://{host}:{port}"
    lines = [
        "",
        f"Verbund demo: hotline {hotline} with bots for callers and agents is running.",
        f"  Address:    {base}/",
        f"  API docs:   {base}/docs",
        f"  Live state: {base}/api/v1/hotlines/{hotline}/state (log in first)",
        f"  Metrics:    {base}/metrics",
        "",
        f"Logins (password for all: {DEMO_PASSWORD}):",
        *(f"  {u.name:<18} {u.role:<15} {u.what}" for u in users),
        "",
        "Stop with Ctrl-C.",
        "",
    ]
    print("\n".join(lines), flush=True)
