"""A running server per test module and backend (SQLite file, PostgreSQL database)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from tests.conftest import new_postgres_database
from tests.web.server import Server, running_server, two_provider_config
from verbund.store import sqlite_url


@contextlib.contextmanager
def backend_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("db") / "verbund.db")
    elif os.environ.get("VERBUND_TEST_DATABASE_URL"):
        yield os.environ["VERBUND_TEST_DATABASE_URL"]
    else:
        with new_postgres_database() as url:
            yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server on hotline h1 (see ``two_provider_config``) with the default users."""
    with (
        backend_url(request.param, tmp_path_factory) as url,
        running_server(url, two_provider_config("h1"), tmp_path_factory.mktemp("log")) as live,
    ):
        yield live


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on SQLite only (for tests that are about the API, not the database)."""
    with (
        backend_url("sqlite", tmp_path_factory) as url,
        running_server(url, two_provider_config("h1"), tmp_path_factory.mktemp("log")) as live,
    ):
        yield live
