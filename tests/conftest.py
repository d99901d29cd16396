"""Fixtures for every test package: a PostgreSQL database the tests may create and drop.

``postgres_url``: ``VERBUND_TEST_DATABASE_URL`` when set (a database the tests may migrate and
write to); otherwise the local server at ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``,
in which the session creates a throwaway database and drops it at the end. When neither is
possible, every PostgreSQL test fails (never skips) and says what to install or set.
``new_postgres_database()`` makes one more throwaway database (for a server under test).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def libpq(url: sa.URL) -> str:
    """A SQLAlchemy URL as a libpq connection string for psycopg."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    given = os.environ.get("VERBUND_TEST_DATABASE_URL")
    if given:
        yield given
        return
    with new_postgres_database() as url:
        yield url


@contextlib.contextmanager
def new_postgres_database() -> Iterator[str]:
    """A throwaway database on the local server, dropped at the end; a test failure (never a
    skip) when there is no server."""
    server = make_url(LOCAL_SERVER)
    name = f"verbund_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(libpq(server), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.fail(
            "The PostgreSQL store tests need a server, and they must run (CI included): "
            "set VERBUND_TEST_DATABASE_URL=postgresql+psycopg://user:password@host:5432/dbname, "
            f"or run PostgreSQL locally so that {LOCAL_SERVER} connects without a password and "
            "may CREATE DATABASE (e.g. `apt install postgresql` and trust auth for 127.0.0.1). "
            f"Connecting failed: {exc}",
            pytrace=False,
        )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq(server), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
